"""The ``backstage.io/techdocs-ref`` annotation: where an entity's docs source lives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from goldpath.errors import FieldError
from goldpath.techdocs.errors import InvalidTechDocsRefError

__all__ = ["ANNOTATION_TECHDOCS_REF", "TechDocsRef", "parse_techdocs_ref", "techdocs_ref_of"]

ANNOTATION_TECHDOCS_REF = "backstage.io/techdocs-ref"
_FIELD = f"metadata.annotations.{ANNOTATION_TECHDOCS_REF}"


@dataclass(frozen=True, slots=True)
class TechDocsRef:
    """``dir:<path relative to the entity's location>`` or ``url:<absolute folder URL>``."""

    type: Literal["dir", "url"]
    target: str

    def __str__(self) -> str:
        return f"{self.type}:{self.target}"


def _refuse(value: str, message: str) -> InvalidTechDocsRefError:
    return InvalidTechDocsRefError(
        f"{ANNOTATION_TECHDOCS_REF} {value!r}: {message}",
        errors=[FieldError(_FIELD, "format", message)],
    )


def parse_techdocs_ref(value: str) -> TechDocsRef:
    """Parse the annotation's value; InvalidTechDocsRefError names the rule it breaks."""
    text = value.strip()
    kind, sep, target = text.partition(":")
    target = target.strip()
    if not sep or kind not in ("dir", "url"):
        raise _refuse(value, "must be dir:<relative path> or url:<folder URL>")
    if not target:
        raise _refuse(value, f"{kind}: names no {'folder' if kind == 'dir' else 'URL'}")
    if kind == "url":
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _refuse(value, "url: must be an http(s) URL")
        return TechDocsRef("url", target)
    if target.startswith("/") or "\\" in target:
        raise _refuse(value, "dir: must be a path relative to the entity's catalog file")
    return TechDocsRef("dir", target)


def techdocs_ref_of(entity: Mapping[str, Any]) -> str | None:
    """The raw annotation value of an entity, or None when it has none."""
    metadata = entity.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    value = annotations.get(ANNOTATION_TECHDOCS_REF) if isinstance(annotations, Mapping) else None
    return value if isinstance(value, str) and value.strip() else None
