"""The Fleet page: per template, which component is on which version, and upgrades."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from goldpath.catalog import EntityRef
from goldpath.web._deps import fleet_service
from goldpath.web._permissions import authorize
from goldpath.web.pages._render import render
from goldpath.web.pages._views import entity_href

__all__ = ["router"]

router = APIRouter(include_in_schema=False)


@router.get("/fleet", response_class=HTMLResponse, dependencies=[authorize("catalog.entity.read")])
def fleet_page(request: Request) -> Response:
    """Every template's fleet: its version now, each component's, and how many are behind."""
    fleets = fleet_service(request).status()
    return render(
        request,
        "fleet.html",
        fleets=fleets,
        href=lambda ref: entity_href(EntityRef.parse(ref)),
    )
