"""goldpath's API for promotions: request one, approve one, list them, read environments.

The promotion service authorizes every request itself (``promotion.create`` on the
component, ``promotion.approve`` and the self-approval rule on approval), so the API,
the component page and the CLI all pass the same gate and the audit log records each
decision once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import JSONResponse

from goldpath.web._deps import promotion_service
from goldpath.web._permissions import CurrentSubject, authorize

__all__ = ["PromotionBody", "router"]

router = APIRouter(prefix="/api/goldpath/v1", tags=["goldpath"])


class PromotionBody(BaseModel):
    """``POST /promotions``: which component, to which environment."""

    model_config = ConfigDict(extra="forbid")

    entity_ref: str = Field(alias="entityRef", min_length=1, max_length=1024)
    to: str = Field(min_length=1, max_length=16, description="staging or prod")


@router.post("/promotions", summary="Promote a component's image tag to staging or prod")
def create_promotion(
    request: Request, body: PromotionBody, subject: CurrentSubject
) -> JSONResponse:
    """Open the merge request on the GitOps repo (201); staging merges at once, prod waits."""
    promotion = promotion_service(request).request(body.entity_ref, body.to, subject=subject)
    return JSONResponse(promotion.as_dict(), status_code=201)


@router.post("/promotions/{promotion_id}/approve", summary="Approve a waiting promotion")
def approve_promotion(
    request: Request, promotion_id: int, subject: CurrentSubject
) -> dict[str, object]:
    """Approve and merge; 403 for the requester themself or anyone without the permission."""
    return promotion_service(request).approve(promotion_id, subject=subject).as_dict()


@router.get(
    "/promotions",
    summary="Promotions, newest first",
    dependencies=[authorize("catalog.entity.read")],
)
def list_promotions(
    request: Request,
    entity_ref: Annotated[
        str | None,
        Query(alias="entityRef", max_length=1024, description="component:default/orders"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, object]:
    """``{"items": [...]}``: each promotion with its approvals (who and when)."""
    found = promotion_service(request).list(entity_ref=entity_ref, limit=limit)
    return {"items": [promotion.as_dict() for promotion in found]}


@router.get(
    "/promotions/{promotion_id}",
    summary="One promotion",
    dependencies=[authorize("catalog.entity.read")],
)
def get_promotion(request: Request, promotion_id: int) -> dict[str, object]:
    """The promotion with its approvals."""
    return promotion_service(request).get(promotion_id).as_dict()


@router.get(
    "/environments",
    summary="Each environment's image tag of a component",
    dependencies=[authorize("catalog.entity.read")],
)
def component_environments(
    request: Request,
    entity_ref: Annotated[str, Query(alias="entityRef", min_length=1, max_length=1024)],
) -> dict[str, object]:
    """``{"items": [{"environment", "tag", "from", "fromTag", "promotable"}]}``."""
    states = promotion_service(request).environments(entity_ref)
    return {"entityRef": entity_ref, "items": [state.as_dict() for state in states]}
