"""Catalog pages: the searchable, filterable table and the entity, group and user pages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from goldpath.catalog import CatalogService, EntityRef
from goldpath.permissions import entity_resource, template_resource
from goldpath.techdocs import techdocs_ref_of
from goldpath.web._deps import catalog_service, settings_of, techdocs_service
from goldpath.web._permissions import authorize, entity_from_path
from goldpath.web.auth import CurrentIdentity
from goldpath.web.pages._docs import doc_hit_links, docs_summary
from goldpath.web.pages._facet_cache import FacetCache
from goldpath.web.pages._graph import relation_graph
from goldpath.web.pages._live import live_panels
from goldpath.web.pages._promotions import environments_card
from goldpath.web.pages._render import render
from goldpath.web.pages._repository import entity_git_context, local_links
from goldpath.web.pages._scorecards import scorecard_card
from goldpath.web.pages._views import (
    EntityRow,
    RefLink,
    display_title,
    entity_href,
    entity_links,
    entity_ref_of,
    entity_row,
    entity_yaml,
    ref_link,
    related_refs,
    relation_groups,
    titles_of,
    unique_strings,
)

__all__ = ["FILTER_FIELDS", "facet_cache_of", "owned_rows", "router"]

router = APIRouter(include_in_schema=False)

# Query parameter -> catalog filter key (the same keys Backstage's catalog filters use).
FILTER_FIELDS: dict[str, str] = {
    "kind": "kind",
    "type": "spec.type",
    "owner": "relations.ownedBy",
    "lifecycle": "spec.lifecycle",
    "tag": "metadata.tags",
}
PAGE_SIZES = (20, 50, 100)
_OWNED_LIMIT = 200
_HIDDEN_BY_DEFAULT = frozenset({"location"})


def facet_cache_of(request: Request) -> FacetCache:
    """The app's facet-count cache (one per app, made on first use)."""
    cache = getattr(request.app.state, "facet_cache", None)
    if not isinstance(cache, FacetCache):
        cache = FacetCache()
        request.app.state.facet_cache = cache
    return cache


@dataclass(frozen=True, slots=True)
class FacetOption:
    """One choice of a filter select: value, label and how many entities have it."""

    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class Facet:
    """One filter select."""

    param: str
    label: str
    options: tuple[FacetOption, ...]
    selected: str


@dataclass(frozen=True, slots=True)
class Person:
    """A member card on a group page (or a group card on a user page)."""

    link: RefLink
    detail: str | None


def _row_refs(entities: Sequence[Mapping[str, Any]]) -> list[str]:
    refs: list[str] = []
    for entity in entities:
        row = entity_row(entity)
        refs += [link.ref for link in (row.owner, row.system) if link is not None]
    return refs


def _rows(catalog: CatalogService, entities: Sequence[Mapping[str, Any]]) -> list[EntityRow]:
    titles = titles_of(catalog, _row_refs(entities))
    return [entity_row(entity, titles) for entity in entities]


def _facets(
    catalog: CatalogService,
    cache: FacetCache,
    selected: Mapping[str, str],
    kind_counts: Sequence[Mapping[str, Any]],
) -> list[Facet]:
    keys = [FILTER_FIELDS[p] for p in ("type", "owner", "lifecycle", "tag")]
    counts = cache.facets(catalog, keys, kind=selected.get("kind"))
    owner_titles = titles_of(catalog, [str(o["value"]) for o in counts["relations.ownedBy"]])
    facets: list[Facet] = []
    for param, label in (
        ("kind", "Kind"),
        ("type", "Type"),
        ("owner", "Owner"),
        ("lifecycle", "Lifecycle"),
        ("tag", "Tag"),
    ):
        raw = kind_counts if param == "kind" else counts[FILTER_FIELDS[param]]
        options = []
        for item in raw:
            value = str(item["value"])
            shown = value
            if param == "owner":
                shown = ref_link(value, titles=owner_titles).label
            options.append(FacetOption(value=value, label=shown, count=int(item["count"])))
        options.sort(key=lambda o: o.label.lower())
        current = selected.get(param, "")
        if current and all(o.value.lower() != current.lower() for o in options):
            options.append(FacetOption(value=current, label=current, count=0))
        facets.append(Facet(param, label, tuple(options), current))
    return facets


SortKey = Literal["name", "kind", "type", "lifecycle"]
SORT_FIELDS: dict[str, str] = {
    "name": "metadata.name",
    "kind": "kind",
    "type": "spec.type",
    "lifecycle": "spec.lifecycle",
}
"""The catalog table's sortable columns and the field each sorts by (owner and system are
shown by their titles, which no field holds, so they do not sort)."""


@dataclass(frozen=True, slots=True)
class SortHeader:
    """A sortable column heading: the link that sorts by it, and how it sorts now."""

    label: str
    url: str
    state: Literal["ascending", "descending", "none"]


