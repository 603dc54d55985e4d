"""Reading a component's repositories through the git hosts (never the portal's disk).

The application repository is the folder the entity's ``backstage.io/source-location``
names when a git host reads it, else the folder of its ``backstage.io/managed-by-location``
(where its ``catalog-info.yaml`` was read). The GitOps repository is the one
``gitops:publish`` made: ``<platform.gitops_group>/<app name>`` on the platform's git host.
"""

from __future__ import annotations

import logging
import stat
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from goldpath.errors import GoldpathError
from goldpath.scorecards._rules import RepoFiles
from goldpath.scorecards.errors import RepositoryUnavailableError

__all__ = [
    "CommitPinner",
    "FolderReader",
    "GitOpsFolder",
    "RepositoryReader",
    "app_name_of",
]

log = logging.getLogger(__name__)

SOURCE_LOCATION = "backstage.io/source-location"
MANAGED_BY_LOCATION = "backstage.io/managed-by-location"
ARGOCD_APP = "argocd/app-name"
MAX_FILES = 20_000
MAX_BYTES = 64 * 1024 * 1024


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
    """Turns a folder URL naming a branch into one naming its current commit."""

    def pin_folder_url(self, url: str) -> tuple[str, str] | None:
        """``(pinned URL, commit sha)``, or None when this host does not know the URL."""
        ...


# app name -> folder URL of its GitOps repository's default branch
GitOpsFolder = Callable[[str], str]


def _annotation(entity: Mapping[str, Any], key: str) -> str | None:
    metadata = entity.get("metadata")
    annotations = metadata.get("annotations") if isinstance(metadata, Mapping) else None
    value = annotations.get(key) if isinstance(annotations, Mapping) else None
    return value.strip() if isinstance(value, str) and value.strip() else None


def app_name_of(entity: Mapping[str, Any]) -> str:
    """The name its GitOps repository and Argo CD application go by."""
    metadata = entity.get("metadata")
    name = str(metadata.get("name") or "") if isinstance(metadata, Mapping) else ""
    return _annotation(entity, ARGOCD_APP) or name


class RepositoryReader:
    """Finds and reads a component's repositories through the git hosts' folder readers."""

    def __init__(
        self,
        readers: Sequence[FolderReader],
        *,
        gitops_folder: GitOpsFolder | None = None,
        max_files: int = MAX_FILES,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.readers = tuple(readers)
        self.gitops_folder = gitops_folder
        self.max_files = max_files
        self.max_bytes = max_bytes

    def _reader(self, url: str) -> FolderReader | None:
        for reader in self.readers:
            try:
                if reader.can_read_folder(url):
                    return reader
            except GoldpathError:  # a host that cannot even parse the URL does not read it
                continue
        return None

    def app_folder(self, entity: Mapping[str, Any]) -> str:
        """The folder URL of the entity's application repository."""
        source = _annotation(entity, SOURCE_LOCATION)
        if source is not None and source.startswith("url:"):
            url = source.removeprefix("url:")
            if self._reader(url) is not None:
                return url
        location = _annotation(entity, MANAGED_BY_LOCATION)
        if location is None:
            raise RepositoryUnavailableError(
                "the entity names no repository (no backstage.io/source-location or "
                "managed-by-location annotation)"
            )
        kind, _, target = location.partition(":")
        if kind != "url":
            raise RepositoryUnavailableError(
                f"the entity was read from a {kind} location, not a git repository"
            )
        folder = target.rsplit("/", 1)[0]
        if self._reader(folder) is None:
            raise RepositoryUnavailableError(f"no git host goldpath reads serves {folder}")
        return folder

    def gitops_folder_of(self, entity: Mapping[str, Any]) -> str:
        """The folder URL of the entity's GitOps repository."""
        if self.gitops_folder is None:
            raise RepositoryUnavailableError("goldpath has no GitOps repositories configured")
        try:
            return self.gitops_folder(app_name_of(entity))
        except GoldpathError as exc:
            raise RepositoryUnavailableError(
                f"the GitOps repository cannot be located: {exc.message}"
            ) from exc

    def read(self, url: str, *, what: str) -> RepoFiles:
        """Every regular file under the folder ``url``, at one commit when the host pins."""
        reader = self._reader(url)
        if reader is None:
            raise RepositoryUnavailableError(f"no git host goldpath reads serves the {what} {url}")
        commit = None
        try:
            if isinstance(reader, CommitPinner):
                pinned = reader.pin_folder_url(url)
                if pinned is not None:
                    url, commit = pinned
            raw = reader.read_folder(url)
        except GoldpathError as exc:
            raise RepositoryUnavailableError(f"the {what} cannot be read: {exc.message}") from exc
        except Exception as exc:  # a host's own failure: say which repository, keep the cause
            log.warning("reading %s failed", url, exc_info=True)
            raise RepositoryUnavailableError(
                f"the {what} cannot be read ({type(exc).__name__})"
            ) from exc
        files: dict[str, bytes] = {}
        size = 0
        for path, (data, mode) in raw.items():
            if not stat.S_ISREG(mode):
                continue  # symlinks and submodules are not files of this repository
            size += len(data)
            files[path] = data
            if len(files) > self.max_files or size > self.max_bytes:
                raise RepositoryUnavailableError(
                    f"the {what} is too big to score (over {self.max_files} files or "
                    f"{self.max_bytes // (1024 * 1024)} MiB)"
                )
        return RepoFiles(where=url, files=files, commit=commit)
