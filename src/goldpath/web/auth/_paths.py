"""Which paths are open to everyone, which are pages, and where sign-in sends people next."""

from __future__ import annotations

from urllib.parse import quote, urlsplit

__all__ = [
    "PUBLIC_PATHS",
    "PUBLIC_PREFIXES",
    "SIGN_IN_PATH",
    "is_page_path",
    "is_public_path",
    "safe_next",
    "sign_in_url",
]

SIGN_IN_PATH = "/sign-in"
PUBLIC_PATHS = frozenset(
    {
        "/healthz",
        "/readyz",
        SIGN_IN_PATH,
        "/auth/guest",
        "/auth/github/login",
        "/auth/github/callback",
        "/favicon.ico",
    }
)
PUBLIC_PREFIXES = ("/static/",)
_NON_PAGE_PREFIXES = ("/api/", "/git/")


def is_public_path(path: str) -> bool:
    """Whether a path is served without sign-in (health, sign-in itself, static files)."""
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def is_page_path(path: str) -> bool:
    """Whether a path is a portal page (as opposed to the REST API or git over HTTP)."""
    return not (path.startswith(_NON_PAGE_PREFIXES) or path in ("/api", "/git"))


def safe_next(target: str | None) -> str:
    """A same-site path to continue to after sign-in; anything else becomes ``/``."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return "/"
    return target


def sign_in_url(next_path: str | None = None) -> str:
    """The sign-in page, remembering where to go afterwards."""
    target = safe_next(next_path)
    if target == "/":
        return SIGN_IN_PATH
    return f"{SIGN_IN_PATH}?next={quote(target, safe='/')}"