def _sort_headers(params: Mapping[str, str], sort: str, direction: str) -> dict[str, SortHeader]:
    headers = {}
    for key in SORT_FIELDS:
        current = key == sort
        flipped = "desc" if current and direction == "asc" else "asc"
        url = _page_url(params, sort=None if key == "name" else key,
                        dir=None if flipped == "asc" else flipped)
        state: Literal["ascending", "descending", "none"] = (
            ("ascending" if direction == "asc" else "descending") if current else "none")
        headers[key] = SortHeader(key.capitalize(), url, state)
    return headers


def _page_url(params: Mapping[str, str], **changes: str | None) -> str:
    merged = {k: v for k, v in params.items() if v}
    for key, value in changes.items():
        if value:
            merged[key] = value
        else:
            merged.pop(key, None)
    return "/catalog" + (f"?{urlencode(merged)}" if merged else "")


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(
    request: Request,
    identity: CurrentIdentity,
    kind: str = "",
    type: str = "",
    owner: str = "",
    lifecycle: str = "",
    tag: str = "",
    q: str = Query("", max_length=200),
    cursor: str = "",
    limit: int = Query(PAGE_SIZES[0], ge=1, le=PAGE_SIZES[-1]),
    deleted: str = Query("", max_length=600),
    sort: SortKey = "name",
    direction: Literal["asc", "desc"] = Query("asc", alias="dir"),
) -> Response:
    """The catalog table: facet filters, full-text search, sortable columns and cursor
    pagination (a cursor carries its order; ``sort``/``dir`` ride along for the headings)."""
    catalog = catalog_service(request)
    selected = {"kind": kind, "type": type, "owner": owner, "lifecycle": lifecycle, "tag": tag}
    selected = {k: v.strip() for k, v in selected.items() if v.strip()}
    filters: dict[str, str | list[str]] = {FILTER_FIELDS[k]: v for k, v in selected.items()}
    cache = facet_cache_of(request)
    kind_counts = cache.facets(catalog, ["kind"])["kind"]
    if "kind" not in selected:
        # Like Backstage, the table leaves out Location entities unless asked for them.
        shown_kinds = [
            str(f["value"])
            for f in kind_counts
            if str(f["value"]).lower() not in _HIDDEN_BY_DEFAULT
        ]
        if shown_kinds:
            filters["kind"] = shown_kinds
    text = q.strip()
    result = catalog.query(
        filters=filters or None,
        limit=limit,
        order=[(SORT_FIELDS[sort], direction)]
        + ([("metadata.name", "asc")] if sort != "name" else []),
        full_text=text or None,
        cursor=cursor or None,
    )
    params = dict(selected)
    if text:
        params["q"] = text
    if limit != PAGE_SIZES[0]:
        params["limit"] = str(limit)
    headers = _sort_headers(params, sort, direction)
    if sort != "name":
        params["sort"] = sort
    if direction != "asc":
        params["dir"] = direction
    facets = _facets(catalog, cache, selected, kind_counts)
    chips = [
        (facet.label, option.label, _page_url(params, **{facet.param: None}))
        for facet in facets
        for option in facet.options
        if facet.selected and option.value.lower() == facet.selected.lower()
    ][: len(selected)]
    return render(
        request,
        "catalog.html",
        rows=_rows(catalog, result.items),
        total=result.total_items,
        facets=facets,
        q=text,
        limit=limit,
        page_sizes=PAGE_SIZES,
        chips=chips,
        filtered=bool(selected or text),
        doc_hits=doc_hit_links(request, text) if text else [],
        next_url=_page_url(params, cursor=result.next_cursor) if result.next_cursor else None,
        prev_url=_page_url(params, cursor=result.prev_cursor) if result.prev_cursor else None,
        clear_url="/catalog",
        deleted=deleted,
        sort_headers=headers,
        sort=sort if sort != "name" else "",
        direction=direction if direction != "asc" else "",
    )


def _members(catalog: CatalogService, refs: Sequence[str]) -> list[Person]:
    people: list[Person] = []
    for ref, entity in zip(refs, catalog.get_by_refs(list(refs)), strict=True):
        if entity is None:
            people.append(Person(ref_link(ref), None))
            continue
        spec = entity.get("spec") or {}
        profile = spec.get("profile") if isinstance(spec, dict) else None
        email = profile.get("email") if isinstance(profile, dict) else None
        detail = email if isinstance(email, str) else str(spec.get("type") or "") or None
        people.append(
            Person(ref_link(ref, titles={entity_ref_of(entity).key: display_title(entity)}), detail)
        )
    people.sort(key=lambda p: p.link.label.lower())
    return people


def _targets(entity: Mapping[str, Any], rel_type: str) -> list[str]:
    relations = entity.get("relations")
    return unique_strings(
        [
            r.get("targetRef")
            for r in (relations if isinstance(relations, list) else [])
            if isinstance(r, Mapping) and r.get("type") == rel_type
        ]
    )


