"""Where built sites live: a folder under the home, or an S3 bucket in production.

A site is addressed ``<namespace>/<kind>/<name>`` (lower-case, Backstage's layout) and is
replaced whole by ``publish``; ``read`` returns one file of it.
"""

from __future__ import annotations

import mimetypes
import posixpath
import shutil
import uuid
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any, Protocol, runtime_checkable

from goldpath.config import Settings
from goldpath.techdocs.errors import DocsNotFoundError, DocsStorageError
from goldpath.trees import write_tree

__all__ = [
    "DocsStorage",
    "LocalDocsStorage",
    "S3DocsStorage",
    "content_type",
    "safe_path",
    "storage_from_settings",
]


def safe_path(path: str) -> str | None:
    """A site-relative file path, normalised; None when it would leave the site."""
    if "\\" in path or "\x00" in path:
        return None
    clean = posixpath.normpath("/" + path).lstrip("/")
    if not clean or clean == "." or any(part == ".." for part in clean.split("/")):
        return None
    return clean


def content_type(path: str) -> str:
    """The Content-Type a stored file is served with."""
    if path.endswith(".html"):
        return "text/html; charset=utf-8"
    if path.endswith(".json"):
        return "application/json"
    guessed, _ = mimetypes.guess_type(path)
    return guessed or "application/octet-stream"


@runtime_checkable
class DocsStorage(Protocol):
    """Publishes, reads and deletes built sites."""

    def publish(self, site: str, files: Mapping[str, bytes]) -> None:
        """Make ``files`` the whole content of ``site``."""
        ...

    def read(self, site: str, path: str) -> bytes:
        """One file of a site; DocsNotFoundError when there is none."""
        ...

    def delete(self, site: str) -> None:
        """Remove the site (nothing happens when there is none)."""
        ...


class LocalDocsStorage:
    """Sites as folders under ``root`` (``<home>/techdocs``), swapped in whole."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, site: str) -> Path:
        clean = safe_path(site)
        if clean is None:
            raise DocsNotFoundError(f"no site {site!r}", site=site)
        return self.root / "sites" / clean

    def publish(self, site: str, files: Mapping[str, bytes]) -> None:
        """Write the new site beside the old one, then swap the folders."""
        final = self._folder(site)
        staging = self.root / "staging" / uuid.uuid4().hex
        try:
            tree = {
                PurePosixPath(clean): data
                for path, data in files.items()
                if (clean := safe_path(path)) is not None
            }
            write_tree(staging, tree)
            final.parent.mkdir(parents=True, exist_ok=True)
            old = self.root / "staging" / f"old-{uuid.uuid4().hex}"
            if final.exists():
                final.rename(old)
            staging.mkdir(parents=True, exist_ok=True)
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise DocsStorageError(f"cannot publish docs of {site}: {exc.strerror}") from exc

    def read(self, site: str, path: str) -> bytes:
        """One file of a site."""
        clean = safe_path(path)
        if clean is None:
            raise DocsNotFoundError(f"no file {path!r} in the docs of {site}", site=site)
        target = self._folder(site) / clean
        try:
            return target.read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise DocsNotFoundError(
                f"no file {clean} in the docs of {site}", site=site, path=clean
            ) from exc

    def delete(self, site: str) -> None:
        """Remove the site's folder."""
        shutil.rmtree(self._folder(site), ignore_errors=True)


class S3DocsStorage:
    """Sites under ``s3://<bucket>/<prefix><namespace>/<kind>/<name>/`` (boto3)."""

    def __init__(self, client: Any, *, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def _key(self, site: str, path: str = "") -> str:
        clean = safe_path(site)
        if clean is None:
            raise DocsNotFoundError(f"no site {site!r}", site=site)
        return f"{self.prefix}{clean}/{path}"

    def _existing(self, site: str) -> set[str]:
        from goldpath.providers import aws_errors

        keys: set[str] = set()
        with aws_errors(f"listing s3://{self.bucket}/{self._key(site)}"):
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self._key(site)
            )
            for page in pages:
                keys.update(item["Key"] for item in page.get("Contents", []))
        return keys

    def publish(self, site: str, files: Mapping[str, bytes]) -> None:
        """Upload every file, then delete what the old site had and the new one has not."""
        from goldpath.errors import GoldpathError
        from goldpath.providers import aws_errors

        try:
            stale = self._existing(site)
            for path, data in files.items():
                clean = safe_path(path)
                if clean is None:
                    continue
                key = self._key(site, clean)
                with aws_errors(f"writing s3://{self.bucket}/{key}"):
                    self.client.put_object(
                        Bucket=self.bucket, Key=key, Body=data, ContentType=content_type(clean)
                    )
                stale.discard(key)
            self._delete_keys(sorted(stale))
        except GoldpathError as exc:
            if isinstance(exc, DocsStorageError):
                raise
            raise DocsStorageError(f"cannot publish docs of {site}: {exc.message}") from exc

    def _delete_keys(self, keys: list[str]) -> None:
        from goldpath.providers import aws_errors

        for start in range(0, len(keys), 1000):
            batch = [{"Key": key} for key in keys[start : start + 1000]]
            with aws_errors(f"deleting from s3://{self.bucket}"):
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})

    def read(self, site: str, path: str) -> bytes:
        """One object of a site."""
        from goldpath.errors import NotFoundError
        from goldpath.providers import aws_errors

        clean = safe_path(path)
        if clean is None:
            raise DocsNotFoundError(f"no file {path!r} in the docs of {site}", site=site)
        key = self._key(site, clean)
        try:
            with aws_errors(f"reading s3://{self.bucket}/{key}"):
                body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
                return body
        except NotFoundError as exc:
            raise DocsNotFoundError(
                f"no file {clean} in the docs of {site}", site=site, path=clean
            ) from exc
        except Exception as exc:
            message = getattr(exc, "message", None) or str(exc)
            raise DocsStorageError(f"cannot read docs of {site}: {message}") from exc

    def delete(self, site: str) -> None:
        """Delete every object of the site."""
        self._delete_keys(sorted(self._existing(site)))


def storage_from_settings(settings: Settings) -> DocsStorage:
    """Local folders under the home, or the S3 bucket ``techdocs.s3`` names."""
    techdocs = settings.techdocs
    if techdocs.storage == "local":
        return LocalDocsStorage(settings.home / "techdocs")
    from goldpath.providers import aws_client

    bucket = (techdocs.s3.bucket or "").strip()
    if not bucket:
        raise DocsStorageError("techdocs.storage is s3 but techdocs.s3.bucket is not set")
    client = aws_client(
        "s3",
        region=techdocs.s3.region or settings.platform.aws_region,
        endpoint_url=techdocs.s3.endpoint_url or settings.platform.aws_endpoint_url,
    )
    return S3DocsStorage(client, bucket=bucket, prefix=techdocs.s3.prefix)
