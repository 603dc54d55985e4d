"""Scorecards as JSON under /api/goldpath/v1: every component's, one team's, one component's.

Reading a scorecard is reading the catalog: the routes ask for ``catalog.entity.read``.
"""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request

from goldpath.catalog import EntityRef
from goldpath.web._deps import catalog_service, scorecard_service
from goldpath.web._permissions import authorize, entity_from_path

__all__ = ["router"]

router = APIRouter(prefix="/api/goldpath/v1", tags=["scorecards"])

_READ = [authorize("catalog.entity.read")]
_OWNER = Query(
    max_length=400,
    description="Only this owner's components: an owner ref (group:default/team-a) or a "
    "group name (team-a).",
)


@router.get(
    "/scorecards", summary="Every component's scorecard (filterable by owner)", dependencies=_READ
)
def list_scorecards(
    request: Request, owner: Annotated[str | None, _OWNER] = None
) -> list[dict[str, Any]]:
    """``[{"entityRef", "score", "checks": [{"id", "passed", "message"}]}]``, by entity ref."""
    return [card.as_dict() for card in scorecard_service(request).scorecards(owner=owner)]


@router.get("/scorecards/teams", summary="Per-owner roll-up of the scorecards", dependencies=_READ)
def team_rollup(
    request: Request, owner: Annotated[str | None, _OWNER] = None
) -> list[dict[str, Any]]:
    """``[{"owner", "components", "score", "passed", "total", "failing": [{"id",
    "components"}]}]``: a team's score is the mean of its components' scores."""
    return [team.as_dict() for team in scorecard_service(request).rollup(owner=owner)]


@router.get(
    "/scorecards/{kind}/{namespace}/{name}",
    summary="One component's scorecard and its history",
    dependencies=[authorize("catalog.entity.read", resource=entity_from_path)],
)
def entity_scorecard(
    request: Request,
    kind: str,
    namespace: str,
    name: str,
    history: Annotated[int, Query(ge=0, le=500)] = 20,
) -> dict[str, Any]:
    """The scorecard (scored now if it never was) with ``history``: past outcomes, newest
    first, one per change."""
    ref = EntityRef(kind=kind, namespace=namespace, name=name)
    service = scorecard_service(request)
    card = service.get(ref)
    past = service.history(ref, limit=history) if history else []
    return {**card.as_detail(), "history": [item.as_detail() for item in past]}


@router.post(
    "/scorecards/{kind}/{namespace}/{name}/evaluate",
    summary="Score one component again now",
    dependencies=[authorize("catalog.entity.refresh", resource=entity_from_path)],
)
async def evaluate_scorecard(
    request: Request, kind: str, namespace: str, name: str
) -> dict[str, Any]:
    """Reads its entity and repositories again and stores the result."""
    ref = EntityRef(kind=kind, namespace=namespace, name=name)
    await to_thread.run_sync(catalog_service(request).get_entity, ref)
    service = scorecard_service(request)
    await to_thread.run_sync(service.evaluate, ref)
    card = await to_thread.run_sync(service.get, ref)
    return card.as_detail()
