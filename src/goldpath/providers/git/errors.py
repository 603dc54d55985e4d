"""Errors of the git hosts; each subclasses one of goldpath's categories."""

from __future__ import annotations

from goldpath.errors import (
    ConflictError,
    InvalidInputError,
    NotFoundError,
    ProviderError,
)

__all__ = [
    "BranchMovedError",
    "GitCommandError",
    "GitHostError",
    "GitHostUnavailableError",
    "GitPathNotFoundError",
    "InvalidRepoUrlError",
    "MergeConflictError",
    "MergeRequestExistsError",
    "NoGitIntegrationError",
    "RepoExistsError",
    "RepoNotFoundError",
]


class GitHostError(ProviderError):
    """A git host failed or refused; the message never carries a token."""


class GitCommandError(GitHostError):
    """A git command failed; the message carries git's own words without credentials."""


class GitHostUnavailableError(GitHostError):
    """A remote git host could not be reached."""


class RepoExistsError(ConflictError):
    """The repository already exists; it was left untouched."""


class BranchMovedError(ConflictError):
    """Another writer moved the branch between reading it and pushing; nothing changed."""


class RepoNotFoundError(NotFoundError):
    """No such repository on the git host."""


class GitPathNotFoundError(NotFoundError):
    """No such branch or file in a repository."""


class InvalidRepoUrlError(InvalidInputError):
    """A repoUrl (``host?owner=o&repo=r``) or a repository name broke a rule."""


class NoGitIntegrationError(InvalidInputError):
    """The repoUrl's host has no configured integration (production refuses the local host)."""


class MergeConflictError(ConflictError):
    """Two branches change the same lines; nothing was merged. ``conflicts`` lists the files."""

    def __init__(self, message: str, /, *, conflicts: list[str], **context: object) -> None:
        super().__init__(message, conflicts=conflicts, **context)
        self.conflicts = list(conflicts)


class MergeRequestExistsError(ConflictError):
    """The host already has an open merge request from that source branch."""
