"""Entity refs: ``[kind:][namespace/]name``, compared case-insensitively."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from goldpath.catalog.errors import InvalidEntityRefError
from goldpath.errors import FieldError

__all__ = [
    "DEFAULT_NAMESPACE",
    "KIND_PATTERN",
    "NAMESPACE_PATTERN",
    "NAME_PATTERN",
    "EntityRef",
    "check_kind",
    "check_name",
    "check_namespace",
    "parse_entity_ref",
    "stringify_entity_ref",
]

DEFAULT_NAMESPACE = "default"
NAME_PATTERN = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
NAMESPACE_PATTERN = re.compile(r"^[a-z0-9]+(?:-+[a-z0-9]+)*$")
KIND_PATTERN = re.compile(r"^[a-zA-Z][a-z0-9A-Z]*$")
MAX_LENGTH = 63


def _check(value: object, field: str, pattern: re.Pattern[str], what: str) -> list[FieldError]:
    if not isinstance(value, str):
        return [FieldError(field, "type", f"{what} must be a string")]
    if value == "":
        return [FieldError(field, "required", f"{what} must not be empty")]
    problems: list[FieldError] = []
    if len(value) > MAX_LENGTH:
        problems.append(
            FieldError(field, "max_length", f"{what} must be at most {MAX_LENGTH} characters")
        )
    if not pattern.fullmatch(value):
        problems.append(
            FieldError(field, "pattern", f"{what} {value!r} must match {pattern.pattern}")
        )
    return problems


def check_name(value: object, field: str = "metadata.name") -> list[FieldError]:
    """Problems with an entity name: 1-63 characters of Backstage's name pattern."""
    return _check(value, field, NAME_PATTERN, "name")


def check_namespace(value: object, field: str = "metadata.namespace") -> list[FieldError]:
    """Problems with a namespace: a DNS label of at most 63 characters."""
    if (
        isinstance(value, str)
        and NAMESPACE_PATTERN.fullmatch(value.lower())
        and value != value.lower()
    ):
        # Backstage compares namespaces case-insensitively but stores them as DNS labels.
        return [FieldError(field, "pattern", f"namespace {value!r} must be lower-case")]
    return _check(value, field, NAMESPACE_PATTERN, "namespace")


def check_kind(value: object, field: str = "kind") -> list[FieldError]:
    """Problems with a kind: a letter then letters and digits, at most 63 characters."""
    return _check(value, field, KIND_PATTERN, "kind")


@dataclass(frozen=True, slots=True)
class EntityRef:
    """An entity ref: the one type that parses and formats ``kind:namespace/name``.

    ``str()`` (and ``key``) is the canonical lower-case form; ``parse`` reads any
    ``[kind:][namespace/]name``, ``of`` takes the ref of an entity body.
    """

    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        return stringify_entity_ref(self)

    @property
    def key(self) -> str:
        """The canonical lower-case ``kind:namespace/name``."""
        return stringify_entity_ref(self)

    @classmethod
    def parse(
        cls,
        text: str,
        *,
        default_kind: str | None = None,
        default_namespace: str = DEFAULT_NAMESPACE,
        field: str = "ref",
        strict: bool = True,
    ) -> EntityRef:
        """Parse ``[kind:][namespace/]name`` (see ``parse_entity_ref``)."""
        return parse_entity_ref(
            text,
            default_kind=default_kind,
            default_namespace=default_namespace,
            field=field,
            strict=strict,
        )

    @classmethod
    def of(cls, entity: Mapping[str, Any], *, default_kind: str = "") -> EntityRef:
        """The ref of an entity body (its ``kind`` and ``metadata.namespace``/``name``)."""
        metadata = entity.get("metadata")
        if not isinstance(metadata, Mapping):
            metadata = {}
        return cls(
            kind=str(entity.get("kind") or default_kind),
            namespace=str(metadata.get("namespace") or DEFAULT_NAMESPACE),
            name=str(metadata.get("name") or ""),
        )

    def humanize(
        self, *, default_kind: str | None = None, default_namespace: str = DEFAULT_NAMESPACE
    ) -> str:
        """The ref without the kind and namespace that go without saying
        (Backstage's ``humanizeEntityRef``): ``ada`` for ``user:default/ada``."""
        same_kind = default_kind is not None and self.kind.lower() == default_kind.lower()
        same_namespace = self.namespace.lower() == default_namespace.lower()
        kind = "" if same_kind else f"{self.kind.lower()}:"
        namespace = "" if same_namespace else f"{self.namespace}/"
        return f"{kind}{namespace}{self.name}"


