"""Request limits that hold before any route runs: the request body size (413 past it)."""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from goldpath.web._errors import error_body

__all__ = ["BodySizeLimit", "BodyTooLargeError"]


class BodyTooLargeError(HTTPException):
    """A request body went past the limit while it was being read.

    An HTTPException so that FastAPI, which turns other failures while reading a body
    into a 400, passes it on and the error table answers 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(
            status_code=413,
            detail=f"the request body is larger than {limit} bytes (server.max_body_bytes)",
        )


class BodySizeLimit:
    """Pure-ASGI middleware refusing request bodies over ``max_bytes`` with a 413.

    A declared ``Content-Length`` past the limit is refused before anything is read; a
    body that grows past it while streaming (chunked) stops at the limit. Paths under
    ``exempt_prefixes`` (git pushes, which carry their own limit) pass through.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, exempt_prefixes: tuple[str, ...] = ("/git/",)
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.exempt_prefixes = exempt_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(self.exempt_prefixes):
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or ()).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLargeError(self.max_bytes)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except BodyTooLargeError:
            if started:
                raise
            await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope)
        message = f"the request body is larger than {self.max_bytes} bytes (server.max_body_bytes)"
        response = JSONResponse(
            error_body(request, 413, "PayloadTooLargeError", message),
            status_code=413,
            headers={"Connection": "close"},
        )
        await response(scope, receive, send)
