"""TechDocs REST API under /api/techdocs, in Backstage's shapes (metadata and static docs)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response

from goldpath.catalog import ANNOTATION_LOCATION, EntityRef
from goldpath.techdocs import TechDocsService, content_type
from goldpath.web._deps import catalog_service, techdocs_service
from goldpath.web.pages._docs import ASSET_HEADERS, docs_summary

__all__ = ["router"]

router = APIRouter(prefix="/api/techdocs", tags=["techdocs"])


def _entity(request: Request, namespace: str, kind: str, name: str) -> dict[str, Any]:
    # reading docs is reading the entity: the catalog's lookup (and its checks) comes first
    return catalog_service(request).get_entity(EntityRef(kind=kind, namespace=namespace, name=name))


def _service(request: Request) -> TechDocsService:
    return techdocs_service(request)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()


def _ref(entity: dict[str, Any]) -> EntityRef:
    return EntityRef.of(entity)


@router.get(
    "/metadata/techdocs/{namespace}/{kind}/{name}",
    summary="The built site's techdocs_metadata.json",
)
def techdocs_metadata(request: Request, namespace: str, kind: str, name: str) -> dict[str, Any]:
    """``site_name``, ``site_description``, ``etag`` (the source hash), ``build_timestamp``
    and ``files``; 404 until the docs are built."""
    entity = _entity(request, namespace, kind, name)
    return _service(request).metadata(_ref(entity))


@router.get(
    "/metadata/entity/{namespace}/{kind}/{name}",
    summary="The entity with its location (Backstage's entity metadata)",
)
def entity_metadata(request: Request, namespace: str, kind: str, name: str) -> dict[str, Any]:
    """The entity plus ``locationMetadata`` ({type, target}) of where its docs are read."""
    entity = _entity(request, namespace, kind, name)
    location = str(entity["metadata"].get("annotations", {}).get(ANNOTATION_LOCATION, ""))
    type_, _, target = location.partition(":")
    return {**entity, "locationMetadata": {"type": type_, "target": target}}


@router.get("/status/{namespace}/{kind}/{name}", summary="The docs' build status")
def build_status(request: Request, namespace: str, kind: str, name: str) -> dict[str, Any]:
    """State of the last build, when the served site was built, from which source, and
    the error and log of a failed build."""
    entity = _entity(request, namespace, kind, name)
    ref = _ref(entity)
    status = _service(request).status(ref)
    summary = docs_summary(ref, status)
    return {
        "entityRef": ref.key,
        "state": summary.state,
        "builtAt": _iso(status.built_at) if status else None,
        "sourceHash": status.source_hash if status else None,
        "sourceCommit": status.source_commit if status else None,
        "pages": status.page_count if status else None,
        "error": status.error if status else None,
        "log": status.log if status and status.status == "failed" else None,
        "docsUrl": summary.href,
    }


@router.get("/static/docs/{namespace}/{kind}/{name}/{path:path}", summary="A built docs file")
def static_docs(request: Request, namespace: str, kind: str, name: str, path: str) -> Response:
    """A stored file of the built site (a folder path serves its ``index.html``); pages
    are the sanitised HTML, never anything that runs."""
    entity = _entity(request, namespace, kind, name)
    data = _service(request).read_file(_ref(entity), path)
    name_part = path.rstrip("/").rsplit("/", 1)[-1]
    served = path if "." in name_part else "index.html"
    return Response(data, media_type=content_type(served), headers=ASSET_HEADERS)
