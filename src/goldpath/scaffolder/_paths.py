"""Keeping every path inside the task workspace: no ``..``, no absolute paths, no symlinks out."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from goldpath.errors import FieldError
from goldpath.scaffolder.errors import PathEscapeError
from goldpath.trees import UnsafePathError, is_within, relative_path

__all__ = ["check_relative", "is_http_url", "is_within", "resolve_inside"]


def _refuse(field: str, path: str, why: str) -> PathEscapeError:
    return PathEscapeError(
        f"{field} {path!r} {why}",
        errors=[FieldError(field, "workspace", f"{path!r} {why}")],
    )


def check_relative(path: str, *, field: str = "path") -> PurePosixPath:
    """A relative POSIX path with no ``..`` and no drive or root; anything else is refused
    (the tree writer's rule, reported as the workspace's)."""
    try:
        return relative_path(path, field=field, allow_empty=True)
    except UnsafePathError as exc:
        raise _refuse(field, path, f"{exc.reason}; paths must stay inside the workspace") from None


def resolve_inside(root: Path, path: str, *, field: str = "path", allow_root: bool = False) -> Path:
    """``root / path`` after checking it stays inside ``root`` even through symlinks."""
    pure = check_relative(path, field=field)
    if not pure.parts or pure == PurePosixPath("."):
        if allow_root:
            return root
        raise _refuse(field, path, "names the workspace itself")
    target = root.joinpath(*pure.parts)
    if not is_within(root, target):
        raise _refuse(field, path, "leads outside the workspace through a symlink")
    return target


def is_http_url(text: str) -> bool:
    """Whether ``text`` is an http(s) URL (a template or skeleton on a git host)."""
    return urlsplit(text).scheme in ("http", "https")
