"""Sign-in endpoints: guest (development), GitHub OAuth login and callback, sign-out."""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from goldpath.web._deps import catalog_service, settings_of
from goldpath.web.auth._csrf import rotate_csrf_token
from goldpath.web.auth._github import GitHubOAuth
from goldpath.web.auth._identity import Identity, guest_identity
from goldpath.web.auth._paths import SIGN_IN_PATH, safe_next
from goldpath.web.auth._resolve import resolve_github_user
from goldpath.web.auth.errors import SignInMethodUnavailableError, SignInRefusedError

__all__ = ["github_oauth_of", "router", "start_session"]

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
_OAUTH_SESSION_KEY = "oauth"
_MAX_REASON_CHARS = 200


def github_oauth_of(request: Request) -> GitHubOAuth:
    """The app's GitHub OAuth client (tests swap in one that talks to a fake GitHub)."""
    oauth: GitHubOAuth = request.app.state.github_oauth
    return oauth


def start_session(request: Request, identity: Identity) -> None:
    """Begin a fresh session for someone who just signed in (new CSRF token too)."""
    request.session.clear()
    request.session["user"] = identity.to_session()
    rotate_csrf_token(request)
    log.info("%s signed in (%s)", identity.user_ref, identity.method)


@router.post("/auth/guest")
async def sign_in_as_guest(request: Request) -> RedirectResponse:
    """Sign in as the development guest."""
    if not settings_of(request).guest_enabled:
        raise SignInMethodUnavailableError("guest sign-in is turned off here; sign in with GitHub")
    form = await request.form()
    target = form.get("next")
    start_session(request, guest_identity())
    return RedirectResponse(safe_next(target if isinstance(target, str) else None), 303)


@router.get("/auth/github/login")
async def github_login(request: Request, next: str | None = None) -> RedirectResponse:
    """Send the browser to GitHub to ask for consent."""
    oauth = github_oauth_of(request)
    if not oauth.configured:
        raise SignInMethodUnavailableError(
            "GitHub sign-in is not configured (auth.github.client_id / client_secret)"
        )
    state = secrets.token_urlsafe(24)
    request.session[_OAUTH_SESSION_KEY] = {"state": state, "next": safe_next(next)}
    return RedirectResponse(oauth.authorization_url(state), 302)


@router.get("/auth/github/callback")
async def github_callback(
    request: Request,
    code: str | None = None,
    state: str | None = None,
    error: str | None = None,
    error_description: str | None = None,
) -> RedirectResponse:
    """Finish GitHub sign-in: check state, redeem the code, find the catalog User."""
    pending: Any = request.session.pop(_OAUTH_SESSION_KEY, None)
    if error:
        # The reason comes from the query string: shown (escaped) but kept short.
        reason = (error_description or error)[:_MAX_REASON_CHARS]
        raise SignInRefusedError(f"GitHub did not sign you in: {reason}")
    expected = pending.get("state") if isinstance(pending, dict) else None
    if not isinstance(expected, str) or not state or not hmac.compare_digest(expected, state):
        raise SignInRefusedError(
            "this sign-in attempt expired or did not start here; sign in again"
        )
    if not code:
        raise SignInRefusedError("GitHub returned without a sign-in code; sign in again")
    user = await github_oauth_of(request).user_for_code(code)
    catalog = catalog_service(request)

    def lookup(email: str) -> list[dict[str, Any]]:
        result = catalog.query(filters=[{"kind": "user", "spec.profile.email": email}], limit=2)
        return list(result.items)

    identity = await to_thread.run_sync(resolve_github_user, user, lookup)
    start_session(request, identity)
    target = pending.get("next") if isinstance(pending, dict) else None
    return RedirectResponse(safe_next(target if isinstance(target, str) else None), 303)


@router.post("/sign-out")
async def sign_out(request: Request) -> RedirectResponse:
    """End the session."""
    user = request.session.get("user")
    if isinstance(user, dict):
        log.info("%s signed out", user.get("ref"))
    request.session.clear()
    return RedirectResponse(f"{SIGN_IN_PATH}?signed_out=1", 303)
