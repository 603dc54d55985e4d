"""TechDocs in the portal: an entity's built docs inside the portal's layout, its build
status, and the Rebuild button. Builds themselves run in the background workers."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from goldpath.catalog import EntityRef, parse_entity_ref
from goldpath.permissions import entity_resource
from goldpath.techdocs import (
    ASSET_SUFFIXES,
    SiteStatus,
    TechDocsService,
    content_type,
    techdocs_ref_of,
)
from goldpath.web._deps import catalog_service, techdocs_service
from goldpath.web._permissions import authorize, entity_from_path
from goldpath.web.auth import CurrentIdentity
from goldpath.web.pages._render import render
from goldpath.web.pages._views import display_title, entity_href, entity_ref_of, safe_url

__all__ = [
    "ASSET_HEADERS",
    "DocHitLink",
    "DocsSummary",
    "doc_hit_links",
    "docs_href",
    "docs_summary",
    "relative_time",
    "router",
]

router = APIRouter(include_in_schema=False)

# Files from a docs folder are user content: they may not run anything, even when opened
# directly (an SVG with a script, say), and are never sniffed into another type.
ASSET_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src "
    "'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "private, max-age=60",
}


def docs_href(ref: EntityRef, url: str = "") -> str:
    """The portal URL of an entity's docs (a page URL such as ``guide/setup/`` appended)."""
    parts = (ref.namespace.lower(), ref.kind.lower(), ref.name)
    return "/docs/" + "/".join(quote(p, safe="") for p in parts) + "/" + url


