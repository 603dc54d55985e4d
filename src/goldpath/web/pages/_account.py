"""Account pages: sign-in and personal API tokens."""

from __future__ import annotations

from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from goldpath.errors import InvalidInputError
from goldpath.web._deps import settings_of
from goldpath.web._permissions import authorize, user_from_identity
from goldpath.web.auth import (
    CurrentIdentity,
    github_oauth_of,
    identity_from_scope,
    safe_next,
    token_store_of,
)
from goldpath.web.pages._render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(
    request: Request, next: str | None = None, signed_out: str | None = None
) -> Response:
    """The sign-in page: GitHub when configured, guest in development."""
    target = safe_next(next)
    if identity_from_scope(request) is not None and not signed_out:
        return RedirectResponse(target, 303)
    settings = settings_of(request)
    return render(
        request,
        "sign_in.html",
        next=target,
        signed_out=bool(signed_out),
        guest_enabled=settings.guest_enabled,
        github_enabled=github_oauth_of(request).configured,
    )


@router.get("/settings/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, identity: CurrentIdentity) -> Response:
    """List the caller's personal API tokens and offer to create one."""
    tokens = token_store_of(request).list_for(identity.user_ref)
    return render(request, "tokens.html", tokens=tokens, issued=None, errors=[], name="")


@router.post(
    "/settings/tokens",
    response_class=HTMLResponse,
    dependencies=[authorize("token.create", resource=user_from_identity)],
)
async def create_token(request: Request, identity: CurrentIdentity) -> Response:
    """Issue a token and show its secret once."""
    form = await request.form()
    raw = form.get("name")
    name = raw if isinstance(raw, str) else ""
    store = token_store_of(request)
    try:
        issued = await to_thread.run_sync(store.issue, identity.user_ref, name)
    except InvalidInputError as exc:
        tokens = await to_thread.run_sync(store.list_for, identity.user_ref)
        return render(
            request,
            "tokens.html",
            status_code=422,
            tokens=tokens,
            issued=None,
            errors=exc.errors,
            name=name,
        )
    tokens = await to_thread.run_sync(store.list_for, identity.user_ref)
    # The secret is in this response only; never cache it.
    return render(
        request,
        "tokens.html",
        headers={"Cache-Control": "no-store"},
        tokens=tokens,
        issued=issued,
        errors=[],
        name="",
    )


@router.post(
    "/settings/tokens/{token_id}/revoke",
    dependencies=[authorize("token.delete", resource=user_from_identity)],
)
def revoke_token(request: Request, token_id: str, identity: CurrentIdentity) -> RedirectResponse:
    """Revoke one of the caller's tokens."""
    token_store_of(request).revoke(identity.user_ref, token_id)
    return RedirectResponse("/settings/tokens", 303)
