"""One ASGI middleware around every request: request id, access log, RED metrics, safe 500s."""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.logs import request_id
from app.metrics import Metrics, route_label

REQUEST_ID_HEADER = "x-request-id"
# Accept a caller's id only when it is short and plain, so logs cannot be forged or flooded.
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# Probes and scrapes arrive every few seconds; logging them drowns the real traffic.
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
INTERNAL_ERROR = json.dumps(
    {"error": {"name": "InternalServerError", "message": "Internal Server Error"}}
).encode()

logger = logging.getLogger("app.http")


def request_id_for(scope: Scope) -> str:
    """The caller's X-Request-Id when valid, otherwise a new UUID."""
    for key, value in scope.get("headers", []):
        if key == REQUEST_ID_HEADER.encode():
            incoming = value.decode("latin-1")
            if VALID_REQUEST_ID.fullmatch(incoming):
                return str(incoming)
    return str(uuid.uuid4())


def _level(status_code: int) -> int:
    if status_code >= 500:
        return logging.ERROR
    return logging.WARNING if status_code >= 400 else logging.INFO


class RequestMiddleware:
    """Tags the request with an id (echoed back), times it, counts it and logs it once."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id_for(scope)
        token = request_id.set(rid)
        started = time.perf_counter()
        status_code = 500
        response_started = False

        async def send_with_id(message: Message) -> None:
            nonlocal status_code, response_started
            if message["type"] == "http.response.start":
                status_code = message["status"]
                response_started = True
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, rid)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # Logged with its stack here; the caller only ever sees a generic JSON 500.
            logger.exception("request failed")
            status_code = 500
            if not response_started:
                await _send_internal_error(send_with_id)
        finally:
            elapsed = time.perf_counter() - started
            self.metrics.observe(
                method=scope["method"],
                route=route_label(scope),
                status_code=status_code,
                seconds=elapsed,
            )
            if scope["path"] not in QUIET_PATHS:
                logger.log(
                    _level(status_code),
                    "request completed",
                    extra={
                        "req": {"method": scope["method"], "url": _url(scope)},
                        "res": {"statusCode": status_code},
                        "responseTime": round(elapsed * 1000, 3),
                    },
                )
            request_id.reset(token)


def _url(scope: Scope) -> str:
    path: str = scope["path"]
    query: bytes = scope.get("query_string", b"")
    return f"{path}?{query.decode('latin-1')}" if query else path


async def _send_internal_error(send: Send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 500,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(INTERNAL_ERROR)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": INTERNAL_ERROR})
