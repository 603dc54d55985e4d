"""Home and Docs pages."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse, Response

from goldpath.catalog import CATALOG_FILTER_EXISTS
from goldpath.web._deps import catalog_service, techdocs_service
from goldpath.web.auth import CurrentIdentity
from goldpath.web.pages._catalog import owned_rows
from goldpath.web.pages._docs import docs_summary
from goldpath.web.pages._render import render
from goldpath.web.pages._views import display_title, entity_ref_of

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
_HOME_OWNED_LIMIT = 12
_TECHDOCS = "metadata.annotations.backstage.io/techdocs-ref"


@dataclass(frozen=True, slots=True)
class KindCount:
    """How many entities of one kind the catalog holds."""

    value: str
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class DocLink:
    """An entity that publishes documentation."""

    title: str
    kind: str
    href: str
    label: str


def _plural(kind: str, count: int) -> str:
    if count == 1:
        return kind
    return kind + ("es" if kind.lower().endswith("s") else "s")


@router.get("/", response_class=HTMLResponse)
def home(request: Request, identity: CurrentIdentity) -> Response:
    """Home: a greeting, what is in the catalog, and what the caller's teams own."""
    catalog = catalog_service(request)
    counts = [
        KindCount(str(f["value"]), _plural(str(f["value"]), int(f["count"])), int(f["count"]))
        for f in catalog.facets(["kind"])["kind"]
        if str(f["value"]).lower() != "location"
    ]
    counts.sort(key=lambda c: (-c.count, c.value.lower()))
    owned = owned_rows(catalog, identity.user_ref, identity.entity, limit=_HOME_OWNED_LIMIT)
    return render(request, "home.html", me=identity, kind_counts=counts, owned=owned)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request, identity: CurrentIdentity) -> Response:
    """Docs: the API reference and the entities that publish documentation."""
    catalog = catalog_service(request)
    result = catalog.query(
        filters={_TECHDOCS: CATALOG_FILTER_EXISTS}, limit=100, order=["metadata.name"]
    )
    refs = [entity_ref_of(entity) for entity in result.items]
    statuses = techdocs_service(request).statuses([ref.key for ref in refs])
    documented = []
    for entity, ref in zip(result.items, refs, strict=True):
        summary = docs_summary(ref, statuses.get(ref.key))
        documented.append(
            DocLink(
                title=display_title(entity),
                kind=str(entity.get("kind", "")),
                href=summary.href,
                label=summary.label,
            )
        )
    return render(request, "docs.html", documented=documented)
