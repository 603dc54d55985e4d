"""The Create flow's pages: template cards, the parameter form, preview, tasks and task pages.

Every page works without JavaScript (plain form posts, a refreshing task page); the
page script in ``static/scaffolder/create.js`` adds the stepper, live pickers, Preview,
a submit through ``POST /api/scaffolder/v2/tasks`` and the live log over SSE.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.datastructures import FormData
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from goldpath.catalog import CatalogService, EntityRef, parse_filter_params
from goldpath.config import Settings
from goldpath.errors import ConflictError, FieldError, InvalidInputError
from goldpath.permissions import template_resource
from goldpath.scaffolder import TaskStatus, Template, validate_values
from goldpath.web._deps import (
    TaskCreatorDep,
    TaskStoreDep,
    TemplatesDep,
    catalog_service,
    settings_of,
)
from goldpath.web._permissions import (
    CurrentSubject,
    authorize,
    authorize_all,
    can,
    require,
    run_template_from_path,
    task_from_id,
    task_resource_of,
    template_from_path,
    usable_templates,
)
from goldpath.web.auth import CurrentIdentity
from goldpath.web.pages._render import render
from goldpath.web.pages._scaffolder_form import (
    Form,
    ParsedForm,
    PickerSpec,
    build_form,
    errors_by_pointer,
    parse_form,
)
from goldpath.web.pages._scaffolder_views import (
    TASK_STATUSES,
    filter_cards,
    task_view,
    template_card,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_PICKER_LIMIT = 200
_TASKS_PAGE = 50
_USE_TEMPLATE = [authorize("scaffolder.template.parameter.read", resource=template_from_path)]


def _template_ref(namespace: str, name: str) -> str:
    return EntityRef(kind="template", namespace=namespace, name=name).key


def _form_lists(form: FormData) -> dict[str, list[str]]:
    """Submitted form fields as name -> every value (files are ignored)."""
    data: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            data.setdefault(key, []).append(value)
    return data


def _repo_hosts(settings: Settings) -> list[str]:
    """The hosts a RepoUrlPicker offers when the template names none: the platform's first."""
    hosts = [settings.platform.git_host]
    hosts += [i.host for i in settings.integrations.gitlab + settings.integrations.github]
    return list(dict.fromkeys(h for h in hosts if h))


def _entity_option(entity: Mapping[str, Any], picker: PickerSpec) -> dict[str, str]:
    """A picker option: the ref (humanised like Backstage when the template gives
    ``defaultKind``/``defaultNamespace``) and a label with the title and kind."""
    meta = entity.get("metadata") or {}
    ref = EntityRef.of(entity)
    kind = ref.kind
    value = ref.key
    if picker.default_kind or picker.default_namespace:
        value = ref.humanize(
            default_kind=picker.default_kind or "",
            default_namespace=picker.default_namespace or "",
        )
    profile = (entity.get("spec") or {}).get("profile") or {}
    title = meta.get("title") or (
        profile.get("displayName") if isinstance(profile, Mapping) else None
    )
    label = f"{title} ({kind})" if title else kind
    return {"value": value, "label": label}


def _picker_options(catalog: CatalogService, form: Form) -> dict[str, list[dict[str, str]]]:
    """The first catalog entities each picker offers (the page script searches for more)."""
    options: dict[str, list[dict[str, str]]] = {}
    for f in form.fields():
        if f.picker is None:
            continue
        groups = parse_filter_params(list(f.picker.filters)) if f.picker.filters else None
        result = catalog.query(
            filters=groups,
            fields=(
                "kind",
                "metadata.name",
                "metadata.namespace",
                "metadata.title",
                "spec.profile",
            ),
            limit=_PICKER_LIMIT,
            order=("metadata.name",),
        )
        options[f.pointer] = [_entity_option(e, f.picker) for e in result.items]
    return options


def _form_spec(form: Form) -> list[dict[str, Any]]:
    """What the page script needs to know of each field (kind and pointer)."""
    return [{"pointer": f.pointer, "kind": f.kind, "label": f.label} for f in form.fields()]


