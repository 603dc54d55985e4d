"""Liveness and readiness of the portal itself."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from goldpath import __version__
from goldpath.web._deps import DatabaseDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", include_in_schema=False)
def healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", include_in_schema=False)
def readyz(database: DatabaseDep) -> dict[str, str]:
    """Readiness: the database answers."""
    with database.session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ready"}
