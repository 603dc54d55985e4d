"""Liveness and readiness of the portal itself."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from goldpath import __version__
from goldpath.web._deps import DatabaseDep, SettingsDep

__all__ = ["router"]

router = APIRouter(tags=["health"])


@router.get("/healthz", include_in_schema=False)
def healthz(settings: SettingsDep) -> dict[str, str]:
    """Liveness: the process answers, with the digest of the database it serves (the CLI
    uses a portal it finds only when the digest matches its own settings)."""
    return {"status": "ok", "version": __version__, "instance": settings.instance_id}


@router.get("/readyz", include_in_schema=False)
def readyz(database: DatabaseDep) -> dict[str, str]:
    """Readiness: the database answers."""
    with database.session() as session:
        session.execute(text("SELECT 1"))
    return {"status": "ready"}
