"""Reading location targets: files from disk, URLs through pluggable readers."""

from __future__ import annotations

import hashlib
import os
import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable
from urllib.parse import urljoin, urlsplit

from goldpath.catalog.errors import (
    InvalidLocationError,
    LocationReadError,
    LocationTargetNotFoundError,
)
from goldpath.errors import FieldError, NotFoundError

__all__ = [
    "Fingerprint",
    "LocationTarget",
    "RecordingReader",
    "TargetReader",
    "UrlReader",
    "location_key",
    "unchanged_since",
]


@runtime_checkable
class UrlReader(Protocol):
    """Reads files behind URLs (a git host's blob URLs, for instance)."""

    def can_read(self, url: str) -> bool:
        """Whether this reader handles the URL."""

    def read(self, url: str) -> bytes:
        """The file's bytes; raises a NotFoundError subclass when it does not exist."""


LocationTarget = tuple[str, str]  # (type, target)


def location_key(type_: str, target: str) -> str:
    """Backstage's location key: ``file:/abs/path`` or ``url:https://...``."""
    return f"{type_}:{target}"


def _is_url(text: str) -> bool:
    return urlsplit(text).scheme in ("http", "https")


class TargetReader:
    """Reads ``file`` and ``url`` targets and resolves targets relative to one another."""

    def __init__(self, readers: Sequence[UrlReader]) -> None:
        self.readers = readers

    def read(self, type_: str, target: str) -> bytes:
        """The bytes of a target; missing targets raise LocationTargetNotFoundError."""
        if type_ == "file":
            path = Path(target)
            try:
                return path.read_bytes()
            except FileNotFoundError as exc:
                raise LocationTargetNotFoundError(
                    f"file {target} does not exist", target=target
                ) from exc
            except IsADirectoryError as exc:
                raise LocationReadError(
                    f"{target} is a directory, not a file", target=target
                ) from exc
            except OSError as exc:
                raise LocationReadError(
                    f"cannot read {target}: {exc.strerror}", target=target
                ) from exc
        if type_ == "url":
            for reader in self.readers:
                if reader.can_read(target):
                    try:
                        return reader.read(target)
                    except LocationTargetNotFoundError:
                        raise
                    except NotFoundError as exc:
                        raise LocationTargetNotFoundError(
                            f"{target} does not exist: {exc.message}", target=target
                        ) from exc
            raise LocationReadError(
                f"no integration can read {target}; configure a git host for it", target=target
            )
        raise LocationReadError(f"unknown location type {type_!r}", target=target)

    @staticmethod
    def resolve(base: LocationTarget, reference: str) -> LocationTarget:
        """Where ``reference`` (absolute, or relative to ``base``) points."""
        base_type, base_target = base
        if _is_url(reference):
            return ("url", reference)
        if base_type == "url":
            return ("url", urljoin(base_target, reference))
        if os.path.isabs(reference):
            return ("file", os.path.normpath(reference))
        return ("file", os.path.normpath(os.path.join(os.path.dirname(base_target), reference)))

    @staticmethod
    def normalise(type_: str, target: str) -> LocationTarget:
        """The canonical form used to register a target (absolute file paths)."""
        if type_ == "file":
            if target.startswith("file://"):
                target = urlsplit(target).path
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


class RecordingReader(TargetReader):
    """A TargetReader that remembers a digest of each target it read (None: missing)."""

    def __init__(self, readers: Sequence[UrlReader]) -> None:
        super().__init__(readers)
        self.seen: Fingerprint = {}
        self.complete = True

    def read(self, type_: str, target: str) -> bytes:
        """Read and remember; an unreadable target makes the fingerprint incomplete."""
        try:
            data = super().read(type_, target)
        except LocationTargetNotFoundError:
            self.seen[(type_, target)] = None
            raise
        except Exception:
            self.complete = False
            raise
        self.seen[(type_, target)] = hashlib.sha1(data).hexdigest()
        return data


def unchanged_since(reader: TargetReader, seen: Fingerprint) -> bool:
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
