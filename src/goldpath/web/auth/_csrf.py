"""CSRF protection: one random token per session, checked on every state-changing request."""

from __future__ import annotations

import hmac
import secrets

from markupsafe import Markup, escape
from starlette.requests import HTTPConnection

__all__ = [
    "CSRF_FORM_FIELD",
    "CSRF_HEADER",
    "csrf_input",
    "csrf_token",
    "csrf_token_matches",
    "rotate_csrf_token",
]

CSRF_FORM_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
_SESSION_KEY = "csrf"


def csrf_token(connection: HTTPConnection) -> str:
    """This session's CSRF token, created on first use."""
    session = connection.session
    token = session.get(_SESSION_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session[_SESSION_KEY] = token
    return token


def rotate_csrf_token(connection: HTTPConnection) -> str:
    """Replace the session's CSRF token (after sign-in, so a planted token is useless)."""
    connection.session[_SESSION_KEY] = secrets.token_urlsafe(32)
    return csrf_token(connection)


def csrf_input(connection: HTTPConnection) -> Markup:
    """A hidden form field carrying this session's CSRF token."""
    token = escape(csrf_token(connection))
    return Markup(f'<input type="hidden" name="{CSRF_FORM_FIELD}" value="{token}">')


def csrf_token_matches(connection: HTTPConnection, presented: str | None) -> bool:
    """Whether a presented token is this session's token (constant-time comparison)."""
    expected = connection.session.get(_SESSION_KEY)
    if not isinstance(expected, str) or not expected or not presented:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), presented.encode("utf-8"))
