"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from goldpath import __version__
from goldpath.config import Settings
from goldpath.runtime import Runtime
from goldpath.web._errors import install_error_handlers
from goldpath.web._limits import BodySizeLimit
from goldpath.web.api import (
    audit,
    catalog,
    git,
    gitops,
    health,
    live,
    mergerequests,
    promotions,
    scaffolder,
    scorecards,
    search,
    techdocs,
)
from goldpath.web.auth import install_auth
from goldpath.web.pages import install_pages, render_error_page
from goldpath.web.pages import scaffolder as scaffolder_pages

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
        # Swagger UI and ReDoc load their scripts from a CDN, which a self-hosted portal
        # must not depend on; the schema itself is served at /api/openapi.json.
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    install_error_handlers(app, render_html=render_error_page)
    install_auth(app, settings, runtime.database, render_html=render_error_page)
    # added last, so it runs first: no layer reads a body past the limit
    app.add_middleware(BodySizeLimit, max_bytes=settings.server.max_body_bytes)
    app.include_router(health.router)
    app.include_router(git.router)
    app.include_router(catalog.router)
    app.include_router(scaffolder.router)
    app.include_router(gitops.router)
    app.include_router(promotions.router)
    app.include_router(live.router)
    app.include_router(techdocs.router)
    app.include_router(search.router)
    app.include_router(audit.router)
    app.include_router(mergerequests.router)
    app.include_router(scorecards.router)
    install_pages(app)
    app.include_router(scaffolder_pages.router)
    return app
