"""Confined reading of location targets: files under the file roots, URLs of allowed hosts.

Everything the catalog reads on behalf of a user (a registered location, a nested
Location target, a ``$text``/``$json``/``$yaml`` placeholder) goes through one
``ConfinedReader``. It reads:

- files whose real path (symlinks resolved) lies under one of the policy's roots, that
  are regular files (never a device, a FIFO or a directory), and no bigger than
  ``max_file_bytes``;
- URLs a configured git host reads (its integration is the permission), or whose host
  (and path) an allow rule names (Backstage's ``backend.reading.allow``), fetched over
  plain HTTP(S) without following redirects, no bigger than ``max_file_bytes``.

A placeholder, and anything read "relative to an entity" (``read_relative``,
``read_folder_relative``: what TechDocs reads), is a path relative to the entity's own
file and may not leave that file's root: no absolute path, no ``..`` or symlink escape;
for a URL, no leaving the repository it came from.

A refused read raises ``LocationAccessDeniedError`` (403) or ``LocationTooLargeError``
(400) naming the target, never content.
"""

from __future__ import annotations

import errno
import hashlib
import os
import posixpath
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import urljoin, urlsplit

from goldpath.catalog.errors import (
    InvalidLocationError,
    LocationAccessDeniedError,
    LocationReadError,
    LocationTargetNotFoundError,
    LocationTooLargeError,
)
from goldpath.errors import FieldError, NotFoundError

if TYPE_CHECKING:
    from goldpath.config import ReadingAllowRule, Settings

__all__ = [
    "ConfinedReader",
    "Fingerprint",
    "FolderReader",
    "LocationTarget",
    "ReadingPolicy",
    "RecordingReader",
    "UrlReader",
    "location_key",
    "parse_location_key",
    "unchanged_since",
]

MAX_FOLDER_FILES = 10_000


@runtime_checkable
class UrlReader(Protocol):
    """Reads files behind URLs (a git host's blob URLs, for instance)."""

    def can_read(self, url: str) -> bool:
        """Whether this reader handles the URL."""

    def read(self, url: str) -> bytes:
        """The file's bytes; raises a NotFoundError subclass when it does not exist."""


@runtime_checkable
class FolderReader(Protocol):
    """Reads every file under a folder URL (git hosts: ``/-/tree/...``)."""

    def can_read_folder(self, url: str) -> bool:
        """Whether this reader handles the folder URL."""

    def read_folder(self, url: str) -> dict[str, tuple[bytes, int]]:
        """``{relative path: (bytes, mode)}`` of every file under the folder."""


LocationTarget = tuple[str, str]  # (type, target)


def location_key(type_: str, target: str) -> str:
    """Backstage's location key: ``file:/abs/path`` or ``url:https://...``."""
    return f"{type_}:{target}"


def parse_location_key(key: str) -> LocationTarget:
    """``file:/abs/path`` or ``url:https://...`` (a managed-by-location annotation) as a target."""
    type_, sep, target = key.partition(":")
    if not sep or type_ not in ("file", "url") or not target:
        raise InvalidLocationError(
            f"{key!r} is not a location key (file:<path> or url:<url>)",
            errors=[FieldError("location", "format", "must be file:<path> or url:<url>")],
        )
    return type_, target


def _is_url(text: str) -> bool:
    return urlsplit(text).scheme in ("http", "https")


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip(os.sep) + os.sep)


_REPO_MARKERS = ("/-/", "/blob/", "/tree/", "/raw/")


def _url_root(url: str) -> str:
    """The part of a URL a relative reference may not leave: its repository, else its folder."""
    parts = urlsplit(url)
    path = parts.path
    cut = min((i for i in (path.find(m) for m in _REPO_MARKERS) if i > 0), default=-1)
    prefix = path[: cut + 1] if cut > 0 else posixpath.dirname(path).rstrip("/") + "/"
    return f"{parts.scheme}://{parts.netloc}{prefix}"


