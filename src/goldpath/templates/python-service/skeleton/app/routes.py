"""The service's own routes; add new endpoints here."""

from __future__ import annotations

from fastapi import APIRouter

from app.config import Settings


def create_router(settings: Settings) -> APIRouter:
    """The routes of this service."""
    router = APIRouter()

    @router.get("/")
    def hello() -> dict[str, str]:
        return {"service": settings.service_name, "message": f"Hello from {settings.service_name}"}

    return router