def owned_rows(
    catalog: CatalogService,
    user_ref: str,
    entity: Mapping[str, Any] | None,
    *,
    limit: int = _OWNED_LIMIT,
) -> list[EntityRow]:
    """What a user owns directly or through the groups they are a member of."""
    owner_refs = [user_ref, *(_targets(entity, "memberOf") if entity is not None else [])]
    result = catalog.query(
        filters=[{"relations.ownedBy": r} for r in owner_refs], limit=limit, order=["metadata.name"]
    )
    return _rows(catalog, result.items)


@router.get("/catalog/{namespace}/{kind}/{name}", response_class=HTMLResponse)
def entity_page(
    request: Request,
    namespace: str,
    kind: str,
    name: str,
    identity: CurrentIdentity,
    range: str = Query("1h", max_length=8),
) -> Response:
    """An entity: overview, links, relations (list and picture), raw YAML; groups and users
    also show their members or groups and what they own."""
    catalog = catalog_service(request)
    entity = catalog.get_entity(EntityRef(kind=kind, namespace=namespace, name=name))
    ref = entity_ref_of(entity)
    spec = entity.get("spec") if isinstance(entity.get("spec"), dict) else {}
    assert isinstance(spec, dict)
    groups_of_relations = relation_groups(entity)
    titles = titles_of(catalog, related_refs(groups_of_relations))
    groups_of_relations = relation_groups(entity, titles)
    row = entity_row(entity, titles)
    kind_key = ref.kind.lower()
    members: list[Person] = []
    member_of: list[Person] = []
    owned: list[EntityRow] = []
    if kind_key == "group":
        members = _members(catalog, _targets(entity, "hasMember"))
        owned_result = catalog.query(
            filters={"relations.ownedBy": ref.key}, limit=_OWNED_LIMIT, order=["metadata.name"]
        )
        owned = _rows(catalog, owned_result.items)
    elif kind_key == "user":
        member_of = _members(catalog, _targets(entity, "memberOf"))
        owned = owned_rows(catalog, ref.key, entity)
    metadata = entity.get("metadata") if isinstance(entity.get("metadata"), dict) else {}
    assert isinstance(metadata, dict)
    annotations = (
        metadata.get("annotations") if isinstance(metadata.get("annotations"), dict) else {}
    )
    assert isinstance(annotations, dict)
    profile = spec.get("profile") if isinstance(spec.get("profile"), dict) else {}
    assert isinstance(profile, dict)
    definition = spec.get("definition") if kind_key == "api" else None
    return render(
        request,
        "entity.html",
        resource=entity_resource(entity),
        template_resource=template_resource(entity) if kind_key == "template" else None,
        refreshed=request.query_params.get("refreshed") == "1",
        entity_ref=ref.key,
        kind=ref.kind,
        row=row,
        href=entity_href(ref),
        profile_email=profile.get("email") if isinstance(profile.get("email"), str) else None,
        domain=ref_link(str(spec["domain"]), default_kind="domain", titles=titles)
        if isinstance(spec.get("domain"), str)
        else None,
        kubernetes_id=annotations.get("backstage.io/kubernetes-id"),
        gitops_app=annotations.get("argocd/app-name") if kind_key == "component" else None,
        location=annotations.get("backstage.io/managed-by-location"),
        links=local_links(request, entity_links(entity, settings_of(request).platform)),
        **entity_git_context(request, entity),
        relations=groups_of_relations,
        graph=relation_graph(row.title, ref.kind, groups_of_relations),
        members=members,
        member_of=member_of,
        owned=owned,
        owned_capped=len(owned) >= _OWNED_LIMIT,
        definition=definition if isinstance(definition, str) else None,
        yaml_text=entity_yaml(entity),
        docs=docs_summary(ref, techdocs_service(request).status(ref))
        if techdocs_ref_of(entity) is not None
        else None,
        live=live_panels(request, entity, range),
        scorecard=scorecard_card(request, entity),
        environments=environments_card(request, entity),
    )


@router.post(
    "/catalog/{namespace}/{kind}/{name}/refresh",
    dependencies=[authorize("catalog.entity.refresh", resource=entity_from_path)],
)
def refresh_entity(request: Request, namespace: str, kind: str, name: str) -> Response:
    """Re-read the entity's location now, then show the entity again."""
    ref = EntityRef(kind=kind, namespace=namespace, name=name)
    catalog_service(request).refresh(ref)
    return RedirectResponse(entity_href(ref) + "?refreshed=1", status_code=303)


@router.post(
    "/catalog/{namespace}/{kind}/{name}/delete",
    dependencies=[authorize("catalog.entity.delete", resource=entity_from_path)],
)
def delete_entity(request: Request, namespace: str, kind: str, name: str) -> Response:
    """Remove the entity (its location brings it back at the next refresh if still there)."""
    catalog = catalog_service(request)
    ref = EntityRef(kind=kind, namespace=namespace, name=name)
    entity = catalog.get_entity(ref)
    catalog.delete_by_uid(str(entity["metadata"]["uid"]))
    return RedirectResponse("/catalog?" + urlencode({"deleted": ref.key}), status_code=303)
