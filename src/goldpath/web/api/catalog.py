"""Catalog REST API under /api/catalog, in Backstage's shapes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from goldpath.catalog import (
    MAX_BY_REFS,
    MAX_LIMIT,
    MAX_OFFSET,
    CatalogService,
    EntityNotFoundError,
    EntityRef,
    FullTextFilter,
    InvalidEntityError,
    LocationExistsError,
    parse_filter_params,
    parse_order_params,
    split_fields,
)
from goldpath.catalog.errors import InvalidLocationError
from goldpath.errors import BadRequestError, FieldError
from goldpath.web._deps import catalog_service
from goldpath.web._permissions import (
    authorize,
    entity_from_body,
    entity_from_uid,
    location_from_body,
    location_from_id,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/catalog", tags=["catalog"])

FILTER_HELP = (
    "kind=component,spec.type=service (AND inside one filter; repeated filters are OR); "
    "a key without '=' tests that the key exists; relations.<type>=<ref> follows relations."
)
_READ = [authorize("catalog.entity.read")]
_READ_LOCATIONS = [authorize("catalog.location.read")]


def _catalog(request: Request) -> CatalogService:
    return catalog_service(request)


@router.get("/entities", summary="List entities (Backstage's GET /entities)", dependencies=_READ)
def list_entities(
    request: Request,
    filter: Annotated[list[str] | None, Query(description=FILTER_HELP)] = None,
    fields: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=0, le=MAX_LIMIT)] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    order: Annotated[list[str] | None, Query(description="metadata.name,asc; repeatable")] = None,
) -> list[dict[str, Any]]:
    """Every entity matching the filters, optionally limited/offset."""
    return _catalog(request).list_entities(
        filters=parse_filter_params(filter),
        fields=split_fields(fields),
        limit=limit,
        offset=offset,
        order=parse_order_params(order),
    )


# The two hottest reads return their JSON directly: the entity is already plain JSON
# data, and validating it against a ``dict[str, Any]`` response model cost more CPU than
# the database lookup itself. The documented schema stays a JSON object.
_JSON_OBJECT: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {"schema": {"type": "object"}}}}
}


@router.get(
    "/entities/by-query",
    summary="Query entities with cursors",
    response_model=None,
    responses=_JSON_OBJECT,
    dependencies=_READ,
)
def query_entities(
    request: Request,
    filter: Annotated[list[str] | None, Query(description=FILTER_HELP)] = None,
    fields: Annotated[list[str] | None, Query()] = None,
    limit: Annotated[int | None, Query(ge=0, le=MAX_LIMIT)] = None,
    order_field: Annotated[list[str] | None, Query(alias="orderField")] = None,
    full_text_term: Annotated[str | None, Query(alias="fullTextFilterTerm")] = None,
    full_text_alias: Annotated[str | None, Query(alias="fullTextFilter")] = None,
    full_text_fields: Annotated[list[str] | None, Query(alias="fullTextFilterFields")] = None,
    cursor: Annotated[str | None, Query()] = None,
) -> JSONResponse:
    """``{items, totalItems, pageInfo: {nextCursor?, prevCursor?}}``."""
    term = full_text_term or full_text_alias
    text = FullTextFilter(term, tuple(split_fields(full_text_fields))) if term else None
    result = _catalog(request).query(
        filters=parse_filter_params(filter),
        fields=split_fields(fields),
        limit=limit,
        order=parse_order_params(order_field),
        full_text=text,
        cursor=cursor,
    )
    return JSONResponse(result.as_dict())


@router.get(
    "/entities/by-name/{kind}/{namespace}/{name}",
    summary="One entity by its ref",
    response_model=None,
    responses=_JSON_OBJECT,
    dependencies=_READ,
)
def entity_by_name(request: Request, kind: str, namespace: str, name: str) -> JSONResponse:
    """The entity ``kind:namespace/name`` (404 when there is none)."""
    ref = EntityRef(kind=kind, namespace=namespace, name=name)
    entity = _catalog(request).find_entity(ref.key)
    if entity is None:
        raise EntityNotFoundError(
            f"No entity named '{name}' found, with kind '{kind}' in namespace '{namespace}'",
            ref=ref.key,
        )
    return JSONResponse(entity)


class ByRefsRequest(BaseModel):
    """Body of POST entities/by-refs."""

    model_config = ConfigDict(populate_by_name=True)

    entity_refs: list[str] = Field(alias="entityRefs", max_length=MAX_BY_REFS)
    fields: list[str] | None = Field(default=None, max_length=100)


@router.post("/entities/by-refs", summary="Many entities by ref, in order", dependencies=_READ)
def entities_by_refs(
    request: Request,
    body: ByRefsRequest,
    fields: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    """``{items: [entity | null, ...]}`` in the order of ``entityRefs``."""
    wanted = split_fields(fields) or list(body.fields or [])
    return {"items": _catalog(request).get_by_refs(body.entity_refs, wanted)}


@router.get("/entities/by-uid/{uid}", summary="One entity by uid", dependencies=_READ)
def entity_by_uid(request: Request, uid: str) -> dict[str, Any]:
    """The entity with this ``metadata.uid``."""
    return _catalog(request).get_by_uid(uid)


@router.delete(
    "/entities/by-uid/{uid}",
    status_code=204,
    summary="Remove one entity",
    dependencies=[authorize("catalog.entity.delete", resource=entity_from_uid)],
)
def delete_entity_by_uid(request: Request, uid: str) -> Response:
    """Remove the entity (its location brings it back at the next refresh if still there)."""
    _catalog(request).delete_by_uid(uid)
    return Response(status_code=204)


@router.get("/entity-facets", summary="Value counts of entity fields", dependencies=_READ)
def entity_facets(
    request: Request,
    facet: Annotated[list[str] | None, Query()] = None,
    filter: Annotated[list[str] | None, Query(description=FILTER_HELP)] = None,
) -> dict[str, Any]:
    """``{facets: {<facet>: [{value, count}]}}``."""
    return {"facets": _catalog(request).facets(facet or [], filters=parse_filter_params(filter))}


@router.get("/locations", summary="Every registered location", dependencies=_READ_LOCATIONS)
def list_locations(request: Request) -> list[dict[str, Any]]:
    """``[{data: {id, type, target}}]``."""
    return [{"data": loc.as_dict()} for loc in _catalog(request).list_locations()]


@router.get(
    "/locations/by-entity/{kind}/{namespace}/{name}",
    summary="Location of an entity",
    dependencies=_READ_LOCATIONS,
)
def location_by_entity(request: Request, kind: str, namespace: str, name: str) -> dict[str, Any]:
    """The registered location the entity came from."""
    ref = EntityRef(kind=kind, namespace=namespace, name=name)
    return _catalog(request).get_location_by_entity(ref.key).as_dict()


@router.get("/locations/{location_id}", summary="One location", dependencies=_READ_LOCATIONS)
def get_location(request: Request, location_id: str) -> dict[str, Any]:
    """``{id, type, target}``."""
    return _catalog(request).get_location(location_id).as_dict()


class LocationRequest(BaseModel):
    """Body of POST locations."""

    type: str = "url"
    target: str


@router.post(
    "/locations",
    status_code=201,
    summary="Register a location",
    dependencies=[authorize("catalog.location.create", resource=location_from_body)],
)
def add_location(
    request: Request,
    response: Response,
    body: LocationRequest,
    dry_run: Annotated[bool, Query(alias="dryRun")] = False,
) -> dict[str, Any]:
    """201 ``{location, entities}``; 409 when already registered; dryRun writes nothing."""
    catalog = _catalog(request)
    if body.type not in ("file", "url"):
        raise InvalidLocationError(
            f"location type {body.type!r} must be file or url",
            errors=[FieldError("type", "enum", "must be file or url")],
        )
    exists = catalog.find_location_by_target(body.type, body.target) is not None
    if dry_run and exists:
        record = catalog.get_location_by_target(body.type, body.target)
        return {"exists": True, "location": record.as_dict(), "entities": []}
    if exists:
        raise LocationExistsError(
            f"Location {body.type}:{body.target} already exists", target=body.target
        )
    record, found = catalog.add_location(body.type, body.target, dry_run=dry_run)
    out: dict[str, Any] = {"location": record.as_dict(), "entities": found}
    if dry_run:
        out["exists"] = False
    return out


@router.delete(
    "/locations/{location_id}",
    status_code=204,
    summary="Unregister a location",
    dependencies=[authorize("catalog.location.delete", resource=location_from_id)],
)
def delete_location(request: Request, location_id: str) -> Response:
    """Remove the location and every entity it brought in."""
    _catalog(request).remove_location(location_id)
    return Response(status_code=204)


class RefreshRequest(BaseModel):
    """Body of POST refresh: nothing (everything) or one entity's ref."""

    model_config = ConfigDict(populate_by_name=True)

    entity_ref: str | None = Field(default=None, alias="entityRef")


