"""Resources from what the catalog and scaffolder hold: entities, templates, tasks, locations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from goldpath.catalog import parse_entity_ref
from goldpath.errors import GoldpathError
from goldpath.permissions._model import Resource
from goldpath.permissions._registry import ACTION, ENTITY, LOCATION, TASK, TEMPLATE, USER

__all__ = [
    "ALLOWED_GROUPS_ANNOTATION",
    "action_resource",
    "action_resources_of",
    "allowed_groups_of",
    "entity_resource",
    "location_resource",
    "task_resource",
    "template_resource",
    "user_resource",
]

ALLOWED_GROUPS_ANNOTATION = "goldpath.dev/allowed-groups"
"""A template annotation naming the groups whose members may use it (comma-separated refs)."""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _ref_or_none(value: object, *, default_kind: str, namespace: str = "default") -> str | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return parse_entity_ref(
            value.strip(), default_kind=default_kind, default_namespace=namespace, strict=False
        ).key
    except GoldpathError:
        return None


def _entity_key(entity: Mapping[str, Any]) -> tuple[str, str, str]:
    metadata = _mapping(entity.get("metadata"))
    kind = str(entity.get("kind") or "").lower()
    namespace = str(metadata.get("namespace") or "default").lower()
    return kind, namespace, f"{kind}:{namespace}/{str(metadata.get('name') or '').lower()}"


def allowed_groups_of(entity: Mapping[str, Any]) -> frozenset[str] | None:
    """The groups a ``goldpath.dev/allowed-groups`` annotation names; None when it has none.

    Bare names are groups in the entity's namespace; a malformed item allows no one (the
    annotation restricts, so a typo must not open the template to everyone).
    """
    _, namespace, _ = _entity_key(entity)
    annotations = _mapping(_mapping(entity.get("metadata")).get("annotations"))
    raw = annotations.get(ALLOWED_GROUPS_ANNOTATION)
    if not isinstance(raw, str):
        return None
    refs = set()
    for item in raw.split(","):
        ref = _ref_or_none(item, default_kind="group", namespace=namespace)
        if ref is not None:
            refs.add(ref)
    return frozenset(refs)


def entity_resource(entity: Mapping[str, Any]) -> Resource:
    """A catalog entity: its kind, tags, ``spec.owner`` and any allowed-groups restriction."""
    kind, namespace, ref = _entity_key(entity)
    owner = _ref_or_none(
        _mapping(entity.get("spec")).get("owner"), default_kind="group", namespace=namespace
    )
    tags = _mapping(entity.get("metadata")).get("tags")
    return Resource(
        type=ENTITY,
        ref=ref,
        kind=kind,
        owners=frozenset({owner} if owner else ()),
        tags=frozenset(str(t).lower() for t in tags) if isinstance(tags, list) else frozenset(),
        allowed_groups=allowed_groups_of(entity),
    )


def template_resource(entity: Mapping[str, Any]) -> Resource:
    """A Template entity as what the scaffolder's permissions are asked about."""
    base = entity_resource(entity)
    return Resource(
        type=TEMPLATE,
        ref=base.ref,
        kind=base.kind,
        owners=base.owners,
        tags=base.tags,
        allowed_groups=base.allowed_groups,
    )


def task_resource(
    task_id: str, *, created_by: str, parameters: Mapping[str, Any] | None
) -> Resource:
    """A task: owned by its creator and by the owner its values name (``owner`` parameter)."""
    owners = {created_by.lower()} if created_by else set()
    owner = _ref_or_none(_mapping(parameters).get("owner"), default_kind="group")
    if owner is not None:
        owners.add(owner)
    return Resource(type=TASK, ref=task_id, owners=frozenset(owners))


def location_resource(ref: str) -> Resource:
    """A catalog location (its id, or ``type:target`` before it exists)."""
    return Resource(type=LOCATION, ref=ref)


def action_resource(action_id: str) -> Resource:
    """A scaffolder action (``publish:gitlab``)."""
    return Resource(type=ACTION, ref=action_id)


def user_resource(user_ref: str) -> Resource:
    """A user (what their API tokens belong to): the user owns themself."""
    ref = user_ref.lower()
    return Resource(type=USER, ref=ref, kind="user", owners=frozenset({ref}))


def action_resources_of(template: Mapping[str, Any]) -> list[Resource]:
    """Each distinct action a Template entity's ``spec.steps`` use, in order of first use."""
    steps = _mapping(template.get("spec")).get("steps")
    listed = steps if isinstance(steps, list) else []
    actions = [s.get("action") for s in listed if isinstance(s, Mapping)]
    return [action_resource(a) for a in dict.fromkeys(a for a in actions if isinstance(a, str))]
