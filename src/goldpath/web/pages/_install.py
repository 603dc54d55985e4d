"""Mount the portal: static files and the page routers."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from goldpath.web.pages import (
    _account,
    _audit,
    _catalog,
    _docs,
    _home,
    _live,
    _mergerequests,
    _promotions,
    _repository,
    _scorecards,
)
from goldpath.web.pages._facet_cache import FacetCache
from goldpath.web.pages._render import STATIC_DIR

__all__ = ["install_pages"]


def install_pages(app: FastAPI) -> None:
    """Mount the static files and every page router."""
    app.state.facet_cache = FacetCache()
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (
        _account,
        _audit,
        _catalog,
        _docs,
        _home,
        _live,
        _mergerequests,
        _promotions,
        _repository,
        _scorecards,
    ):
        app.include_router(module.router)
