"""Errors of the CLI itself: talking to a portal, and following a task it cannot see."""

from __future__ import annotations

from goldpath.errors import (
    AuthenticationError,
    ConflictError,
    GoldpathError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
)

__all__ = [
    "FollowNeedsPortalError",
    "PortalAuthenticationError",
    "PortalConflictError",
    "PortalError",
    "PortalInputError",
    "PortalNotFoundError",
    "PortalPermissionError",
    "PortalUnreachableError",
]


class PortalError(ProviderError):
    """The portal failed a request (a 5xx, or an answer the CLI cannot read)."""


class PortalUnreachableError(PortalError):
    """Nothing answers at the portal's URL."""


class PortalNotFoundError(NotFoundError):
    """The portal answered 404: no such task, template or entity."""


class PortalConflictError(ConflictError):
    """The portal answered 409: the name is taken, or the task is already finished."""


class PortalInputError(InvalidInputError):
    """The portal answered 400 or 422; every problem it named is listed."""


class PortalAuthenticationError(AuthenticationError):
    """The portal answered 401: it needs a token (``cli.token``) or refused the one sent."""


class PortalPermissionError(PermissionDeniedError):
    """The portal answered 403."""


class FollowNeedsPortalError(ConflictError):
    """A task another process runs cannot be followed from here without the portal."""


STATUS_ERRORS: tuple[tuple[frozenset[int], type[GoldpathError]], ...] = (
    (frozenset({400, 422}), PortalInputError),
    (frozenset({401}), PortalAuthenticationError),
    (frozenset({403}), PortalPermissionError),
    (frozenset({404}), PortalNotFoundError),
    (frozenset({409}), PortalConflictError),
)
"""The error type for each HTTP status a portal answers with (anything else: PortalError)."""