def parse_entity_ref(
    ref: str,
    default_kind: str | None = None,
    default_namespace: str = DEFAULT_NAMESPACE,
    *,
    field: str = "ref",
    strict: bool = True,
) -> EntityRef:
    """Parse ``[kind:][namespace/]name``; every malformed part is named in the error.

    ``strict=False`` is Backstage's reading of relation targets in ``spec`` (an owner such
    as ``web@example.com``): every part must be present, but the name rules do not apply.
    """
    if isinstance(ref, str) and ref:
        # big catalogs repeat the same owners and systems thousands of times
        return _parse_cached(ref, default_kind, default_namespace, field, strict)
    return _parse(ref, default_kind, default_namespace, field, strict)


@lru_cache(maxsize=65536)
def _parse_cached(
    ref: str, default_kind: str | None, default_namespace: str, field: str, strict: bool
) -> EntityRef:
    return _parse(ref, default_kind, default_namespace, field, strict)


def _present(value: str, field: str, what: str) -> list[FieldError]:
    if value:
        return []
    return [FieldError(field, "required", f"entity ref has an empty {what}")]


def _parse(
    ref: str, default_kind: str | None, default_namespace: str, field: str, strict: bool
) -> EntityRef:
    if not isinstance(ref, str) or not ref:
        raise InvalidEntityRefError(
            f"{field}: entity ref must be a non-empty string",
            errors=[FieldError(field, "required", "entity ref must be a non-empty string")],
            ref=ref,
        )
    text = ref
    kind: str | None
    if ":" in text:
        kind, _, rest = text.partition(":")
    else:
        kind, rest = default_kind, text
    if "/" in rest:
        namespace, _, name = rest.partition("/")
    else:
        namespace, name = default_namespace, rest
    problems: list[FieldError] = []
    if kind is None:
        problems.append(
            FieldError(
                f"{field}.kind", "required", f"entity ref {ref!r} has no kind and none is implied"
            )
        )
    elif strict:
        problems += check_kind(kind, f"{field}.kind")
    else:
        problems += _present(kind, f"{field}.kind", "kind")
    if strict:
        problems += check_namespace(namespace.lower(), f"{field}.namespace")
        problems += check_name(name, f"{field}.name")
    else:
        problems += _present(namespace, f"{field}.namespace", "namespace")
        problems += _present(name, f"{field}.name", "name")
    if problems:
        detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
        raise InvalidEntityRefError(
            f"invalid entity ref {ref!r}: {detail}", errors=problems, ref=ref
        )
    assert kind is not None
    return EntityRef(kind=kind, namespace=namespace, name=name)


def stringify_entity_ref(
    ref: EntityRef | None = None,
    *,
    kind: str | None = None,
    namespace: str | None = None,
    name: str | None = None,
) -> str:
    """The canonical lower-case ``kind:namespace/name`` of a ref or of its parts."""
    if ref is not None:
        kind, namespace, name = ref.kind, ref.namespace, ref.name
    if not kind or not name:
        raise InvalidEntityRefError(
            "an entity ref needs a kind and a name",
            errors=[FieldError("kind" if not kind else "name", "required", "must not be empty")],
        )
    return f"{kind}:{namespace or DEFAULT_NAMESPACE}/{name}".lower()
