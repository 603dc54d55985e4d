"""Merge-request pages: the list (filterable) and one request with its diff and buttons."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from anyio import to_thread
from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from goldpath.catalog import EntityRef
from goldpath.errors import InvalidInputError
from goldpath.mergerequests import MergeRequestStatus
from goldpath.web._deps import merge_request_service
from goldpath.web._permissions import CurrentSubject, authorize, can
from goldpath.web.api.mergerequests import merge_request_resource, resource_of
from goldpath.web.pages._render import render
from goldpath.web.pages._views import entity_href, safe_url

__all__ = ["DiffLine", "diff_lines", "router"]

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One line of a unified diff and how to show it (file, hunk, add, del, context)."""

    kind: str
    text: str


def diff_lines(diff: str) -> list[DiffLine]:
    """A unified diff as lines classified for display."""
    lines = []
    for line in diff.splitlines():
        if line.startswith(("diff --git", "index ", "--- ", "+++ ", "new file", "deleted file")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "context"
        lines.append(DiffLine(kind, line))
    return lines


@router.get(
    "/merge-requests",
    response_class=HTMLResponse,
    dependencies=[authorize("catalog.entity.read")],
)
def merge_requests_page(
    request: Request,
    status: str = Query("opened", max_length=16),
    entity: str = Query("", max_length=1024),
) -> Response:
    """Every merge request goldpath keeps or opened; open ones first by default."""
    chosen = MergeRequestStatus(status) if status in set(MergeRequestStatus) else None
    problems: list[str] = []
    entity_ref: str | None = None
    if entity:
        try:
            entity_ref = EntityRef.parse(entity, default_kind="component", field="entity").key
        except InvalidInputError as exc:
            problems.append(exc.message)
    items = (
        []
        if problems
        else merge_request_service(request).list(status=chosen, entity_ref=entity_ref, limit=500)
    )
    return render(
        request,
        "merge_requests.html",
        status_code=422 if problems else 200,
        items=items,
        problems=problems,
        status=chosen.value if chosen else "",
        statuses=[s.value for s in MergeRequestStatus],
        entity=entity,
        filter_url=lambda s: "/merge-requests?" + urlencode({"status": s, "entity": entity}),
    )


@router.get(
    "/merge-requests/{mr_id}",
    response_class=HTMLResponse,
    dependencies=[authorize("catalog.entity.read")],
)
def merge_request_page(request: Request, mr_id: int) -> Response:
    """One merge request: what it changes, its conflicts, and Merge / Close."""
    service = merge_request_service(request)
    mr = service.get(mr_id)
    resource = resource_of(request, mr)
    return render(
        request,
        "merge_request.html",
        mr=mr,
        diff=diff_lines(service.diff(mr_id)),
        entity_link=entity_href(EntityRef.parse(mr.entity_ref)) if mr.entity_ref else None,
        web_url=safe_url(mr.web_url),
        can_merge=can(request, "mergerequest.merge", resource),
        can_close=can(request, "mergerequest.close", resource),
    )


@router.post(
    "/merge-requests/{mr_id}/merge",
    dependencies=[authorize("mergerequest.merge", resource=merge_request_resource)],
)
async def merge_button(request: Request, mr_id: int, subject: CurrentSubject) -> Response:
    """The Merge button: merge, then show the request again."""
    await to_thread.run_sync(
        lambda: merge_request_service(request).merge(mr_id, user=subject.user_ref)
    )
    return RedirectResponse(f"/merge-requests/{mr_id}", status_code=303)


@router.post(
    "/merge-requests/{mr_id}/close",
    dependencies=[authorize("mergerequest.close", resource=merge_request_resource)],
)
async def close_button(request: Request, mr_id: int, subject: CurrentSubject) -> Response:
    """The Close button: close without merging, then show the request again."""
    await to_thread.run_sync(
        lambda: merge_request_service(request).close(mr_id, user=subject.user_ref)
    )
    return RedirectResponse(f"/merge-requests/{mr_id}", status_code=303)
