"""Where a template's current version comes from, for the ``template-up-to-date`` check.

A generated repository's ``.goldpath/answers.yaml`` (``goldpath.fleet.Answers``) records
the template that made it and that template's version (a content digest, maybe with a
human version). The check compares that digest with the template's current one, which a
``TemplateVersions`` provides; the composition root hands in the fleet's
(``FleetService.current_version``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Protocol, runtime_checkable

__all__ = ["CachedTemplateVersions", "MappingTemplateVersions", "TemplateVersions"]


@runtime_checkable
class TemplateVersions(Protocol):
    """The current version (content digest) of a template, as answers files record it."""

    def current_version(self, template_ref: str) -> str | None:
        """The template's current digest; None when goldpath does not know the template."""
        ...


class MappingTemplateVersions:
    """Current versions from a function of the template ref (or a plain mapping)."""

    def __init__(self, versions: Mapping[str, str] | Callable[[str], str | None]) -> None:
        self._versions = versions

    def current_version(self, template_ref: str) -> str | None:
        """The version the mapping or function gives for ``template_ref``."""
        if callable(self._versions):
            return self._versions(template_ref)
        return self._versions.get(template_ref)


class CachedTemplateVersions:
    """Current versions from ``source``, each kept ``ttl_seconds``: a refresh scores many
    components made from one template, and hashing its files once is enough."""

    def __init__(self, source: Callable[[str], str | None], *, ttl_seconds: float = 60.0) -> None:
        self._source = source
        self._ttl = ttl_seconds
        self._known: dict[str, tuple[float, str | None]] = {}
        self._lock = threading.Lock()

    def current_version(self, template_ref: str) -> str | None:
        """The cached version, or ``source``'s answer when the cached one is too old."""
        now = time.monotonic()
        with self._lock:
            found = self._known.get(template_ref)
        if found is not None and now - found[0] < self._ttl:
            return found[1]
        version = self._source(template_ref)
        with self._lock:
            self._known[template_ref] = (now, version)
        return version
