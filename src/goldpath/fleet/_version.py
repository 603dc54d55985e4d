"""A template's version: a content hash of the template and its files, plus the optional
human version its ``goldpath.dev/template-version`` annotation names."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from goldpath.errors import FieldError
from goldpath.fleet.errors import TemplateFilesError
from goldpath.scaffolder import SkeletonFile, Template, read_tree

__all__ = [
    "VERSION_ANNOTATION",
    "TemplateVersion",
    "template_files",
    "template_version",
]

VERSION_ANNOTATION = "goldpath.dev/template-version"
"""A template annotation carrying the version people talk about (``1.4.0``)."""

_SHORT = 12
_IGNORED_PARTS = frozenset({"__pycache__", ".git", ".pytest_cache", "node_modules"})


@dataclass(frozen=True, slots=True)
class TemplateVersion:
    """``digest`` (sha256 hex of the template and its files) and the human version, if any."""

    digest: str
    human: str | None = None

    @property
    def short(self) -> str:
        """The first 12 hex digits of the digest (branch names, tables)."""
        return self.digest[:_SHORT]

    @property
    def label(self) -> str:
        """``1.4.0 (3f2a9c1e5b7d)``, or the short digest alone."""
        return f"{self.human} ({self.short})" if self.human else self.short

    def as_dict(self) -> dict[str, str]:
        """The answers file's and the API's shape."""
        data = {"digest": self.digest}
        if self.human:
            data["human"] = self.human
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TemplateVersion:
        """The inverse of ``as_dict``."""
        human = data.get("human")
        return cls(digest=str(data.get("digest") or ""), human=str(human) if human else None)


def _kept(path: PurePosixPath) -> bool:
    return not (_IGNORED_PARTS & set(path.parts)) and path.suffix != ".pyc"


def template_files(template: Template) -> dict[PurePosixPath, SkeletonFile]:
    """Every file of the template's folder (``template.yaml`` and its skeletons).

    TemplateFilesError when the template has no folder on this machine (a template read
    from a git host: read its folder with the host and pass the files instead).
    """
    if template.base_dir is None or not template.base_dir.is_dir():
        raise TemplateFilesError(
            f"{template.ref} has no folder on this machine to read its files from",
            errors=[FieldError("template", "files", "the template's folder is not local")],
            template=template.ref,
        )
    return {path: file for path, file in read_tree(template.base_dir).items() if _kept(path)}


def template_version(
    template: Template, files: Mapping[PurePosixPath, SkeletonFile] | None = None
) -> TemplateVersion:
    """The version of ``template``: the sha256 of its name, spec and files, and the human
    version its annotation names. ``files`` defaults to the template's own folder."""
    if files is None:
        files = template_files(template)
    metadata = template.entity.get("metadata") or {}
    head = {
        "kind": template.entity.get("kind"),
        "name": metadata.get("name"),
        "namespace": metadata.get("namespace") or "default",
        "spec": template.entity.get("spec"),
    }
    digest = hashlib.sha256()
    digest.update(json.dumps(head, sort_keys=True, separators=(",", ":"), default=str).encode())
    for path in sorted(p for p in files if _kept(p)):
        file = files[path]
        executable = b"x" if file.mode & 0o100 else b"-"
        digest.update(b"\0" + path.as_posix().encode() + b"\0" + executable + b"\0")
        digest.update(hashlib.sha256(file.content).digest())
    annotations = metadata.get("annotations") or {}
    human = annotations.get(VERSION_ANNOTATION) if isinstance(annotations, Mapping) else None
    return TemplateVersion(digest=digest.hexdigest(), human=str(human) if human else None)