def _host_matches(pattern: str, hostname: str, port: int | None) -> bool:
    want_host, _, want_port = pattern.lower().partition(":")
    if want_port and str(port or "") != want_port:
        return False
    if want_host.startswith("*."):
        return hostname.endswith(want_host[1:]) and hostname != want_host[2:]
    return hostname == want_host


@dataclass(frozen=True)
class ReadingPolicy:
    """Where reads may go and how much they may bring back."""

    roots: tuple[str, ...] = ()
    allow: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (host pattern, path prefixes)
    max_file_bytes: int = 4 * 1024 * 1024
    max_location_bytes: int = 64 * 1024 * 1024
    timeout_seconds: float = 10.0

    @classmethod
    def build(
        cls,
        roots: Iterable[str | Path],
        *,
        allow: Iterable[ReadingAllowRule] = (),
        max_file_bytes: int = 4 * 1024 * 1024,
        max_location_bytes: int = 64 * 1024 * 1024,
        timeout_seconds: float = 10.0,
    ) -> ReadingPolicy:
        """A policy over these roots (resolved to real paths) and allow rules."""
        real = tuple(dict.fromkeys(os.path.realpath(os.path.abspath(r)) for r in roots))
        rules = tuple((rule.host, tuple(rule.paths)) for rule in allow)
        return cls(real, rules, max_file_bytes, max_location_bytes, timeout_seconds)

    @classmethod
    def from_settings(
        cls, settings: Settings, *, extra_roots: Iterable[Path] = ()
    ) -> ReadingPolicy:
        """The policy ``catalog.file_roots`` and ``catalog.reading`` describe."""
        reading = settings.catalog.reading
        return cls.build(
            [*settings.catalog_file_roots, *extra_roots],
            allow=reading.allow,
            max_file_bytes=reading.max_file_bytes,
            max_location_bytes=reading.max_location_bytes,
            timeout_seconds=reading.timeout_seconds,
        )

    def root_of(self, real_path: str) -> str | None:
        """The root holding a real path (the deepest when roots nest), or None."""
        found = [root for root in self.roots if _within(real_path, root)]
        return max(found, key=len) if found else None

    def allows_url(self, url: str) -> bool:
        """Whether an allow rule names the URL's host (and path)."""
        parts = urlsplit(url)
        hostname = (parts.hostname or "").lower()
        try:
            port = parts.port
        except ValueError:
            return False
        path = posixpath.normpath(parts.path or "/")
        for host, paths in self.allow:
            if not _host_matches(host, hostname, port):
                continue
            if not paths or any(_within(path, p.rstrip("/") or "/") for p in paths):
                return True
        return False


