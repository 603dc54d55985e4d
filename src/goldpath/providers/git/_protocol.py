"""The GitHost Protocol every git host implements, and what it says about a repository."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from goldpath.providers.git._cli import GitAuthor

__all__ = ["GitHost", "GitHostKind", "NewRepo", "RepoInfo", "Visibility"]

GitHostKind = Literal["local", "gitlab", "github"]
Visibility = Literal["private", "internal", "public"]


@dataclass(frozen=True, slots=True)
class RepoInfo:
    """One repository on a git host; ``id`` tells this repository from a later namesake."""

    host: str
    owner: str
    name: str
    id: str
    clone_url: str
    web_url: str
    default_branch: str

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True, slots=True)
class NewRepo:
    """A repository to create and the files of its first commit (path -> bytes)."""

    owner: str
    name: str
    files: Mapping[str, bytes]
    message: str
    author: GitAuthor
    description: str = ""
    default_branch: str = "main"
    visibility: Visibility = "private"


@dataclass(frozen=True, slots=True)
class TransportAuth:
    """What a clone, fetch or push of one host's repositories needs: git config (the token
    as an Authorization header, through the environment) and what to redact."""

    config: dict[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


@runtime_checkable
class GitHost(Protocol):
    """A place repositories live: the embedded local host, GitLab or GitHub."""

    @property
    def kind(self) -> GitHostKind:
        """Which kind of host this is."""
        ...

    @property
    def host(self) -> str:
        """The host name repoUrls use for it (``gitlab.example.com``; ``local``)."""
        ...

    def create_repo(
        self,
        owner: str,
        repo: str,
        *,
        description: str = "",
        default_branch: str = "main",
        visibility: Visibility = "private",
    ) -> RepoInfo:
        """Create an empty repository; RepoExistsError (and nothing touched) if it exists."""
        ...

    def get_repo(self, owner: str, repo: str) -> RepoInfo:
        """The repository; RepoNotFoundError when there is none."""
        ...

    def repo_exists(self, owner: str, repo: str) -> bool:
        """Whether the repository exists."""
        ...

    def delete_repo(self, owner: str, repo: str, *, repo_id: str | None = None) -> None:
        """Delete it; with ``repo_id``, only if it is still that very repository."""
        ...

    def push(
        self,
        source_dir: Path,
        repo: RepoInfo,
        *,
        branch: str,
        message: str,
        author_name: str,
        author_email: str,
    ) -> str:
        """Commit ``source_dir``'s files as the new tip of ``branch``; return the commit sha."""
        ...

    def clone_url(self, owner: str, repo: str) -> str:
        """A URL ``git clone`` accepts; always ends in ``.git``."""
        ...

    def transport_auth(self) -> TransportAuth:
        """What ``git clone``/``push`` of this host's `clone_url` needs (the host's token as
        an Authorization header scoped to its URL; nothing for the local host)."""
        ...

    def contents_url(self, owner: str, repo: str, branch: str) -> str:
        """Base URL of the files on ``branch`` (``+ "/catalog-info.yaml"`` reads one)."""
        ...

    def web_url(self, owner: str, repo: str) -> str:
        """The repository's page for people."""
        ...

    def can_read(self, url: str) -> bool:
        """Whether ``url`` is a file URL of this host (the catalog's UrlReader)."""
        ...

    def read(self, url: str) -> bytes:
        """The bytes of the file ``url`` names; a NotFoundError subclass when missing."""
        ...

    def can_read_folder(self, url: str) -> bool:
        """Whether ``url`` is a folder (``tree``) or file (``blob``) URL of this host."""
        ...

    def read_folder(self, url: str) -> dict[str, tuple[bytes, int]]:
        """Every file under the folder ``url`` names: relative path -> (bytes, git mode).

        What ``fetch:template`` and ``fetch:plain`` read a skeleton with, when the template
        lives in a repository or names an absolute URL. A NotFoundError subclass when the
        folder does not exist.
        """
        ...
