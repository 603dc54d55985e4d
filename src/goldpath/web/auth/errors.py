"""Sign-in, session, token and CSRF errors."""

from __future__ import annotations

from goldpath.errors import AuthenticationError, NotFoundError, PermissionDeniedError, ProviderError

__all__ = [
    "CsrfError",
    "GitHubSignInError",
    "InvalidTokenError",
    "SignInMethodUnavailableError",
    "SignInRefusedError",
    "SignInRequiredError",
    "TokenNotFoundError",
]


class SignInRequiredError(AuthenticationError):
    """No one is signed in and this route needs someone."""


class InvalidTokenError(AuthenticationError):
    """A bearer token is malformed, unknown or revoked."""


class CsrfError(PermissionDeniedError):
    """A state-changing request carried no valid CSRF token."""


class SignInRefusedError(PermissionDeniedError):
    """The identity provider vouched for someone the catalog does not know."""


class GitHubSignInError(ProviderError):
    """GitHub's OAuth or user API failed or answered something unusable."""


class TokenNotFoundError(NotFoundError):
    """No personal API token with this id belongs to the caller."""


class SignInMethodUnavailableError(PermissionDeniedError):
    """A sign-in method that this deployment does not offer (guest in production, say)."""
