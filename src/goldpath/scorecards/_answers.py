"""The answers file a generated repository keeps, and where a template's current version
comes from.

``.goldpath/answers.yaml`` (written by the scaffolder, read by ``goldpath fleet``) says
which template made the repository and at which version::

    templateRef: template:default/nodejs-service
    templateVersion: 3f9c2e...   # a content hash, maybe with a human version
    answers: {...}

The ``template-up-to-date`` check compares that version with the template's current one,
which a ``TemplateVersions`` provides (``goldpath.fleet`` computes it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from goldpath.errors import FieldError
from goldpath.safe_yaml import YamlError, load_yaml
from goldpath.scorecards.errors import InvalidAnswersError

__all__ = [
    "ANSWERS_PATH",
    "Answers",
    "MappingTemplateVersions",
    "TemplateVersions",
    "parse_answers",
]

ANSWERS_PATH = ".goldpath/answers.yaml"
_MAX_ANSWERS_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Answers:
    """Which template made a repository, and at which version."""

    template_ref: str
    template_version: str


def _version_text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str | int | float):
        text = str(value).strip()
        return text or None
    return None


def parse_answers(data: bytes, *, where: str = ANSWERS_PATH) -> Answers:
    """Read an answers file; InvalidAnswersError names each missing or malformed key."""
    try:
        document = load_yaml(data, where=where, max_bytes=_MAX_ANSWERS_BYTES)
    except YamlError as exc:
        raise InvalidAnswersError(
            f"{where} is not valid YAML", errors=list(exc.errors), where=where
        ) from exc
    if not isinstance(document, Mapping):
        raise InvalidAnswersError(
            f"{where} must be a mapping",
            errors=[FieldError("answers", "type", "must be a mapping of keys to values")],
            where=where,
        )
    problems: list[FieldError] = []
    ref = document.get("templateRef")
    if not isinstance(ref, str) or not ref.strip():
        problems.append(
            FieldError("templateRef", "required", "must name the template (template:ns/name)")
        )
    version = _version_text(document.get("templateVersion"))
    if version is None:
        problems.append(
            FieldError("templateVersion", "required", "must be the template's version (text)")
        )
    if problems:
        raise InvalidAnswersError(f"{where} is incomplete", errors=problems, where=where)
    assert isinstance(ref, str) and version is not None
    return Answers(template_ref=ref.strip(), template_version=version)


@runtime_checkable
class TemplateVersions(Protocol):
    """The current version of a template, in the same form answers files record it."""

    def current_version(self, template_ref: str) -> str | None:
        """The template's current version; None when goldpath does not know the template."""
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
