"""A component's live status as JSON, and (development) running it locally."""

from __future__ import annotations

from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from starlette.responses import JSONResponse

from goldpath.catalog import EntityRef
from goldpath.web._deps import catalog_service, live_service
from goldpath.web._permissions import authorize, entity_from_path
from goldpath.web.auth import CurrentIdentity

__all__ = ["router"]

router = APIRouter(prefix="/api/goldpath/v1", tags=["live"])

_RANGE = Query("1h", pattern="^(1h|6h|24h)$", description="The range of the plotted series.")


def _entity(request: Request, kind: str, namespace: str, name: str) -> dict[str, Any]:
    ref = EntityRef(kind=kind, namespace=namespace, name=name)
    return catalog_service(request).get_entity(ref)


@router.get(
    "/entities/{kind}/{namespace}/{name}/status",
    summary="Deployment, pipeline, RED metrics and local runtime of an entity",
)
def entity_status(
    request: Request,
    kind: str,
    namespace: str,
    name: str,
    range: str = _RANGE,
) -> dict[str, Any]:
    """Each member is the data, or ``{"state": "not-configured" | "unreachable", "reason"}``."""
    entity = _entity(request, kind, namespace, name)
    return live_service(request).status(entity, range_key=range).as_dict()


@router.post(
    "/entities/{kind}/{namespace}/{name}/run",
    summary="Run the component locally (development)",
    status_code=202,
    dependencies=[authorize("local.run", resource=entity_from_path)],
)
async def run_entity(
    request: Request, kind: str, namespace: str, name: str, identity: CurrentIdentity
) -> JSONResponse:
    """Start it (checkout, ``npm ci``, ``npm start``); answers while it starts."""
    entity = await to_thread.run_sync(_entity, request, kind, namespace, name)
    runtime = await to_thread.run_sync(live_service(request).run, entity)
    return JSONResponse(runtime.as_dict(), status_code=202)


@router.post(
    "/entities/{kind}/{namespace}/{name}/stop",
    summary="Stop the component's local run (development)",
    dependencies=[authorize("local.run", resource=entity_from_path)],
)
async def stop_entity(
    request: Request, kind: str, namespace: str, name: str, identity: CurrentIdentity
) -> dict[str, Any]:
    """Stop it, whichever process started it, and answer once it has stopped."""
    entity = await to_thread.run_sync(_entity, request, kind, namespace, name)
    runtime = await to_thread.run_sync(live_service(request).stop, entity)
    return runtime.as_dict()
