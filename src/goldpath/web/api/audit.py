"""goldpath's own API under /api/goldpath/v1: the audit log of permission decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request

from goldpath.db import as_utc
from goldpath.web._deps import permission_service
from goldpath.web._permissions import authorize

__all__ = ["router"]

router = APIRouter(prefix="/api/goldpath/v1", tags=["goldpath"])


@router.get(
    "/audit",
    summary="Permission decisions: every change allowed and every denial (admins only)",
    dependencies=[authorize("audit.read")],
)
def audit(
    request: Request,
    actor: Annotated[str | None, Query(max_length=512, description="user:default/ada")] = None,
    permission: Annotated[
        str | None, Query(max_length=100, description="A name, or a pattern: catalog.*")
    ] = None,
    resource: Annotated[str | None, Query(max_length=1024, description="Exact ref")] = None,
    decision: Literal["allow", "deny"] | None = None,
    since: Annotated[datetime | None, Query(description="From this time (inclusive)")] = None,
    until: Annotated[datetime | None, Query(description="Before this time (exclusive)")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    """``{items, totalItems, limit, offset, nextOffset}``, newest first."""
    page = permission_service(request).audit.query(
        actor=actor,
        permission=permission,
        resource=resource,
        decision=decision,
        since=as_utc(since),
        until=as_utc(until),
        limit=limit,
        offset=offset,
    )
    return page.as_dict()
