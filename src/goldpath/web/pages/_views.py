"""Pure view models: entity dicts in, what the templates show out (no IO here)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import yaml

from goldpath.catalog import CatalogService, EntityRef, parse_entity_ref
from goldpath.catalog.errors import InvalidEntityRefError
from goldpath.config import PlatformSettings
from goldpath.safe_yaml import Dumper

__all__ = [
    "RELATION_LABELS",
    "EntityRow",
    "ExternalLink",
    "RefLink",
    "RelationGroup",
    "display_title",
    "entity_href",
    "entity_links",
    "entity_ref_of",
    "entity_row",
    "entity_yaml",
    "ref_link",
    "related_refs",
    "relation_groups",
    "safe_url",
    "titles_of",
    "unique_strings",
]

RELATION_LABELS: dict[str, str] = {
    "ownedBy": "Owned by",
    "ownerOf": "Owner of",
    "partOf": "Part of",
    "hasPart": "Has part",
    "dependsOn": "Depends on",
    "dependencyOf": "Dependency of",
    "providesApi": "Provides API",
    "apiProvidedBy": "API provided by",
    "consumesApi": "Consumes API",
    "apiConsumedBy": "API consumed by",
    "memberOf": "Member of",
    "hasMember": "Has member",
    "childOf": "Child of",
    "parentOf": "Parent of",
}
_GRAFANA_TAG = re.compile(r"""^\(?\s*tags\s*@>\s*['"]([^'"]+)['"]\s*\)?$""")


@dataclass(frozen=True, slots=True)
class RefLink:
    """A link to an entity in the portal (``href`` is None when the ref is malformed)."""

    ref: str
    label: str
    kind: str
    href: str | None


@dataclass(frozen=True, slots=True)
class ExternalLink:
    """A link out of the portal: where it goes, its title and what sort of link it is."""

    url: str
    title: str
    kind: str


@dataclass(frozen=True, slots=True)
class RelationGroup:
    """Every target of one relation type."""

    type: str
    label: str
    links: tuple[RefLink, ...]


@dataclass(frozen=True, slots=True)
class EntityRow:
    """One row of the catalog table."""

    ref: str
    href: str
    title: str
    name: str
    kind: str
    namespace: str
    type: str | None
    lifecycle: str | None
    description: str | None
    owner: RefLink | None
    system: RefLink | None
    tags: tuple[str, ...] = field(default_factory=tuple)


def _str(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def entity_ref_of(entity: Mapping[str, Any]) -> EntityRef:
    """The ref of an entity dict (its kind, namespace and name as written)."""
    return EntityRef.of(entity)


def entity_href(ref: EntityRef) -> str:
    """The portal page of an entity: ``/catalog/<namespace>/<kind>/<name>`` (Backstage's URL)."""
    parts = (ref.namespace.lower(), ref.kind.lower(), ref.name)
    return "/catalog/" + "/".join(quote(p, safe="") for p in parts)


def display_title(entity: Mapping[str, Any]) -> str:
    """``metadata.title``, a User's or Group's display name, else ``metadata.name``."""
    metadata = _mapping(entity.get("metadata"))
    profile = _mapping(_mapping(entity.get("spec")).get("profile"))
    return (
        _str(metadata.get("title"))
        or _str(profile.get("displayName"))
        or str(metadata.get("name", ""))
    )


_TITLE_FIELDS = (
    "kind",
    "metadata.name",
    "metadata.namespace",
    "metadata.title",
    "spec.profile.displayName",
)


def titles_of(catalog: CatalogService, refs: Sequence[str]) -> dict[str, str]:
    """`display_title` of each ref's entity (keyed by canonical ref), in one read; refs
    not in the catalog are left out, so `ref_link` shows their names."""
    wanted = unique_strings(list(refs))
    if not wanted:
        return {}
    titles: dict[str, str] = {}
    for entity in catalog.get_by_refs(wanted, fields=_TITLE_FIELDS):
        if entity is not None:
            titles[entity_ref_of(entity).key] = display_title(entity)
    return titles


def ref_link(
    ref: str,
    *,
    default_kind: str | None = None,
    default_namespace: str = "default",
    titles: Mapping[str, str] | None = None,
) -> RefLink:
    """A portal link for a ref string; titles (keyed by canonical ref) replace bare names."""
    try:
        parsed = parse_entity_ref(
            ref, default_kind=default_kind, default_namespace=default_namespace
        )
    except InvalidEntityRefError:
        return RefLink(ref=ref, label=ref, kind="", href=None)
    key = parsed.key
    label = (titles or {}).get(key) or parsed.name
    if parsed.namespace.lower() != "default" and label == parsed.name:
        label = f"{parsed.namespace}/{parsed.name}"
    return RefLink(ref=key, label=label, kind=parsed.kind, href=entity_href(parsed))


def entity_row(entity: Mapping[str, Any], titles: Mapping[str, str] | None = None) -> EntityRow:
    """What the catalog table shows of one entity."""
    ref = entity_ref_of(entity)
    metadata = _mapping(entity.get("metadata"))
    spec = _mapping(entity.get("spec"))
    owner = _str(spec.get("owner"))
    system = _str(spec.get("system"))
    tags = metadata.get("tags")
    return EntityRow(
        ref=ref.key,
        href=entity_href(ref),
        title=display_title(entity),
        name=ref.name,
        kind=ref.kind,
        namespace=ref.namespace,
        type=_str(spec.get("type")),
        lifecycle=_str(spec.get("lifecycle")),
        description=_str(metadata.get("description")),
        owner=ref_link(owner, default_kind="group", default_namespace=ref.namespace, titles=titles)
        if owner
        else None,
        system=ref_link(
            system, default_kind="system", default_namespace=ref.namespace, titles=titles
        )
        if system
        else None,
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
    )


def relation_groups(
    entity: Mapping[str, Any], titles: Mapping[str, str] | None = None
) -> list[RelationGroup]:
    """The entity's relations grouped by type, in Backstage's pair order."""
    by_type: dict[str, list[RefLink]] = {}
    relations = entity.get("relations")
    for relation in relations if isinstance(relations, list) else []:
        if not isinstance(relation, Mapping):
            continue
        rel_type, target = relation.get("type"), relation.get("targetRef")
        if not isinstance(rel_type, str) or not isinstance(target, str):
            continue
        links = by_type.setdefault(rel_type, [])
        link = ref_link(target, titles=titles)
        if all(existing.ref != link.ref for existing in links):
            links.append(link)
    order = list(RELATION_LABELS)
    return [
        RelationGroup(
            type=rel_type,
            label=RELATION_LABELS.get(rel_type, rel_type),
            links=tuple(sorted(links, key=lambda link: (link.kind.lower(), link.label.lower()))),
        )
        for rel_type, links in sorted(
            by_type.items(),
            key=lambda item: (order.index(item[0]) if item[0] in order else len(order), item[0]),
        )
    ]


def safe_url(url: object, *, portal_paths: bool = False) -> str | None:
    """The URL when a link to it is safe, else None: the one rule for every link the
    portal renders from data (annotations, a template's output).

    An absolute http(s) URL is safe; with ``portal_paths`` so is a path on the portal
    itself (``/catalog/...``), but not a scheme-relative ``//host``. Anything else
    (``javascript:``, ``data:``, control characters, backslashes) is not.
    """
    if not isinstance(url, str):
        return None
    candidate = url.strip()
    if not candidate or any(ord(c) < 0x20 or c in "\x7f\\" for c in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc:
        return candidate
    if portal_paths and not parts.scheme and not parts.netloc and candidate.startswith("/"):
        return candidate
    return None


def _annotation_links(
    annotations: Mapping[str, Any], platform: PlatformSettings, kind: str
) -> list[ExternalLink]:
    links: list[ExternalLink] = []

    def add(url: str | None, title: str, link_kind: str) -> None:
        checked = safe_url(url)
        if checked is not None:
            links.append(ExternalLink(url=checked, title=title, kind=link_kind))

    source = _str(annotations.get("backstage.io/source-location"))
    if source:
        add(source.removeprefix("url:"), "Source repository", "source")
    slug = _str(annotations.get("gitlab.com/project-slug"))
    if slug:
        host = _str(annotations.get("gitlab.com/instance")) or platform.git_host
        add(f"https://{host}/{quote(slug, safe='/')}/-/pipelines", "CI pipelines", "ci")
    github_slug = _str(annotations.get("github.com/project-slug"))
    if github_slug:
        add(f"https://github.com/{quote(github_slug, safe='/')}/actions", "CI workflows", "ci")
    argocd_app = _str(annotations.get("argocd/app-name"))
    if argocd_app:
        base = platform.argocd_url.rstrip("/")
        add(f"{base}/applications/{quote(argocd_app, safe='')}", "Argo CD application", "argocd")
    overview = _str(annotations.get("grafana/overview-dashboard"))
    if overview:
        add(overview, "Grafana dashboard", "grafana")
    selector = _str(annotations.get("grafana/dashboard-selector"))
    if selector:
        base = platform.grafana_url.rstrip("/")
        match = _GRAFANA_TAG.match(selector)
        query = {"tag": match.group(1)} if match else {"query": selector}
        add(f"{base}/dashboards?{urlencode(query)}", "Grafana dashboards", "grafana")
    kubernetes_id = _str(annotations.get("backstage.io/kubernetes-id"))
    if kubernetes_id and kind.lower() == "component":
        # goldpath's GitOps renderer serves every app at <app>.<platform domain>.
        add(f"https://{quote(kubernetes_id, safe='')}.{platform.domain}", "Application", "app")
    return links


def entity_links(entity: Mapping[str, Any], platform: PlatformSettings) -> list[ExternalLink]:
    """Links derived from well-known annotations, then ``metadata.links``; http(s) only, unique."""
    metadata = _mapping(entity.get("metadata"))
    kind = str(entity.get("kind", ""))
    links = _annotation_links(_mapping(metadata.get("annotations")), platform, kind)
    declared = metadata.get("links")
    for item in declared if isinstance(declared, list) else []:
        item_map = _mapping(item)
        url = safe_url(item_map.get("url"))
        if url is None:
            continue
        title = _str(item_map.get("title")) or url
        links.append(ExternalLink(url=url, title=title, kind=_str(item_map.get("type")) or "link"))
    unique: dict[str, ExternalLink] = {}
    for link in links:
        unique.setdefault(link.url.rstrip("/"), link)
    return list(unique.values())


def entity_yaml(entity: Mapping[str, Any]) -> str:
    """The entity as YAML, in its own key order."""
    return yaml.dump(
        dict(entity), Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def related_refs(groups: Iterable[RelationGroup]) -> list[str]:
    """Every distinct target ref of some relation groups, in order."""
    seen: dict[str, None] = {}
    for group in groups:
        for link in group.links:
            seen.setdefault(link.ref, None)
    return list(seen)


def unique_strings(values: Sequence[object]) -> list[str]:
    """Distinct non-empty strings, in order."""
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, str) and value:
            seen.setdefault(value, None)
    return list(seen)
