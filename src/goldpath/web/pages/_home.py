"""Home and Docs pages."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from starlette.responses import HTMLResponse, Response

from goldpath.web.auth import Identity, current_identity
from goldpath.web.pages._render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, identity: Identity = Depends(current_identity)) -> Response:
    """Home: a greeting, what is in the catalog, and where to go next."""
    return render(request, "home.html", me=identity, kind_counts=[], owned=[])


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request, identity: Identity = Depends(current_identity)) -> Response:
    """Docs: the API reference and the entities that publish documentation."""
    return render(request, "docs.html", documented=[])
