"""Wire sign-in into an app: session cookie, caller resolution, CSRF, and the sign-in routes."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from fastapi import FastAPI, Request
from starlette.middleware.sessions import SessionMiddleware

from goldpath.config import ConfigError, Settings
from goldpath.db import Database
from goldpath.web._errors import HtmlErrorRenderer
from goldpath.web.auth._github import GitHubOAuth
from goldpath.web.auth._middleware import AuthMiddleware, CsrfMiddleware, json_or_page
from goldpath.web.auth._routes import router
from goldpath.web.auth._tokens import TokenStore

__all__ = ["SESSION_COOKIE", "install_auth", "session_secret", "token_store_of"]

SESSION_COOKIE = "goldpath_session"
_DEV_SECRET_FILE = "session-secret"


def _dev_secret(home: Path) -> str:
    # Kept in GOLDPATH_HOME so restarting `make demo` does not sign everyone out.
    path = home / _DEV_SECRET_FILE
    try:
        existing = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        existing = ""
    if len(existing) >= 32:
        return existing
    home.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    return value


def session_secret(settings: Settings) -> str:
    """The key that signs session cookies: configured, or (development only) generated once."""
    configured = settings.auth.session_secret
    if configured is not None and configured.get_secret_value().strip():
        return configured.get_secret_value()
    if settings.is_production:
        raise ConfigError(
            "auth.session_secret (GOLDPATH_AUTH__SESSION_SECRET) is required in production",
            key="auth.session_secret",
        )
    return _dev_secret(settings.home)


def token_store_of(request: Request) -> TokenStore:
    """The app's personal API token store."""
    store: TokenStore = request.app.state.auth_tokens
    return store


def install_auth(
    app: FastAPI,
    settings: Settings,
    database: Database,
    *,
    render_html: HtmlErrorRenderer | None = None,
) -> None:
    """Add the session, sign-in and CSRF middleware and the sign-in routes to an app."""
    tokens = TokenStore(database)
    app.state.auth_tokens = tokens
    app.state.github_oauth = GitHubOAuth(
        settings.auth.github,
        redirect_uri=settings.server.public_url + "/auth/github/callback",
    )
    respond = json_or_page(render_html)
    # add_middleware wraps what is already there: the last added runs first.
    app.add_middleware(CsrfMiddleware, respond_error=respond)
    app.add_middleware(
        AuthMiddleware,
        tokens=tokens,
        guest_enabled=settings.guest_enabled,
        respond_error=respond,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=session_secret(settings),
        session_cookie=SESSION_COOKIE,
        max_age=settings.auth.session_max_age_seconds,
        same_site="lax",
        https_only=settings.server.public_url.startswith("https://"),
    )
    app.include_router(router)
