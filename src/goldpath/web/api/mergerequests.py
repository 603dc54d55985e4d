"""goldpath's API for merge requests: list, read (with the diff), approve, merge, close."""

from __future__ import annotations

from typing import Annotated, Any

from anyio import to_thread
from fastapi import APIRouter, Query, Request

from goldpath.errors import NotFoundError
from goldpath.mergerequests import MergeRequest, MergeRequestNotFoundError, MergeRequestStatus
from goldpath.permissions import ENTITY, Resource, entity_resource
from goldpath.web._deps import catalog_service, merge_request_service
from goldpath.web._permissions import CurrentSubject, authorize

__all__ = ["merge_request_resource", "resource_of", "router"]

router = APIRouter(prefix="/api/goldpath/v1", tags=["goldpath"])


def resource_of(request: Request, mr: MergeRequest) -> Resource | None:
    """What the merge permissions are asked about: the component the request changes
    (its owners may merge), or nothing (platform admins only) when it names none."""
    if mr.entity_ref is None:
        return None
    try:
        entity = catalog_service(request).get_entity(mr.entity_ref)
    except NotFoundError:
        return Resource(type=ENTITY, ref=mr.entity_ref)  # unregistered since: admins only
    return entity_resource(entity)


async def merge_request_resource(request: Request) -> Resource | None:
    """The resource of the merge request ``{mr_id}`` names (404 when there is none)."""
    raw = str(request.path_params["mr_id"])
    if not raw.isascii() or not raw.isdigit():
        raise MergeRequestNotFoundError(f"no merge request {raw!r}", id=raw)
    mr = await to_thread.run_sync(merge_request_service(request).get, int(raw))
    return await to_thread.run_sync(resource_of, request, mr)


@router.get(
    "/merge-requests",
    summary="Merge requests goldpath opened or keeps, newest first",
    dependencies=[authorize("catalog.entity.read")],
)
def list_merge_requests(
    request: Request,
    entity_ref: Annotated[
        str | None,
        Query(alias="entityRef", max_length=1024, description="component:default/orders"),
    ] = None,
    status: MergeRequestStatus | None = None,
    repository: Annotated[str | None, Query(max_length=512, description="owner/name")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> dict[str, Any]:
    """``{"items": [...]}``, each a merge request (``status``: opened, merged, closed)."""
    found = merge_request_service(request).list(
        entity_ref=entity_ref, status=status, repository=repository, limit=limit
    )
    return {"items": [mr.as_dict() for mr in found]}


@router.get(
    "/merge-requests/{mr_id}",
    summary="One merge request, with its diff",
    dependencies=[authorize("catalog.entity.read")],
)
def get_merge_request(request: Request, mr_id: int) -> dict[str, Any]:
    """The merge request and ``diff`` (unified; empty when the host shows its own)."""
    service = merge_request_service(request)
    return {**service.get(mr_id).as_dict(), "diff": service.diff(mr_id)}


@router.post(
    "/merge-requests/{mr_id}/approve",
    summary="Approve a merge request",
    dependencies=[authorize("mergerequest.approve", resource=merge_request_resource)],
)
def approve_merge_request(request: Request, mr_id: int, subject: CurrentSubject) -> dict[str, Any]:
    """The merge request with the caller among ``approvedBy``."""
    return merge_request_service(request).approve(mr_id, user=subject.user_ref).as_dict()


@router.post(
    "/merge-requests/{mr_id}/merge",
    summary="Merge a merge request into its target branch",
    dependencies=[authorize("mergerequest.merge", resource=merge_request_resource)],
)
def merge_merge_request(request: Request, mr_id: int, subject: CurrentSubject) -> dict[str, Any]:
    """The merged request (409 for a draft, a conflict or one already merged or closed)."""
    return merge_request_service(request).merge(mr_id, user=subject.user_ref).as_dict()


@router.post(
    "/merge-requests/{mr_id}/close",
    summary="Close a merge request without merging it",
    dependencies=[authorize("mergerequest.close", resource=merge_request_resource)],
)
def close_merge_request(request: Request, mr_id: int, subject: CurrentSubject) -> dict[str, Any]:
    """The closed request."""
    return merge_request_service(request).close(mr_id, user=subject.user_ref).as_dict()
