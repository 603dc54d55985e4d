"""The FastAPI application: probes, metrics, the service routes, JSON 404s and errors."""

from __future__ import annotations

from dataclasses import dataclass
from http import HTTPStatus

from fastapi import APIRouter, FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from app.config import Settings
from app.metrics import CONTENT_TYPE, Metrics
from app.middleware import RequestMiddleware
from app.routes import create_router


@dataclass
class ServiceState:
    """What the probes report; `shutting_down` turns true on SIGTERM."""

    shutting_down: bool = False


def _error(status_code: int, name: str, message: str, **extra: object) -> JSONResponse:
    body = {"error": {"name": name, "message": message, **extra}}
    return JSONResponse(jsonable_encoder(body), status_code=status_code)


async def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 404 and "route" not in request.scope:
        message = f"No route for {request.method} {request.url.path}"
        return _error(404, "NotFound", message)
    name = HTTPStatus(exc.status_code).phrase.replace(" ", "").replace("-", "")
    response = _error(exc.status_code, name, str(exc.detail))
    response.headers.update(exc.headers or {})
    return response


async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    ]
    return _error(422, "ValidationError", "; ".join(problems), details=exc.errors())


def create_app(
    settings: Settings,
    *,
    metrics: Metrics,
    state: ServiceState,
    router: APIRouter | None = None,
) -> FastAPI:
    """Build the application for ``settings``; probes read ``state``."""
    # /openapi.json describes the API; the docs UIs are off (they load scripts from a CDN).
    app = FastAPI(title=settings.service_name, docs_url=None, redoc_url=None)
    app.add_middleware(RequestMiddleware, metrics=metrics)
    app.exception_handler(HTTPException)(_http_error)
    app.exception_handler(RequestValidationError)(_validation_error)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        if state.shutting_down:
            return JSONResponse({"status": "shutting down"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE)

    app.include_router(router if router is not None else create_router(settings))
    return app