def _render_template_page(
    request: Request,
    template: Template,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Sequence[FieldError] = (),
    message: str | None = None,
    status_code: int = 200,
) -> Response:
    form = build_form(
        template.parameters,
        values=values,
        errors=errors,
        repo_hosts=_repo_hosts(settings_of(request)),
    )
    meta = template.entity.get("metadata") or {}
    return render(
        request,
        "scaffolder/template.html",
        status_code=status_code,
        template=template,
        card=template_card(template.entity),
        form=form,
        form_spec=_form_spec(form),
        picker_options=_picker_options(catalog_service(request), form),
        message=message,
        template_ref=template.ref,
        template_resource=template_resource(template.entity),
        namespace=str(meta.get("namespace") or "default"),
        name=str(meta.get("name")),
    )


@router.get("/create", response_class=HTMLResponse)
def create_page(request: Request, subject: CurrentSubject, q: str = "", tag: str = "") -> Response:
    """Every Template in the catalog the caller may use, as a card, filterable by text and tag."""
    entities = usable_templates(request, subject)
    cards = sorted((template_card(e) for e in entities), key=lambda c: c.title.lower())
    tags = sorted({t for c in cards for t in c.tags})
    return render(
        request,
        "scaffolder/create.html",
        cards=filter_cards(cards, text=q, tag=tag),
        total=len(cards),
        tags=tags,
        q=q,
        tag=tag,
    )


@router.get(
    "/create/templates/{namespace}/{name}", response_class=HTMLResponse, dependencies=_USE_TEMPLATE
)
def template_page(
    request: Request,
    namespace: str,
    name: str,
    identity: CurrentIdentity,
    templates: TemplatesDep,
    store: TaskStoreDep,
    from_task: str | None = None,
) -> Response:
    """The template's form: one stepper page per parameter page, then review.

    ``?from_task=<id>`` fills the form with that task's values (secrets are never kept
    in a task's parameters), so a failed Create can be tried again after a fix.
    """
    template = templates.get(_template_ref(namespace, name))
    values: Mapping[str, Any] | None = None
    if from_task:
        record = store.get(from_task)
        require(
            request,
            "scaffolder.task.read",
            task_resource_of(record.id, record.created_by, record.spec.parameters),
        )
        values = record.spec.parameters
    return _render_template_page(request, template, values=values)


@router.post(
    "/create/templates/{namespace}/{name}",
    response_class=HTMLResponse,
    dependencies=[authorize_all(run_template_from_path)],
)
async def submit_form(
    request: Request,
    namespace: str,
    name: str,
    identity: CurrentIdentity,
    templates: TemplatesDep,
    creator: TaskCreatorDep,
) -> Response:
    """Create a task from a plain form post (no JavaScript); errors come back on the form."""
    data = _form_lists(await request.form())
    ref = _template_ref(namespace, name)

    def submit() -> Response:  # database and catalog work: off the event loop
        template = templates.get(ref)
        parsed = parse_form(template.parameters, data)
        if parsed.errors:
            problems = _form_problems(template, parsed)
            return _render_template_page(
                request, template, values=parsed.values, errors=problems, status_code=422
            )
        try:
            task_id = creator.create(template, parsed.values, identity=identity)
        except InvalidInputError as exc:
            return _render_template_page(
                request,
                template,
                values=parsed.values,
                errors=exc.errors or [FieldError("", "invalid", exc.message)],
                message=exc.message,
                status_code=422,
            )
        except ConflictError as exc:
            return _render_template_page(
                request, template, values=parsed.values, message=exc.message, status_code=409
            )
        return RedirectResponse(f"/create/tasks/{task_id}", status_code=303)

    return await to_thread.run_sync(submit)


