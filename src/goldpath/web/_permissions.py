"""Permissions at the web's doors: the ``authorize`` dependency, resource loaders, ``can``.

Routes declare what they need in their decorator::

    @router.delete("/entities/by-uid/{uid}",
                   dependencies=[authorize("catalog.entity.delete", resource=entity_from_uid)])

The dependency resolves the caller (401 when no one is signed in), loads the resource the
request is about (404 when it does not exist), and asks the permission service, which
records the decision and raises ``NotAllowedError`` (403 naming the permission) when the
policy refuses. Pages ask ``can(permission, resource)`` to hide or disable what the caller
may not do; those answers are not recorded.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Annotated, Any

from anyio import to_thread
from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from goldpath.catalog import EntityRef
from goldpath.errors import BadRequestError, FieldError, GoldpathError
from goldpath.permissions import (
    PERMISSIONS,
    Decision,
    PermissionService,
    Resource,
    Subject,
    action_resources_of,
    entity_resource,
    location_resource,
    task_resource,
    template_resource,
    user_resource,
)
from goldpath.scaffolder import template_ref
from goldpath.web._deps import catalog_service, permission_service, task_store
from goldpath.web.auth import identity_from_scope, signed_in_identity

__all__ = [
    "Check",
    "CurrentSubject",
    "ResourceLoader",
    "authorize",
    "authorize_all",
    "can",
    "current_subject",
    "entity_from_path",
    "entity_from_uid",
    "entity_from_body",
    "location_from_body",
    "location_from_id",
    "require",
    "run_template_from_body",
    "run_template_from_path",
    "steps_from_dry_run_body",
    "task_as_seen",
    "task_from_id",
    "task_resource_of",
    "template_from_path",
    "usable_templates",
    "user_from_identity",
]

ResourceLoader = Callable[[Request], Awaitable[Resource | None]]
Check = tuple[str, Resource | None]
ChecksLoader = Callable[[Request], Awaitable[Sequence[Check]]]
_SUBJECT_KEY = "goldpath.subject"


def _subject_for(connection: HTTPConnection, user_ref: str) -> Subject:
    cached = connection.scope.get(_SUBJECT_KEY)
    if isinstance(cached, Subject) and cached.user_ref == user_ref.lower():
        return cached
    subject = _permissions(connection).subject(user_ref)
    connection.scope[_SUBJECT_KEY] = subject
    return subject


def current_subject(request: Request) -> Subject:
    """The signed-in caller as the policy sees them (groups included); 401 when no one is."""
    return _subject_for(request, signed_in_identity(request).user_ref)


def _known_subject(request: Request) -> Subject | None:
    """``current_subject`` when it needs no IO (401 when no one is signed in), else None."""
    user_ref = signed_in_identity(request).user_ref
    cached = request.scope.get(_SUBJECT_KEY)
    if isinstance(cached, Subject) and cached.user_ref == user_ref.lower():
        return cached
    subject = _permissions(request).known_subject(user_ref)
    if subject is not None:
        request.scope[_SUBJECT_KEY] = subject
    return subject


CurrentSubject = Annotated[Subject, Depends(current_subject)]
"""Route parameter type for the caller's subject: ``subject: CurrentSubject``."""


def authorize_all(checks: ChecksLoader, *, changes: bool = True) -> Any:
    """A dependency that authorizes every (permission, resource) the loader lists, in order
    (``changes=False``: the request changes nothing, so only refusals are recorded)."""

    # Deciding is pure; only reading the caller's groups and recording a decision touch
    # the database, so only they leave the event loop for a worker thread (each hop costs
    # more than the decision itself).
    async def dependency(request: Request) -> list[Decision]:
        subject = _known_subject(request)
        if subject is None:
            subject = await to_thread.run_sync(current_subject, request)
        service = permission_service(request)
        decisions = []
        for permission, resource in await checks(request):
            decision = service.decide(subject, permission, resource)
            if service.must_record(decision, changes=changes):
                decision = await to_thread.run_sync(
                    partial(service.conclude, changes=changes), decision
                )
            decisions.append(decision)
        return decisions

    return Depends(dependency)


def authorize(permission: str, *, resource: ResourceLoader | None = None) -> Any:
    """A dependency that lets the request through only when the caller holds the permission."""
    PERMISSIONS.get(permission)  # an unknown name fails when the route is declared

    async def checks(request: Request) -> list[Check]:
        return [(permission, await resource(request) if resource is not None else None)]

    return authorize_all(checks)


def require(request: Request, permission: str, resource: Resource | None = None) -> Decision:
    """Authorize inside a route, for a resource only the route's own work reveals."""
    return _permissions(request).authorize(current_subject(request), permission, resource)


def can(request: HTTPConnection, permission: str, resource: Resource | None = None) -> Decision:
    """The caller's (unrecorded) decision, for showing or disabling what pages offer."""
    perm = PERMISSIONS.get(permission)
    identity = identity_from_scope(request)
    if identity is None:
        return Decision(perm, Subject(user_ref=""), resource, False, "sign-in", "sign in first")
    return _permissions(request).decide(_subject_for(request, identity.user_ref), perm, resource)


def _permissions(connection: HTTPConnection) -> PermissionService:
    return permission_service(connection)


