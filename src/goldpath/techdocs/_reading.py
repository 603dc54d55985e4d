"""Reading an entity's docs source: the one place TechDocs touches files or git hosts.

Everything goes through ``SourceReader.read_tree``, so the composition root can hand in a
reader confined to the catalog's allowed roots and hosts without TechDocs changing.
"""

from __future__ import annotations

import os
import posixpath
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urljoin, urlsplit

from goldpath.errors import NotFoundError
from goldpath.techdocs._ref import TechDocsRef
from goldpath.techdocs.errors import DocsSourceError

__all__ = [
    "MAX_SOURCE_FILES",
    "CatalogSourceReader",
    "CommitPinner",
    "FolderReader",
    "SourceReader",
    "SourceTree",
    "resolve_source",
]

MAX_SOURCE_FILES = 20_000
_SYMLINK_MODE = 0o120000


@dataclass(frozen=True, slots=True)
class SourceTree:
    """The files of a docs source (relative POSIX path -> bytes) and where they came from."""

    where: str
    files: dict[str, bytes] = field(default_factory=dict)
    commit: str | None = None


@runtime_checkable
class SourceReader(Protocol):
    """Reads the folder a techdocs-ref names, relative to the entity's catalog location."""

    def read_tree(self, location: str, ref: TechDocsRef) -> SourceTree:
        """Every file under the docs folder; DocsSourceError when it cannot be read."""
        ...


@runtime_checkable
class FolderReader(Protocol):
    """A git host's folder reading (``GitHost.can_read_folder`` / ``read_folder``)."""

    def can_read_folder(self, url: str) -> bool:
        """Whether ``url`` is a folder URL this host reads."""
        ...

    def read_folder(self, url: str) -> dict[str, tuple[bytes, int]]:
        """Every file under the folder: relative path -> (bytes, git mode)."""
        ...


@runtime_checkable
class CommitPinner(Protocol):
    """Turns a folder URL naming a branch into one naming its current commit (the local
    git host does), so the docs are read from, and labelled with, one commit."""

    def pin_folder_url(self, url: str) -> tuple[str, str] | None:
        """``(pinned URL, commit sha)``, or None when this host does not know the URL."""
        ...


def resolve_source(location: str, ref: TechDocsRef) -> tuple[str, str]:
    """``("file", folder path)`` or ``("url", folder URL)`` the ref names from ``location``.

    ``location`` is the entity's ``backstage.io/managed-by-location`` (``file:/...`` or
    ``url:https://...``). A ``dir:`` target must stay inside the catalog file's folder.
    """
    if ref.type == "url":
        return ("url", ref.target)
    relative = posixpath.normpath(ref.target)
    if relative == ".." or relative.startswith("../"):
        raise DocsSourceError(
            f"techdocs-ref {ref} leaves the folder of the entity's catalog file",
            ref=str(ref),
        )
    kind, _, target = location.partition(":")
    if kind == "file":
        return ("file", os.path.normpath(os.path.join(os.path.dirname(target), relative)))
    if kind == "url" and urlsplit(target).scheme in ("http", "https"):
        folder = "" if relative == "." else relative.rstrip("/") + "/"
        return ("url", urljoin(target, folder or "."))
    raise DocsSourceError(
        f"the entity's location {location!r} is neither a file nor a URL", location=location
    )


@contextmanager
def _host_errors(url: str) -> Iterator[None]:
    """A git host's failure as a DocsSourceError naming the folder, with the cause kept."""
    try:
        yield
    except NotFoundError as exc:
        raise DocsSourceError(
            f"docs folder {url} does not exist: {exc.message}", where=url
        ) from exc
    except DocsSourceError:
        raise
    except Exception as exc:  # a host's own error: say which source, keep the cause
        message = getattr(exc, "message", None) or str(exc).splitlines()[0]
        raise DocsSourceError(f"cannot read docs folder {url}: {message}", where=url) from exc


class CatalogSourceReader:
    """Reads docs folders from disk (``file`` locations) or through git hosts (``url``)."""

    def __init__(
        self,
        readers: Sequence[FolderReader],
        *,
        max_bytes: int,
        max_files: int = MAX_SOURCE_FILES,
        pinners: Sequence[CommitPinner] = (),
    ) -> None:
        self.readers = list(readers)
        self.pinners = list(pinners)
        self.max_bytes = max_bytes
        self.max_files = max_files

    def read_tree(self, location: str, ref: TechDocsRef) -> SourceTree:
        """Every file under the docs folder; symlinks and oversized sources are refused."""
        kind, target = resolve_source(location, ref)
        if kind == "file":
            return self._read_directory(Path(target))
        return self._read_url(target)

    def _check_size(self, where: str, count: int, total: int) -> None:
        if count > self.max_files:
            raise DocsSourceError(
                f"docs source {where} has more than {self.max_files} files", where=where
            )
        if total > self.max_bytes:
            raise DocsSourceError(
                f"docs source {where} is larger than techdocs.max_source_bytes "
                f"({self.max_bytes} bytes)",
                where=where,
            )

    def _read_directory(self, root: Path) -> SourceTree:
        where = str(root)
        try:
            info = os.lstat(root)
        except FileNotFoundError as exc:
            raise DocsSourceError(f"docs folder {where} does not exist", where=where) from exc
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
            raise DocsSourceError(f"docs source {where} is not a folder", where=where)
        files: dict[str, bytes] = {}
        total = 0
        for folder, subfolders, names in os.walk(root, followlinks=False):
            for name in [*subfolders, *names]:
                path = Path(folder) / name
                relative = path.relative_to(root).as_posix()
                mode = os.lstat(path).st_mode
                if stat.S_ISLNK(mode):
                    raise DocsSourceError(
                        f"docs source {where} holds a symlink ({relative}); symlinks are refused",
                        where=where,
                    )
                if stat.S_ISDIR(mode) or not stat.S_ISREG(mode):
                    continue
                try:
                    data = path.read_bytes()
                except OSError as exc:
                    raise DocsSourceError(
                        f"cannot read {relative} of {where}: {exc.strerror}", where=where
                    ) from exc
                files[relative] = data
                total += len(data)
                self._check_size(where, len(files), total)
        return SourceTree(where=where, files=files)

    def _pin(self, url: str) -> tuple[str, str | None]:
        for pinner in self.pinners:
            with _host_errors(url):
                pinned = pinner.pin_folder_url(url)
            if pinned is not None:
                return pinned
        return url, None

    def _read_url(self, url: str) -> SourceTree:
        where = url
        url, commit = self._pin(url)
        for reader in self.readers:
            if not reader.can_read_folder(url):
                continue
            with _host_errors(url):
                found = reader.read_folder(url)
            files: dict[str, bytes] = {}
            total = 0
            for path, (data, mode) in found.items():
                if mode == _SYMLINK_MODE:
                    raise DocsSourceError(
                        f"docs source {url} holds a symlink ({path}); symlinks are refused",
                        where=url,
                    )
                files[path] = data
                total += len(data)
            self._check_size(url, len(files), total)
            return SourceTree(where=where, files=files, commit=commit)
        raise DocsSourceError(
            f"no git host can read the docs folder {url}; configure an integration for it",
            where=url,
        )
