"""The Audit page: permission decisions for platform admins, filtered and paged."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, Response

from goldpath.permissions import PERMISSIONS
from goldpath.web._deps import permission_service, settings_of
from goldpath.web._permissions import authorize
from goldpath.web.pages._render import render

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 50


def _day(value: str, field: str, problems: list[str]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(f"{field}: use a date like 2026-12-31")
        return None


def _start_of(day: date | None, *, plus_days: int = 0) -> datetime | None:
    if day is None:
        return None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=plus_days)


@router.get("/audit", response_class=HTMLResponse, dependencies=[authorize("audit.read")])
def audit_page(
    request: Request,
    actor: str = Query("", max_length=512),
    permission: str = Query("", max_length=100),
    resource: str = Query("", max_length=1024),
    decision: str = Query("", max_length=8),
    since: str = Query("", max_length=10),
    until: str = Query("", max_length=10),
    page: int = Query(1, ge=1, le=100_000),
) -> Response:
    """Who did (or was refused) what, when, and which rule decided; newest first."""
    problems: list[str] = []
    first, last = _day(since, "From", problems), _day(until, "To", problems)
    decision = decision if decision in ("allow", "deny") else ""
    result = permission_service(request).audit.query(
        actor=actor or None,
        permission=permission or None,
        resource=resource or None,
        decision=decision or None,
        since=_start_of(first),
        until=_start_of(last, plus_days=1),  # the "To" day is included
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    filters = {
        "actor": actor,
        "permission": permission,
        "resource": resource,
        "decision": decision,
        "since": since,
        "until": until,
    }
    kept = {k: v for k, v in filters.items() if v}

    def page_url(number: int) -> str:
        return "/audit?" + urlencode({**kept, "page": str(number)})

    return render(
        request,
        "audit.html",
        status_code=422 if problems else 200,
        entries=result.items,
        total=result.total,
        filters=filters,
        filtered=bool(kept),
        problems=problems,
        permissions=sorted(p.name for p in PERMISSIONS),
        retention_days=settings_of(request).permission.audit_retention_days,
        page=page,
        pages=max(1, -(-result.total // PAGE_SIZE)),
        prev_url=page_url(page - 1) if page > 1 else None,
        next_url=page_url(page + 1) if result.next_offset is not None else None,
    )