def task_as_seen(request: Request, subject: Subject, task: dict[str, Any]) -> dict[str, Any]:
    """A task in Backstage's shape, without its parameters unless the caller may read them."""
    spec = task.get("spec") if isinstance(task.get("spec"), Mapping) else {}
    assert isinstance(spec, Mapping)
    parameters = spec.get("parameters")
    resource = task_resource_of(
        str(task.get("id")),
        str(task.get("createdBy") or ""),
        parameters if isinstance(parameters, Mapping) else None,
    )
    if _permissions(request).decide(subject, "scaffolder.task.read", resource).allowed:
        return task
    return {**task, "spec": {k: v for k, v in spec.items() if k != "parameters"}}


def usable_templates(request: Request, subject: Subject) -> list[dict[str, Any]]:
    """Every Template entity the subject may use, by name (restricted ones left out)."""
    entities = catalog_service(request).list_entities(
        filters={"kind": "template"}, order=["metadata.name"]
    )
    permissions = _permissions(request)
    return [
        e
        for e in entities
        if permissions.decide(
            subject, "scaffolder.template.parameter.read", template_resource(e)
        ).allowed
    ]


# ---- resource loaders -------------------------------------------------------------------


async def _json_body(request: Request) -> Mapping[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        return {}  # FastAPI answers the malformed body itself
    return data if isinstance(data, Mapping) else {}


def _path(request: Request, name: str) -> str:
    return str(request.path_params[name])


async def entity_from_uid(request: Request) -> Resource:
    """The entity ``{uid}`` names."""
    catalog = catalog_service(request)
    entity = await to_thread.run_sync(catalog.get_by_uid, _path(request, "uid"))
    return entity_resource(entity)


async def entity_from_path(request: Request) -> Resource:
    """The entity ``{kind}/{namespace}/{name}`` names."""
    ref = EntityRef(
        kind=_path(request, "kind"),
        namespace=_path(request, "namespace"),
        name=_path(request, "name"),
    )
    entity = await to_thread.run_sync(catalog_service(request).get_entity, ref.key)
    return entity_resource(entity)


async def entity_from_body(request: Request) -> Resource | None:
    """The entity a body's ``entityRef`` names; None when it names none (all of them)."""
    ref = (await _json_body(request)).get("entityRef")
    if ref is None:
        return None
    if not isinstance(ref, str):
        raise BadRequestError(
            "entityRef must be a string",
            errors=[FieldError("entityRef", "type", "must be an entity ref")],
        )
    entity = await to_thread.run_sync(catalog_service(request).get_entity, ref)
    return entity_resource(entity)


async def location_from_id(request: Request) -> Resource:
    """The location ``{location_id}`` names (404 when there is none)."""
    record = await to_thread.run_sync(
        catalog_service(request).get_location, _path(request, "location_id")
    )
    return location_resource(record.id)


async def location_from_body(request: Request) -> Resource:
    """The location a POST body asks to register (``type:target``)."""
    body = await _json_body(request)
    return location_resource(f"{body.get('type', 'url')}:{body.get('target', '')}")


async def task_from_id(request: Request) -> Resource:
    """The task ``{task_id}`` names: its creator and the owner its values name."""
    record = await to_thread.run_sync(task_store(request).get, _path(request, "task_id"))
    return task_resource_of(record.id, record.created_by, record.spec.parameters)


def task_resource_of(
    task_id: str, created_by: str, parameters: Mapping[str, Any] | None
) -> Resource:
    """A task's resource from its stored parts (its parameters say what it creates)."""
    return task_resource(task_id, created_by=created_by, parameters=parameters)


async def _template(request: Request, ref: str) -> Mapping[str, Any]:
    return await to_thread.run_sync(catalog_service(request).get_entity, template_ref(ref))


async def template_from_path(request: Request) -> Resource:
    """The Template ``{namespace}/{name}`` names (pages) or ``{namespace}/{kind}/{name}`` (API)."""
    kind = str(request.path_params.get("kind") or "template")
    ref = EntityRef(kind=kind, namespace=_path(request, "namespace"), name=_path(request, "name"))
    return template_resource(await _template(request, ref.key))


def _run_checks(template: Mapping[str, Any] | None, steps: Mapping[str, Any]) -> list[Check]:
    """Running a template: the template itself (unless None), then each action its steps use."""
    checks: list[Check] = []
    if template is not None:
        checks.append(("scaffolder.task.create", template_resource(template)))
    checks += [("scaffolder.action.execute", a) for a in action_resources_of(steps)]
    return checks


async def run_template_from_body(request: Request) -> list[Check]:
    """Running the template a POST /tasks body names: the template, then each of its actions."""
    ref = (await _json_body(request)).get("templateRef")
    if not isinstance(ref, str) or not ref.strip():
        raise BadRequestError(
            "templateRef is required",
            errors=[FieldError("templateRef", "required", "name the template to run")],
        )
    try:
        entity = await _template(request, ref)
    except GoldpathError as exc:
        if exc.name == "InvalidEntityRefError":
            raise BadRequestError(exc.message, errors=getattr(exc, "errors", [])) from exc
        raise
    return _run_checks(entity, entity)


async def run_template_from_path(request: Request) -> list[Check]:
    """Running the template the page's path names: the template, then each of its actions."""
    ref = f"template:{_path(request, 'namespace')}/{_path(request, 'name')}"
    entity = await _template(request, ref)
    return _run_checks(entity, entity)


async def steps_from_dry_run_body(request: Request) -> list[Check]:
    """A dry run's inline template: each action it would execute."""
    template = (await _json_body(request)).get("template")
    return _run_checks(None, template if isinstance(template, Mapping) else {})


async def user_from_identity(request: Request) -> Resource:
    """The signed-in caller as a resource (their own API tokens)."""
    return user_resource(signed_in_identity(request).user_ref)
