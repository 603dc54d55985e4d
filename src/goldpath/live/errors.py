"""Errors of the live status and the local runner; each subclasses one of goldpath's categories."""

from __future__ import annotations

from goldpath.errors import ConflictError, InvalidInputError, NotFoundError, ProviderError

__all__ = [
    "AlreadyRunningError",
    "LocalRunError",
    "NotRunnableError",
    "NotRunningError",
]


class NotRunnableError(InvalidInputError):
    """The component cannot run on this machine (production, or not on the local git host)."""


class AlreadyRunningError(ConflictError):
    """The component already runs (or is starting) on this machine; nothing was changed."""


class NotRunningError(NotFoundError):
    """The component does not run on this machine."""


class LocalRunError(ProviderError):
    """Checking out, installing or starting the component failed; the message says which."""