async def _no_null_body(request: Request) -> None:
    """A body that is there but is not an object (``null``, ``[]``) is refused, not ignored."""
    raw = (await request.body()).strip()
    if raw and not raw.startswith(b"{"):
        raise BadRequestError(
            "the body must be an object: {} (every location) or {entityRef}",
            errors=[FieldError("body", "type", "must be an object")],
        )


@router.post(
    "/refresh",
    summary="Re-read locations now",
    dependencies=[
        Depends(_no_null_body),
        authorize("catalog.entity.refresh", resource=entity_from_body),
    ],
)
def refresh(request: Request, body: RefreshRequest | None = None) -> dict[str, Any]:
    """Refresh every location, or only the location of ``entityRef``."""
    ref = body.entity_ref if body else None
    _catalog(request).refresh(ref)
    return {"refreshed": ref or "every location"}


@router.post("/validate-entity", summary="Check an entity against the catalog's rules")
def validate_entity(
    request: Request,
    body: dict[str, Any] = Body(...),  # noqa: B008
) -> dict[str, Any]:
    """200 ``{}`` when valid; 400 listing every problem otherwise."""
    if "entity" not in body:
        raise InvalidEntityError(
            "the body must be {entity, location}",
            errors=[FieldError("entity", "required", "the entity to validate is missing")],
        )
    _catalog(request).validate_entity(body["entity"])
    return {}
