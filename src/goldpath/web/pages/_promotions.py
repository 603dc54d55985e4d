"""The Environments card of a component page (each environment's image tag, a Promote
button per environment, waiting promotions with Approve) and its two form routes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from goldpath.catalog import EntityRef
from goldpath.errors import GoldpathError
from goldpath.permissions import PERMISSIONS, Decision, entity_resource
from goldpath.promotions import EnvironmentState, Promotion
from goldpath.web._deps import catalog_service, promotion_service
from goldpath.web._permissions import can, current_subject
from goldpath.web.auth import identity_from_scope
from goldpath.web.pages._views import entity_href

__all__ = ["EnvironmentRow", "EnvironmentsCard", "environments_card", "router"]

router = APIRouter(include_in_schema=False)

_ARGOCD_APP = "argocd/app-name"


@dataclass(frozen=True, slots=True)
class EnvironmentRow:
    """One environment: its tag, and the promotion into it the viewer may start."""

    state: EnvironmentState
    promote: Decision | None
    waiting: Promotion | None


@dataclass(frozen=True, slots=True)
class PromotionRow:
    """A promotion in the history, with the viewer's Approve decision when it waits."""

    promotion: Promotion
    approve: Decision | None


@dataclass(frozen=True, slots=True)
class EnvironmentsCard:
    """What the Environments card shows; ``problem`` when the GitOps repo cannot be read."""

    rows: list[EnvironmentRow]
    history: list[PromotionRow]
    promote_url: str
    problem: str | None


def _self_approval(decision: Decision) -> Decision:
    return Decision(
        PERMISSIONS.get("promotion.approve"),
        decision.subject,
        decision.resource,
        False,
        "self-approval",
        "you requested this promotion; another owner or a platform admin approves it",
    )


def _approve_decision(request: Request, entity: Mapping[str, Any], p: Promotion) -> Decision:
    decision = can(request, "promotion.approve", entity_resource(entity))
    identity = identity_from_scope(request)
    if decision.allowed and identity is not None and identity.user_ref.lower() == p.requested_by:
        return _self_approval(decision)
    return decision


def environments_card(request: Request, entity: Mapping[str, Any]) -> EnvironmentsCard | None:
    """The card for a Component that names its GitOps app; None for anything else."""
    metadata = entity.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    if str(entity.get("kind", "")).lower() != "component" or _ARGOCD_APP not in annotations:
        return None
    ref = EntityRef.of(entity)
    service = promotion_service(request)
    promotions = service.list(entity_ref=ref.key, limit=20)
    history = [
        PromotionRow(p, _approve_decision(request, entity, p) if p.is_waiting else None)
        for p in promotions
    ]
    problem = None
    states: list[EnvironmentState] = []
    try:
        states = service.environments(ref.key)
    except GoldpathError as exc:
        problem = exc.message
    promote = can(request, "promotion.create", entity_resource(entity))
    rows = [
        EnvironmentRow(
            state=state,
            promote=promote if state.source is not None else None,
            waiting=next(
                (p for p in promotions if p.is_waiting and p.environment == state.environment),
                None,
            ),
        )
        for state in states
    ]
    return EnvironmentsCard(
        rows=rows, history=history, promote_url=entity_href(ref) + "/promotions", problem=problem
    )


@router.post("/catalog/{namespace}/{kind}/{name}/promotions")
def promote_from_page(
    request: Request, namespace: str, kind: str, name: str, to: str = Form(max_length=16)
) -> Response:
    """The Promote button: request the promotion, then show the component again."""
    ref = EntityRef(kind=kind, namespace=namespace, name=name)
    catalog_service(request).get_entity(ref)  # 404 before anything else
    promotion = promotion_service(request).request(
        ref.key, to, subject=current_subject(request)
    )
    return RedirectResponse(
        f"{entity_href(ref)}?promotion={promotion.id}#environments", status_code=303
    )


@router.post("/promotions/{promotion_id}/approve")
def approve_from_page(request: Request, promotion_id: int) -> Response:
    """The Approve button: approve and merge, then show the component again."""
    promotion = promotion_service(request).approve(
        promotion_id, subject=current_subject(request)
    )
    ref = EntityRef.parse(promotion.entity_ref)
    return RedirectResponse(
        f"{entity_href(ref)}?promotion={promotion.id}#environments", status_code=303
    )
