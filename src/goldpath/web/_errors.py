"""The one table that maps domain errors to HTTP status, and the JSON error shape."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response

from goldpath.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    GoldpathError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
)

__all__ = ["STATUS_BY_ERROR", "error_body", "install_error_handlers", "status_for"]

log = logging.getLogger(__name__)

# Most specific first: BadRequestError is an InvalidInputError that Backstage answers 400.
STATUS_BY_ERROR: tuple[tuple[type[GoldpathError], int], ...] = (
    (BadRequestError, 400),
    (InvalidInputError, 422),
    (NotFoundError, 404),
    (ConflictError, 409),
    (AuthenticationError, 401),
    (PermissionDeniedError, 403),
    (ProviderError, 502),
)

_DENIAL_CONTEXT = ("permission", "rule", "resource")

HtmlErrorRenderer = Callable[[Request, int, str, str], Awaitable[Response]]


def status_for(exc: GoldpathError) -> int:
    """The HTTP status for a domain error (500 for anything not in the table)."""
    for error_type, status in STATUS_BY_ERROR:
        if isinstance(exc, error_type):
            return status
    return 500


def error_body(
    request: Request, status: int, name: str, message: str, **extra: Any
) -> dict[str, Any]:
    """Backstage's error shape: ``{error: {name, message}, request, response}``."""
    error: dict[str, Any] = {"name": name, "message": message, **extra}
    return {
        "error": error,
        "request": {"method": request.method, "url": str(request.url.path)},
        "response": {"statusCode": status},
    }


def _wants_html(request: Request) -> bool:
    if request.url.path.startswith("/api/") or request.url.path.startswith("/git/"):
        return False
    return "text/html" in request.headers.get("accept", "")


def install_error_handlers(app: FastAPI, render_html: HtmlErrorRenderer | None = None) -> None:
    """Answer every error as JSON for the API and as a page in the portal's look."""

    async def respond(
        request: Request, status: int, name: str, message: str, **extra: Any
    ) -> Response:
        if render_html is not None and _wants_html(request):
            return await render_html(request, status, name, message)
        return JSONResponse(error_body(request, status, name, message, **extra), status_code=status)

    async def on_domain_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, GoldpathError)
        status = status_for(exc)
        extra: dict[str, Any] = {}
        if isinstance(exc, InvalidInputError) and exc.errors:
            extra["errors"] = [e.as_dict() for e in exc.errors]
        if isinstance(exc, PermissionDeniedError):
            # a refusal names the permission and the rule that made it (NotAllowedError)
            extra.update({k: exc.context[k] for k in _DENIAL_CONTEXT if k in exc.context})
        if status == 500:
            log.error("unmapped domain error on %s: %s", request.url.path, exc.message)
        return await respond(request, status, exc.name, exc.message, **extra)

    async def on_http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        name = {401: "AuthenticationError", 403: "NotAllowedError", 404: "NotFoundError"}.get(
            exc.status_code, HTTPStatus(exc.status_code).phrase.replace(" ", "") + "Error"
        )
        response = await respond(request, exc.status_code, name, str(exc.detail))
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    async def on_request_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = [
            {
                "field": ".".join(str(p) for p in err["loc"]),
                "rule": err["type"],
                "message": err["msg"],
            }
            for err in exc.errors()
        ]
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return await respond(request, 400, "InputError", message, errors=errors)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return await respond(request, 500, "InternalServerError", "something went wrong")

    app.add_exception_handler(GoldpathError, on_domain_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_request_validation)
    app.add_exception_handler(Exception, on_unexpected)
