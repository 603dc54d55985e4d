"""goldpath's API for the fleet: template versions of every component."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from goldpath.web._deps import fleet_service
from goldpath.web._permissions import authorize

__all__ = ["router"]

router = APIRouter(prefix="/api/goldpath/v1", tags=["goldpath"])


@router.get(
    "/fleet",
    summary="Per template: its version now and each component's version and last upgrade",
    dependencies=[authorize("catalog.entity.read")],
)
def fleet_status(request: Request) -> dict[str, Any]:
    """``{"items": [...]}``, one per template, as ``goldpath fleet status --json`` prints."""
    return {"items": [fleet.as_dict() for fleet in fleet_service(request).status()]}