def relative_time(moment: datetime | None, now: datetime | None = None) -> str:
    """``3 minutes ago``-style text (``never`` for None)."""
    if moment is None:
        return "never"
    now = now or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = max(0, int((now - moment).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


@dataclass(frozen=True, slots=True)
class DocsSummary:
    """One line about an entity's docs: where they are and how their last build went."""

    href: str
    state: str  # built | building | queued | failed | pending
    label: str
    detail: str


def docs_summary(ref: EntityRef, status: SiteStatus | None) -> DocsSummary:
    """The summary shown on entity pages, the Docs page and above a site."""
    href = docs_href(ref)
    if status is None:
        return DocsSummary(href, "pending", "Not built yet", "The docs build shortly.")
    source = f"source {status.short_hash}"
    if status.source_commit:
        source = f"commit {status.source_commit[:12]} ({source})"
    built = f"Built {relative_time(status.built_at)} from {source}" if status.published else ""
    if status.status in ("building", "queued"):
        label = "Building…" if status.status == "building" else "Queued"
        return DocsSummary(href, status.status, label, built or "The first build is on its way.")
    if status.status == "failed":
        detail = status.error or "the build failed"
        return DocsSummary(href, "failed", "Build failed", detail)
    return DocsSummary(href, "built", f"Built {relative_time(status.built_at)}", built)


def _service(request: Request) -> TechDocsService:
    return techdocs_service(request)


def _entity(request: Request, namespace: str, kind: str, name: str) -> dict[str, Any]:
    # reading docs is reading the entity: the catalog's lookup (and its checks) comes first
    return catalog_service(request).get_entity(EntityRef(kind=kind, namespace=namespace, name=name))


@dataclass(frozen=True, slots=True)
class NavLink:
    """An entry of a site's navigation, with its portal URL and whether it is open."""

    title: str
    href: str | None
    external: bool
    current: bool
    children: tuple[NavLink, ...]


def _nav(ref: EntityRef, items: Sequence[Mapping[str, Any]], current: str) -> tuple[NavLink, ...]:
    links = []
    for item in items:
        children = _nav(ref, list(item.get("children", [])), current)
        url = item.get("url")
        external = bool(item.get("external"))
        if not isinstance(url, str):
            href = None
        elif external:
            href = safe_url(url)
        else:
            href = docs_href(ref, url)
        links.append(
            NavLink(
                title=str(item.get("title") or ""),
                href=href,
                external=external,
                current=not external and isinstance(url, str) and unquote(url) == current,
                children=children,
            )
        )
    return tuple(links)


@router.get("/docs/{namespace}/{kind}/{name}", include_in_schema=False)
def docs_root(
    request: Request, namespace: str, kind: str, name: str, identity: CurrentIdentity
) -> Response:
    """Pages link to each other relatively, so a site's URL ends in a slash."""
    entity = _entity(request, namespace, kind, name)
    return RedirectResponse(docs_href(entity_ref_of(entity)), 308)


@router.get("/docs/{namespace}/{kind}/{name}/{path:path}", response_class=HTMLResponse)
def docs_page(
    request: Request,
    namespace: str,
    kind: str,
    name: str,
    path: str,
    identity: CurrentIdentity,
) -> Response:
    """A page of an entity's docs in the portal's layout (or an image of its docs folder)."""
    entity = _entity(request, namespace, kind, name)
    ref = entity_ref_of(entity)
    service = _service(request)
    suffix = posixpath.splitext(path)[1].lower()
    if suffix in ASSET_SUFFIXES:
        data = service.read_asset(ref, path)
        return Response(data, media_type=content_type(path), headers=ASSET_HEADERS)
    status = service.status(ref)
    summary = docs_summary(ref, status)
    documented = techdocs_ref_of(entity) is not None
    common: dict[str, Any] = {
        "entity_title": display_title(entity),
        "entity_href": entity_href(ref),
        "kind": ref.kind,
        "summary": summary,
        "status": status,
        "documented": documented,
        "rebuild_url": docs_href(ref, "-/rebuild"),
        "resource": entity_resource(entity),
    }
    if status is None and documented and ref.key not in service.queue:
        service.request_build(ref, force=False)  # never seen by a refresh yet: queue it now
        status = service.status(ref)
    if status is None or not status.published:
        return render(
            request,
            "docs_site.html",
            status_code=200 if documented else 404,
            page=None,
            nav=(),
            refresh=documented and summary.state in ("pending", "queued", "building"),
            **common,
        )
    if path and not path.endswith("/") and service.is_page(ref, path):
        return RedirectResponse(docs_href(ref, path + "/"), 308)
    page = service.page(ref, path)
    return render(
        request,
        "docs_site.html",
        page=page,
        nav=_nav(ref, page.nav, page.url),
        refresh=False,
        **common,
    )


@router.post(
    "/docs/{namespace}/{kind}/{name}/-/rebuild",
    dependencies=[authorize("techdocs.build", resource=entity_from_path)],
)
def rebuild_docs(
    request: Request, namespace: str, kind: str, name: str, identity: CurrentIdentity
) -> RedirectResponse:
    """Queue a build of the entity's docs now, even when the source is unchanged."""
    entity = _entity(request, namespace, kind, name)
    ref = entity_ref_of(entity)
    if techdocs_ref_of(entity) is not None:
        _service(request).request_build(ref)
    return RedirectResponse(docs_href(ref), 303)


@dataclass(frozen=True, slots=True)
class DocHitLink:
    """A search hit in an entity's docs, as the catalog's search shows it."""

    href: str
    entity_title: str
    page_title: str
    title: str
    text: str


def doc_hit_links(request: Request, term: str, *, limit: int = 10) -> list[DocHitLink]:
    """Doc sections holding ``term``, each linking to its section of the built page."""
    hits = techdocs_service(request).search(term, limit=limit)
    refs = sorted({hit.entity_ref for hit in hits})
    titles = {
        key: display_title(entity)
        for key, entity in zip(refs, catalog_service(request).get_by_refs(refs), strict=True)
        if entity is not None
    }
    links = []
    for hit in hits:
        ref = parse_entity_ref(hit.entity_ref)
        links.append(
            DocHitLink(
                href=docs_href(ref, hit.location),
                entity_title=titles.get(hit.entity_ref, ref.name),
                page_title=hit.page_title,
                title=hit.title,
                text=hit.text,
            )
        )
    return links
