"""The one tree writer: files at relative POSIX paths, written under a root and never outside it.

Every part of goldpath that turns a tree of files into a folder uses ``write_tree``: the
scaffolder's skeletons and workspaces, the GitOps repository a Create commits, the
manifests ``goldpath gitops platform --out`` writes. A path must be relative, without
``..`` or a NUL byte, and the file is never written through a symlink that leads out of
the root (a symlink inside the root is replaced by the file). Text is written as UTF-8;
a ``TreeFile`` also carries its mode bits.

This module imports nothing of goldpath but its error root, so every package can use it.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from goldpath.errors import FieldError, InvalidInputError

__all__ = ["TreeFile", "UnsafePathError", "is_within", "relative_path", "write_tree"]


@dataclass(frozen=True, slots=True)
class TreeFile:
    """One file of a tree: its bytes and POSIX mode bits."""

    content: bytes
    mode: int = 0o644

    @property
    def executable(self) -> bool:
        """Whether the owner may execute the file."""
        return bool(self.mode & stat.S_IXUSR)


class UnsafePathError(InvalidInputError):
    """A path of a tree would leave its root: absolute, ``..``, or through a symlink."""

    @property
    def reason(self) -> str:
        """Why the path was refused (``is absolute``, ``contains '..'``, ...)."""
        return str(self.context.get("reason", ""))


def _refuse(path: str, why: str, field: str) -> UnsafePathError:
    return UnsafePathError(
        f"{field} {path!r} {why}",
        errors=[FieldError(field, "inside", f"{path!r} {why}")],
        path=path,
        reason=why,
    )


def relative_path(
    path: str | PurePosixPath, *, field: str = "path", allow_empty: bool = False
) -> PurePosixPath:
    """``path`` as a relative POSIX path with no ``..``; anything else raises UnsafePathError
    (``.`` and the empty path, which name the root itself, only with ``allow_empty``)."""
    text = str(path).replace("\\", "/")
    if "\x00" in text:
        raise _refuse(str(path), "contains a NUL byte", field)
    pure = PurePosixPath(text)
    if pure.is_absolute() or (len(text) > 1 and text[1] == ":"):
        raise _refuse(str(path), "is absolute", field)
    if ".." in pure.parts:
        raise _refuse(str(path), "contains '..'", field)
    if not pure.parts and not allow_empty:
        raise _refuse(str(path), "names no file", field)
    return pure


def is_within(root: Path, candidate: Path) -> bool:
    """True when ``candidate`` (resolved, symlinks followed) is ``root`` or below it."""
    return _resolves_within(os.path.realpath(root), candidate)


def _resolves_within(root_real: str, candidate: Path) -> bool:
    real = os.path.realpath(candidate)
    return real == root_real or real.startswith(root_real.rstrip(os.sep) + os.sep)


def write_tree(
    root: Path,
    files: Mapping[PurePosixPath, str | bytes | TreeFile],
    *,
    error: type[UnsafePathError] = UnsafePathError,
) -> list[PurePosixPath]:
    """Write every file under ``root`` (made if missing); returns the paths written.

    A refused path raises ``error`` (a caller's own ``UnsafePathError`` subclass, such as
    the scaffolder's ``PathEscapeError``), with the same message, field errors and context.
    """
    try:
        return _write_files(root, files)
    except UnsafePathError as exc:
        if isinstance(exc, error):
            raise
        raise error(exc.message, errors=exc.errors, **exc.context) from None


def _write_files(
    root: Path, files: Mapping[PurePosixPath, str | bytes | TreeFile]
) -> list[PurePosixPath]:
    root.mkdir(parents=True, exist_ok=True)
    root_real = os.path.realpath(root)
    # folders already resolved inside the root and made: this call writes only regular
    # files, so a folder it checked cannot turn into a symlink before its next file
    ready: set[Path] = set()
    written: list[PurePosixPath] = []
    for path, content in files.items():
        relative = relative_path(path)
        destination = root.joinpath(*relative.parts)
        folder = destination.parent
        if folder not in ready and not _resolves_within(root_real, folder):
            raise _refuse(str(path), "leads outside the tree through a symlink", "path")
        if destination.is_symlink() and not _resolves_within(root_real, destination):
            raise _refuse(str(path), "leads outside the tree through a symlink", "path")
        if folder not in ready:
            folder.mkdir(parents=True, exist_ok=True)
            ready.add(folder)
        if destination.is_symlink():
            destination.unlink()
        if isinstance(content, TreeFile):
            destination.write_bytes(content.content)
            os.chmod(destination, content.mode)
        elif isinstance(content, bytes):
            destination.write_bytes(content)
        else:
            destination.write_text(content, encoding="utf-8")
        written.append(relative)
    return written
