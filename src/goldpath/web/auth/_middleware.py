"""Pure-ASGI middleware: resolve the caller, enforce sign-in, and check CSRF tokens."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any

from anyio import to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goldpath.errors import GoldpathError
from goldpath.web._errors import error_body
from goldpath.web.auth._csrf import CSRF_FORM_FIELD, CSRF_HEADER, csrf_token_matches
from goldpath.web.auth._identity import (
    Identity,
    guest_identity,
    identity_from_scope,
    set_scope_identity,
)
from goldpath.web.auth._paths import is_page_path, is_public_path, sign_in_url
from goldpath.web.auth._tokens import TokenStore
from goldpath.web.auth.errors import CsrfError, SignInRequiredError

__all__ = ["AuthMiddleware", "CsrfMiddleware", "ErrorResponder", "json_or_page"]

ErrorResponder = Callable[[Request, int, GoldpathError], Awaitable[Response]]
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _basic_password(request: Request) -> str | None:
    """The password of ``Authorization: Basic`` (git's way of sending a token); the user
    name is ignored, as GitLab ignores it for personal access tokens."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value.strip():
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ""
    _, _, password = decoded.partition(":")
    return password


def _is_git_path(path: str) -> bool:
    return path.startswith("/git/")


class AuthMiddleware:
    """Works out who is calling and turns away anyone who must sign in first.

    Order of evidence: ``Authorization: Bearer <personal token>`` (on ``/git/`` also
    ``Authorization: Basic`` with the token as the password, which is what git sends),
    then the signed session cookie, then (development with guest sign-in only) an implicit
    guest for the API and git endpoints so scripts and the CLI work without a session.
    Pages always need a session, so signing out means something. A refusal on ``/git/``
    challenges for Basic credentials, so git asks for (or sends) the token.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        tokens: TokenStore,
        guest_enabled: bool,
        respond_error: ErrorResponder,
    ) -> None:
        self.app = app
        self.tokens = tokens
        self.guest_enabled = guest_enabled
        self.respond_error = respond_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            await self._websocket(scope, receive, send)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        identity: Identity | None = None
        bearer = _bearer(request)
        if bearer is None and _is_git_path(path):
            bearer = _basic_password(request)
        if bearer is not None and is_public_path(path):
            bearer = None  # a public path answers everyone: a stale token must not 401 it
        if bearer is not None:
            try:
                token = await to_thread.run_sync(self.tokens.verify, bearer)
            except GoldpathError as exc:
                response = await self.respond_error(request, 401, exc)
                response.headers["WWW-Authenticate"] = _challenge(path)
                await response(scope, receive, send)
                return
            identity = Identity(
                user_ref=token.user_ref,
                display_name=token.user_ref.rsplit("/", 1)[-1],
                method="token",
                is_guest=False,
            )
        if identity is None:
            identity = Identity.from_session(scope.get("session", {}).get("user"))
        if identity is None and self.guest_enabled and not is_page_path(path):
            identity = guest_identity(implicit=True)
        set_scope_identity(scope, identity)
        if identity is None and not is_public_path(path):
            response = await self._refuse(request)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    async def _websocket(self, scope: Scope, receive: Receive, send: Send) -> None:
        # No route uses websockets today; if one appears it gets the same rule (session only).
        identity = Identity.from_session(scope.get("session", {}).get("user"))
        set_scope_identity(scope, identity)
        if identity is None and not is_public_path(scope["path"]):
            await receive()  # the websocket.connect message
            await send({"type": "websocket.close", "code": 1008})
            return
        await self.app(scope, receive, send)

    async def _refuse(self, request: Request) -> Response:
        path = request.url.path
        if is_page_path(path):
            target = path + (f"?{request.url.query}" if request.url.query else "")
            if request.method not in ("GET", "HEAD"):
                target = "/"
            return RedirectResponse(sign_in_url(target), status_code=303)
        response = await self.respond_error(
            request, 401, SignInRequiredError("sign in, or send Authorization: Bearer <token>")
        )
        response.headers["WWW-Authenticate"] = _challenge(path)
        return response


def _challenge(path: str) -> str:
    return 'Basic realm="goldpath git"' if _is_git_path(path) else "Bearer"


class CsrfMiddleware:
    """Refuses state-changing requests that ride on the session cookie without its token.

    The token comes from the ``X-CSRF-Token`` header (page JavaScript) or the
    ``csrf_token`` form field (every HTML form). Requests authenticated by a bearer token,
    and API calls by the implicit development guest, carry no ambient credential, so they
    need none. Every page form is checked, the sign-in forms included.
    """

    def __init__(self, app: ASGIApp, *, respond_error: ErrorResponder) -> None:
        self.app = app
        self.respond_error = respond_error

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in _SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        identity = identity_from_scope(request)
        from_session = identity is not None and identity.method in ("guest", "github")
        if not from_session and not is_page_path(request.url.path):
            await self.app(scope, receive, send)
            return
        presented = request.headers.get(CSRF_HEADER)
        replay: Receive = receive
        content_type = request.headers.get("content-type", "")
        if presented is None and content_type.startswith(_FORM_TYPES):
            body = await _read_body(receive)
            replay = _replaying(body, receive)
            form = await _parse_form(scope, body)
            value = form.get(CSRF_FORM_FIELD)
            presented = value if isinstance(value, str) else None
            await form.close()
        if not csrf_token_matches(request, presented):
            response = await self.respond_error(
                request,
                403,
                CsrfError(
                    "this form has expired or did not come from goldpath; reload the page "
                    "and try again"
                ),
            )
            await response(scope, receive, send)
            return
        await self.app(scope, replay, send)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _parse_form(scope: Scope, body: bytes) -> FormData:
    async def once() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    scratch: dict[str, Any] = dict(scope)
    return await Request(scratch, once).form()


def json_or_page(
    render_html: Callable[[Request, int, str, str], Awaitable[Response]] | None,
) -> ErrorResponder:
    """An ErrorResponder answering JSON for the API and the portal's error page for pages."""

    async def respond(request: Request, status: int, exc: GoldpathError) -> Response:
        wants_html = is_page_path(request.url.path) and "text/html" in request.headers.get(
            "accept", ""
        )
        if render_html is not None and wants_html:
            return await render_html(request, status, exc.name, exc.message)
        return JSONResponse(error_body(request, status, exc.name, exc.message), status_code=status)

    return respond
