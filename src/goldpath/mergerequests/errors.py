"""Errors of the merge-request store; each subclasses one of goldpath's categories."""

from __future__ import annotations

from goldpath.errors import ConflictError, NotFoundError

__all__ = [
    "MergeRequestClosedError",
    "MergeRequestError",
    "MergeRequestNotFoundError",
    "OpenMergeRequestExistsError",
]


class MergeRequestError(ConflictError):
    """A merge request cannot do what was asked in its current state."""


class MergeRequestClosedError(MergeRequestError):
    """The merge request is merged or closed (or a draft, for a merge)."""


class OpenMergeRequestExistsError(MergeRequestError):
    """An open merge request from the same source branch already exists."""


class MergeRequestNotFoundError(NotFoundError):
    """No merge request with that id."""
