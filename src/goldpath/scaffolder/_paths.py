"""Keeping every path inside the task workspace: no ``..``, no absolute paths, no symlinks out."""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from goldpath.errors import FieldError
from goldpath.scaffolder.errors import PathEscapeError

__all__ = ["check_relative", "is_http_url", "is_within", "resolve_inside"]


def _refuse(field: str, path: str, why: str) -> PathEscapeError:
    return PathEscapeError(
        f"{field} {path!r} {why}",
        errors=[FieldError(field, "workspace", f"{path!r} {why}")],
    )


def check_relative(path: str, *, field: str = "path") -> PurePosixPath:
    """A relative POSIX path with no ``..`` and no drive or root; anything else is refused."""
    if "\x00" in path:
        raise _refuse(field, path, "contains a NUL byte")
    text = path.replace("\\", "/")
    pure = PurePosixPath(text)
    if pure.is_absolute() or text.startswith("/") or (len(text) > 1 and text[1] == ":"):
        raise _refuse(field, path, "is absolute; paths must stay inside the workspace")
    if any(part == ".." for part in pure.parts):
        raise _refuse(field, path, "contains '..'; paths must stay inside the workspace")
    return pure


def is_within(root: Path, candidate: Path) -> bool:
    """True when ``candidate`` (resolved, symlinks followed) is ``root`` or below it."""
    root_real = os.path.realpath(root)
    real = os.path.realpath(candidate)
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


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
