"""Search API: /api/search/query in Backstage's result shape, over the catalog and the docs."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from goldpath.catalog import parse_entity_ref
from goldpath.errors import BadRequestError, FieldError
from goldpath.web._deps import catalog_service, techdocs_service
from goldpath.web.pages._docs import docs_href
from goldpath.web.pages._views import display_title, entity_href, entity_ref_of

__all__ = ["TYPES", "router"]

router = APIRouter(prefix="/api/search", tags=["search"])

CATALOG_TYPE = "software-catalog"
TECHDOCS_TYPE = "techdocs"
TYPES = (CATALOG_TYPE, TECHDOCS_TYPE)
DEFAULT_PAGE_LIMIT = 25
MAX_PAGE_LIMIT = 100


def _cursor(page: int) -> str:
    return base64.urlsafe_b64encode(f"page:{page}".encode()).decode().rstrip("=")


def _page_of(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        page = int(text.removeprefix("page:"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        page = -1
    if page < 0:
        raise BadRequestError(
            "pageCursor is not a cursor this API handed out",
            errors=[FieldError("pageCursor", "format", "not a cursor this API handed out")],
        )
    return page


def _types(request: Request) -> list[str]:
    """Backstage sends ``types[0]=techdocs&types[1]=...``; plain ``types=`` works too."""
    wanted: list[str] = []
    for key, value in request.query_params.multi_items():
        if key == "types" or (key.startswith("types[") and key.endswith("]")):
            wanted.append(value)
    unknown = [t for t in wanted if t not in TYPES]
    if unknown:
        raise BadRequestError(
            f"unknown search type {unknown[0]!r}; known: {', '.join(TYPES)}",
            errors=[FieldError("types", "enum", f"must be one of {', '.join(TYPES)}")],
        )
    return wanted or list(TYPES)


def _catalog_document(entity: dict[str, Any]) -> dict[str, Any]:
    ref = entity_ref_of(entity)
    spec = entity.get("spec") if isinstance(entity.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    return {
        "title": display_title(entity),
        "text": str(entity["metadata"].get("description") or ""),
        "location": entity_href(ref),
        "kind": ref.kind,
        "namespace": ref.namespace,
        "name": ref.name,
        "type": str(spec.get("type") or ""),
        "componentType": str(spec.get("type") or ""),
        "lifecycle": str(spec.get("lifecycle") or ""),
        "owner": str(spec.get("owner") or ""),
    }


@router.get("/query", summary="Search the catalog and the docs (Backstage's search API)")
def query(
    request: Request,
    term: Annotated[str, Query(max_length=200)] = "",
    page_cursor: Annotated[str | None, Query(alias="pageCursor")] = None,
    page_limit: Annotated[
        int, Query(alias="pageLimit", ge=1, le=MAX_PAGE_LIMIT)
    ] = DEFAULT_PAGE_LIMIT,
) -> dict[str, Any]:
    """``{results: [{type, document: {title, text, location, ...}, rank}], nextPageCursor,
    previousPageCursor}``: entities whose names, titles, descriptions or
    tags hold the term, then doc sections that do (linking to the section)."""
    types = _types(request)
    page = _page_of(page_cursor)
    text = term.strip()
    wanted = (page + 1) * page_limit + 1  # enough of each kind to fill this page
    results: list[dict[str, Any]] = []
    if text and CATALOG_TYPE in types:
        found = catalog_service(request).query(
            full_text=text, limit=min(wanted, 10_000), order=[("metadata.name", "asc")]
        )
        results += [
            {"type": CATALOG_TYPE, "document": _catalog_document(entity)}
            for entity in found.items
            if str(entity.get("kind", "")).lower() != "location"
        ]
    if text and TECHDOCS_TYPE in types:
        hits = techdocs_service(request).search(text, limit=wanted)
        titles: dict[str, str] = {}
        refs = sorted({hit.entity_ref for hit in hits})
        for key, entity in zip(refs, catalog_service(request).get_by_refs(refs), strict=True):
            if entity is not None:
                titles[key] = display_title(entity)
        for hit in hits:
            hit_ref = parse_entity_ref(hit.entity_ref)
            results.append(
                {
                    "type": TECHDOCS_TYPE,
                    "document": {
                        "title": hit.title,
                        "text": hit.text,
                        "location": docs_href(hit_ref, hit.location),
                        "path": hit.location,
                        "kind": hit_ref.kind,
                        "namespace": hit_ref.namespace,
                        "name": hit_ref.name,
                        "entityTitle": titles.get(hit.entity_ref, hit_ref.name),
                        "pageTitle": hit.page_title,
                    },
                }
            )
    start = page * page_limit
    shown = results[start : start + page_limit]
    for offset, result in enumerate(shown):
        result["rank"] = start + offset + 1
    return {
        "results": shown,
        "nextPageCursor": _cursor(page + 1) if len(results) > start + page_limit else None,
        "previousPageCursor": _cursor(page - 1) if page > 0 else None,
    }
