"""Liveness and readiness of the portal itself."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import text

from goldpath import __version__
from goldpath.web._deps import runtime_of

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", include_in_schema=False)
def readyz(request: Request) -> dict[str, str]:
    """Readiness: the database answers."""
    with runtime_of(request).database.session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ready"}