def _form_problems(template: Template, parsed: ParsedForm) -> list[FieldError]:
    """What could not be read from the form, then what breaks the parameter schemas.

    A field that could not be read is reported once, by the reader, not again by the
    schema (``'eighty' is not a valid integer``, not also ``is not of type integer``).
    """
    problems = list(parsed.errors)
    try:
        validate_values(template, parsed.values)
    except InvalidInputError as exc:
        unreadable = set(errors_by_pointer(parsed.errors))
        for error in exc.errors or [FieldError("", "invalid", exc.message)]:
            if not unreadable.intersection(errors_by_pointer([error])):
                problems.append(error)
    return problems


def _problems(errors: Sequence[FieldError]) -> list[dict[str, str]]:
    """Field problems keyed by the form's JSON Pointers, for the page script."""
    found: list[dict[str, str]] = []
    for pointer, messages in errors_by_pointer(errors).items():
        found.extend({"pointer": pointer, "message": m} for m in messages)
    return found


@router.post("/create/templates/{namespace}/{name}/check", dependencies=_USE_TEMPLATE)
async def check_form(
    request: Request,
    namespace: str,
    name: str,
    identity: CurrentIdentity,
    templates: TemplatesDep,
) -> Response:
    """Read the form's data into values and validate them (the page script's first step)."""
    template = await to_thread.run_sync(templates.get, _template_ref(namespace, name))
    parsed = parse_form(template.parameters, _form_lists(await request.form()))
    problems = _problems(await to_thread.run_sync(_form_problems, template, parsed))
    body = {"templateRef": template.ref, "values": parsed.values, "errors": problems}
    return JSONResponse(body, status_code=422 if problems else 200)


@router.get("/create/tasks", response_class=HTMLResponse)
def tasks_page(
    request: Request,
    identity: CurrentIdentity,
    store: TaskStoreDep,
    owner: str = "mine",
    status: str = "",
    page: int = 1,
) -> Response:
    """Tasks, newest first: mine or everyone's, by status."""
    owner = owner if owner in ("mine", "all") else "mine"
    status = status if status in TASK_STATUSES else ""
    page = max(page, 1)
    records, total = store.list_tasks(
        created_by=identity.user_ref if owner == "mine" else None,
        status=TaskStatus(status) if status else None,
        limit=_TASKS_PAGE,
        offset=(page - 1) * _TASKS_PAGE,
    )
    reads = {
        r.id: can(
            request,
            "scaffolder.task.read",
            task_resource_of(r.id, r.created_by, r.spec.parameters),
        )
        for r in records
    }
    return render(
        request,
        "scaffolder/tasks.html",
        tasks=[task_view(r.as_dict()) for r in records],
        unreadable={task_id: d.sentence for task_id, d in reads.items() if d.denied},
        total=total,
        owner=owner,
        status=status,
        statuses=TASK_STATUSES,
        page=page,
        pages=max(1, -(-total // _TASKS_PAGE)),
    )


@router.get(
    "/create/tasks/{task_id}",
    response_class=HTMLResponse,
    dependencies=[authorize("scaffolder.task.read", resource=task_from_id)],
)
def task_page(
    request: Request, task_id: str, identity: CurrentIdentity, store: TaskStoreDep
) -> Response:
    """A task: steps with status, the log, duration, output links and text, the rollback."""
    record = store.get(task_id)
    stored: list[Any] = store.events(task_id)
    events = [e.as_dict() for e in stored]
    return render(
        request,
        "scaffolder/task.html",
        task=task_view(record.as_dict()),
        task_resource=task_resource_of(record.id, record.created_by, record.spec.parameters),
        events=events,
        last_event_id=events[-1]["id"] if events else 0,
    )


@router.post(
    "/create/tasks/{task_id}/cancel",
    dependencies=[authorize("scaffolder.task.cancel", resource=task_from_id)],
)
def cancel_task(task_id: str, identity: CurrentIdentity, store: TaskStoreDep) -> Response:
    """Cancel from a plain form post, then show the task again."""
    store.request_cancel(task_id)
    return RedirectResponse(f"/create/tasks/{task_id}", status_code=303)