class ConfinedReader:
    """Reads ``file`` and ``url`` targets within a ReadingPolicy; resolves relative ones."""

    def __init__(self, policy: ReadingPolicy, readers: Sequence[UrlReader] = ()) -> None:
        self.policy = policy
        self.readers = readers

    # ---- checks -----------------------------------------------------------------------

    def _refuse_file(self, target: str) -> LocationAccessDeniedError:
        return LocationAccessDeniedError(
            f"reading {target} is not allowed: it is outside the catalog's file roots "
            "(catalog.file_roots)",
            target=target,
        )

    def _url_reader(self, url: str) -> UrlReader | None:
        return next((r for r in self.readers if r.can_read(url)), None)

    def check(self, type_: str, target: str) -> None:
        """Raise LocationAccessDeniedError unless the policy lets this target be read."""
        if type_ == "file":
            if self.policy.root_of(os.path.realpath(target)) is None:
                raise self._refuse_file(target)
        elif type_ == "url":
            if self._url_reader(target) is None and not self.policy.allows_url(target):
                host = urlsplit(target).netloc
                raise LocationAccessDeniedError(
                    f"reading {target} is not allowed: {host} is neither a configured git "
                    "host (integrations) nor in catalog.reading.allow",
                    target=target,
                )
        else:
            raise LocationReadError(f"unknown location type {type_!r}", target=target)

    def _too_large(self, target: str, size: int | None) -> LocationTooLargeError:
        limit = self.policy.max_file_bytes
        how_big = f"is {size} bytes" if size is not None else "is bigger than that"
        return LocationTooLargeError(
            f"{target} {how_big}; at most {limit} may be read "
            "(catalog.reading.max_file_bytes)",
            errors=[FieldError("target", "max-file-bytes", f"more than {limit} bytes")],
            target=target,
        )

    # ---- reading ----------------------------------------------------------------------

    def read(self, type_: str, target: str) -> bytes:
        """The bytes of a target; missing ones raise LocationTargetNotFoundError."""
        self.check(type_, target)
        if type_ == "file":
            return self._read_file(target)
        return self._read_url(target)

    def _read_file(self, target: str) -> bytes:
        real = os.path.realpath(target)
        flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
        try:
            # the real path was checked; O_NOFOLLOW refuses a symlink swapped in since,
            # O_NONBLOCK keeps a FIFO from stalling the reader
            fd = os.open(real, flags)
        except FileNotFoundError as exc:
            raise LocationTargetNotFoundError(
                f"file {target} does not exist", target=target
            ) from exc
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self._refuse_file(target) from exc
            raise LocationReadError(f"cannot read {target}: {exc.strerror}", target=target) from exc
        try:
            info = os.fstat(fd)
            if stat.S_ISDIR(info.st_mode):
                raise LocationReadError(f"{target} is a directory, not a file", target=target)
            if not stat.S_ISREG(info.st_mode):
                raise LocationReadError(f"{target} is not a regular file", target=target)
            if info.st_size > self.policy.max_file_bytes:
                raise self._too_large(target, info.st_size)
            chunks: list[bytes] = []
            size = 0
            while chunk := os.read(fd, 1024 * 1024):
                size += len(chunk)
                if size > self.policy.max_file_bytes:  # grew since fstat
                    raise self._too_large(target, None)
                chunks.append(chunk)
            return b"".join(chunks)
        except OSError as exc:
            raise LocationReadError(f"cannot read {target}: {exc.strerror}", target=target) from exc
        finally:
            os.close(fd)

    def _read_url(self, url: str) -> bytes:
        reader = self._url_reader(url)
        if reader is not None:
            try:
                data = reader.read(url)
            except LocationTargetNotFoundError:
                raise
            except NotFoundError as exc:
                raise LocationTargetNotFoundError(
                    f"{url} does not exist: {exc.message}", target=url
                ) from exc
            if len(data) > self.policy.max_file_bytes:
                raise self._too_large(url, len(data))
            return data
        return self._fetch(url)

    def _fetch(self, url: str) -> bytes:
        """A plain HTTP GET of an allowed URL: no redirects, bounded in time and size."""
        import httpx

        limit = self.policy.max_file_bytes
        try:
            with (
                httpx.Client(timeout=self.policy.timeout_seconds, follow_redirects=False) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code == 404:
                    raise LocationTargetNotFoundError(f"{url} does not exist", target=url)
                if response.is_redirect:
                    where = response.headers.get("location", "elsewhere")
                    raise LocationReadError(
                        f"{url} redirects to {where}; register the final URL", target=url
                    )
                if response.status_code >= 400:
                    raise LocationReadError(
                        f"{url} answered HTTP {response.status_code}", target=url
                    )
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise self._too_large(url, int(declared))
                chunks: list[bytes] = []
                size = 0
                for chunk in response.iter_bytes():
                    size += len(chunk)
                    if size > limit:
                        raise self._too_large(url, None)
                    chunks.append(chunk)
                return b"".join(chunks)
        except httpx.HTTPError as exc:
            raise LocationReadError(
                f"cannot read {url}: {type(exc).__name__}", target=url
            ) from exc

    # ---- resolving --------------------------------------------------------------------

    @staticmethod
    def resolve(base: LocationTarget, reference: str) -> LocationTarget:
        """Where a nested Location target points (absolute, or relative to ``base``).

        No check happens here: the read of the result is checked like any other.
        """
        base_type, base_target = base
        if _is_url(reference):
            return ("url", reference)
        if reference.startswith("file:"):
            reference = urlsplit(reference).path
        if base_type == "url":
            return ("url", urljoin(base_target, reference))
        if os.path.isabs(reference):
            return ("file", os.path.normpath(reference))
        return ("file", os.path.normpath(os.path.join(os.path.dirname(base_target), reference)))

    def resolve_relative(self, base: LocationTarget, reference: str) -> LocationTarget:
        """A path relative to an entity's file, kept inside that file's root.

        What placeholders and ``read_relative`` use: an absolute http(s) URL is read as
        itself (if allowed); an absolute path, a ``file:`` URL, or a relative path that
        leaves the root (``..`` or a symlink) is refused.
        """
        if _is_url(reference):
            return ("url", reference)
        if not reference or reference.startswith("file:") or os.path.isabs(reference):
            raise LocationAccessDeniedError(
                f"{reference!r} must be a path relative to the entity's file",
                target=reference,
            )
        base_type, base_target = base
        if base_type == "url":
            resolved = urljoin(base_target, reference)
            if not resolved.startswith(_url_root(base_target)):
                raise LocationAccessDeniedError(
                    f"{reference!r} leaves the repository of {base_target}",
                    target=reference,
                )
            return ("url", resolved)
        resolved = os.path.normpath(os.path.join(os.path.dirname(base_target), reference))
        root = self.policy.root_of(os.path.realpath(base_target))
        if root is None or not _within(os.path.realpath(resolved), root):
            raise LocationAccessDeniedError(
                f"{reference!r} leaves the file root of {base_target}",
                target=reference,
            )
        return ("file", resolved)

    def read_relative(self, location: str | LocationTarget, path: str) -> bytes:
        """A file relative to an entity's location (``file:/...`` or ``url:...`` key)."""
        base = parse_location_key(location) if isinstance(location, str) else location
        return self.read(*self.resolve_relative(base, path))

    def read_folder_relative(
        self, location: str | LocationTarget, path: str = "."
    ) -> dict[str, bytes]:
        """Every file of a folder relative to an entity's location, ``{posix path: bytes}``.

        The same rules as for one file hold for each, plus: at most MAX_FOLDER_FILES files
        and ``max_location_bytes`` in all; symlinks leaving the root are skipped.
        """
        base = parse_location_key(location) if isinstance(location, str) else location
        type_, target = self.resolve_relative(base, path)
        if type_ == "url":
            return self._read_url_folder(target)
        self.check(type_, target)
        real = os.path.realpath(target)
        root = self.policy.root_of(real)
        if not os.path.isdir(real) or root is None:
            raise LocationTargetNotFoundError(f"folder {target} does not exist", target=target)
        files: dict[str, bytes] = {}
        total = 0
        for folder, dirs, names in os.walk(real):
            dirs[:] = [d for d in dirs if _within(os.path.realpath(os.path.join(folder, d)), root)]
            for name in sorted(names):
                full = os.path.join(folder, name)
                if not _within(os.path.realpath(full), root):
                    continue  # a symlink out of the root
                if not stat.S_ISREG(os.stat(full).st_mode):
                    continue
                data = self._read_file(full)
                total += len(data)
                self._check_folder(target, len(files) + 1, total)
                files[os.path.relpath(full, real).replace(os.sep, "/")] = data
        return files

    def _check_folder(self, target: str, count: int, total: int) -> None:
        if count > MAX_FOLDER_FILES or total > self.policy.max_location_bytes:
            raise LocationTooLargeError(
                f"{target} holds more than {MAX_FOLDER_FILES} files or "
                f"{self.policy.max_location_bytes} bytes (catalog.reading.max_location_bytes)",
                errors=[FieldError("target", "max-location-bytes", "folder is too large")],
                target=target,
            )

    def _read_url_folder(self, url: str) -> dict[str, bytes]:
        self.check("url", url)
        for reader in self.readers:
            if isinstance(reader, FolderReader) and reader.can_read_folder(url):
                try:
                    found = reader.read_folder(url)
                except NotFoundError as exc:
                    raise LocationTargetNotFoundError(
                        f"{url} does not exist: {exc.message}", target=url
                    ) from exc
                total = 0
                for index, (name, (data, _mode)) in enumerate(sorted(found.items()), start=1):
                    if len(data) > self.policy.max_file_bytes:
                        raise self._too_large(f"{url}/{name}", len(data))
                    total += len(data)
                    self._check_folder(url, index, total)
                return {name: data for name, (data, _mode) in found.items()}
        raise LocationReadError(f"no integration can read the folder {url}", target=url)

    @staticmethod
    def normalise(type_: str, target: str) -> LocationTarget:
        """The canonical form used to register a target (absolute file paths)."""
        if type_ == "file":
            if target.startswith("file:"):
                target = urlsplit(target).path
            if not target or "\x00" in target:
                raise InvalidLocationError(
                    f"file target {target!r} is not a path",
                    errors=[FieldError("target", "path", "must be a file path")],
                )
            return ("file", os.path.abspath(target))
        if type_ == "url":
            parts = urlsplit(target)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise InvalidLocationError(
                    f"url target {target!r} must be an http(s) URL",
                    errors=[FieldError("target", "url", "must be an http(s) URL")],
                )
            return (
                "url",
                parts._replace(path=posixpath.normpath(parts.path) if parts.path else "").geturl(),
            )
        raise InvalidLocationError(
            f"unknown location type {type_!r}; use file or url",
            errors=[FieldError("type", "enum", "must be file or url")],
        )


Fingerprint = dict[LocationTarget, str | None]


class RecordingReader(ConfinedReader):
    """One location's reads: a digest of each target (None: missing), and a byte budget.

    All reads of one processing of a location together may bring back at most
    ``max_location_bytes``.
    """

    def __init__(self, policy: ReadingPolicy, readers: Sequence[UrlReader] = ()) -> None:
        super().__init__(policy, readers)
        self.seen: Fingerprint = {}
        self.complete = True
        self.total = 0

    def read(self, type_: str, target: str) -> bytes:
        """Read and remember; an unreadable target makes the fingerprint incomplete."""
        try:
            data = super().read(type_, target)
            if self.total + len(data) > self.policy.max_location_bytes:
                raise LocationTooLargeError(
                    f"{target} was not read: with it the location would read "
                    f"{self.total + len(data)} bytes; at most "
                    f"{self.policy.max_location_bytes} are allowed "
                    "(catalog.reading.max_location_bytes)",
                    errors=[FieldError("target", "max-location-bytes", "location too large")],
                    target=target,
                )
        except LocationTargetNotFoundError:
            self.seen[(type_, target)] = None
            raise
        except Exception:
            self.complete = False
            raise
        self.total += len(data)
        self.seen[(type_, target)] = hashlib.sha1(data).hexdigest()
        return data


def unchanged_since(reader: ConfinedReader, seen: Fingerprint) -> bool:
    """Whether every target read last time still has the same content (or is still missing)."""
    for (type_, target), digest in seen.items():
        try:
            current: str | None = hashlib.sha1(reader.read(type_, target)).hexdigest()
        except LocationTargetNotFoundError:
            current = None
        except Exception:  # any other failure: reprocess and let that record the error
            return False
        if current != digest:
            return False
    return True
