"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from goldpath import __version__
from goldpath.config import Settings
from goldpath.runtime import Runtime
from goldpath.web._errors import install_error_handlers
from goldpath.web.api import health

__all__ = ["create_app"]


def create_app(settings: Settings, *, runtime: Runtime | None = None) -> FastAPI:
    """Build the portal and API for these settings; start-up migrates and starts loops."""
    runtime = runtime or Runtime(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        runtime.start()
        try:
            yield
        finally:
            runtime.stop()

    app = FastAPI(
        title="goldpath",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    install_error_handlers(app)
    app.include_router(health.router)
    return app
