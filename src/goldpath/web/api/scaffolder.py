"""Scaffolder REST API under /api/scaffolder/v2, in Backstage's shapes."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from goldpath.catalog import EntityRef
from goldpath.scaffolder import TaskStatus, decode_directory_contents
from goldpath.scaffolder.errors import ExpressionLimitError
from goldpath.web._deps import (
    ActionsDep,
    DryRunnerDep,
    TaskCreatorDep,
    TaskFeedDep,
    TaskStoreDep,
    TemplatesDep,
)
from goldpath.web._permissions import (
    CurrentSubject,
    authorize,
    authorize_all,
    run_template_from_body,
    steps_from_dry_run_body,
    task_as_seen,
    task_from_id,
    template_from_path,
    usable_templates,
)
from goldpath.web.auth import CurrentIdentity

__all__ = ["router"]

router = APIRouter(prefix="/api/scaffolder/v2", tags=["scaffolder"])

_READ_TASK = [authorize("scaffolder.task.read", resource=task_from_id)]


class CreateTaskBody(BaseModel):
    """Backstage's POST /tasks body."""

    model_config = ConfigDict(populate_by_name=True)

    template_ref: str = Field(alias="templateRef", description="template:default/name")
    values: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)


class DirectoryEntry(BaseModel):
    """One file of a dry run's template directory."""

    path: str
    base64_content: str = Field(alias="base64Content")
    executable: bool = False


class DryRunBody(BaseModel):
    """Backstage's POST /dry-run body."""

    model_config = ConfigDict(populate_by_name=True)

    template: dict[str, Any]
    values: dict[str, Any] = Field(default_factory=dict)
    secrets: dict[str, str] = Field(default_factory=dict)
    directory_contents: list[DirectoryEntry] | None = Field(default=None, alias="directoryContents")


@router.get("/actions", summary="Every registered action with its input and output schemas")
def list_actions(registry: ActionsDep) -> list[dict[str, Any]]:
    """Backstage's action list."""
    return [action.schema() for action in registry.list()]


@router.post(
    "/tasks",
    status_code=201,
    summary="Create a task from a template",
    dependencies=[authorize_all(run_template_from_body)],
)
def create_task(
    body: CreateTaskBody, identity: CurrentIdentity, creator: TaskCreatorDep
) -> dict[str, str]:
    """Validates values (422 with every problem), reserves the name (409), queues the task."""
    task_id = creator.create(
        body.template_ref, body.values, identity=identity, secrets=body.secrets
    )
    return {"id": task_id}


@router.get("/tasks", summary="List tasks, newest first")
def list_tasks(
    request: Request,
    subject: CurrentSubject,
    store: TaskStoreDep,
    created_by: str | None = Query(default=None, alias="createdBy"),
    status: Annotated[TaskStatus | None, Query()] = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=1_000_000_000),
) -> dict[str, Any]:
    """Backstage's ``{tasks, totalTasks}``; parameters only of tasks the caller may read."""
    items, total = store.list_tasks(
        created_by=created_by, status=status, limit=limit, offset=offset
    )
    tasks = [task_as_seen(request, subject, task.as_dict()) for task in items]
    return {"tasks": tasks, "totalTasks": total}


@router.get(
    "/tasks/{task_id}",
    summary="One task: status, spec, steps, output",
    dependencies=_READ_TASK,
)
def get_task(task_id: str, store: TaskStoreDep) -> dict[str, Any]:
    """The task in Backstage's shape plus per-step state."""
    return store.get(task_id).as_dict()


@router.post(
    "/tasks/{task_id}/cancel",
    summary="Cancel a task (it rolls back)",
    dependencies=[authorize("scaffolder.task.cancel", resource=task_from_id)],
)
def cancel_task(task_id: str, store: TaskStoreDep) -> dict[str, str]:
    """An open task is cancelled at once; a running one stops at its next check and rolls back."""
    status = store.request_cancel(task_id)
    return {"status": status}


@router.get(
    "/tasks/{task_id}/events",
    summary="The task's event log",
    dependencies=_READ_TASK,
)
def task_events(
    task_id: str, store: TaskStoreDep, after: int | None = Query(default=None)
) -> list[dict[str, Any]]:
    """Events in order, optionally only after an event id."""
    store.get(task_id)
    return [event.as_dict() for event in store.events(task_id, after=after)]


def _last_event_id(request: Request, after: int | None) -> int | None:
    """Where a stream resumes: the ``Last-Event-ID`` a reconnecting client sends, else ``after``."""
    header = request.headers.get("last-event-id", "").strip()
    return int(header) if header.isdigit() else after


@router.get(
    "/tasks/{task_id}/eventstream",
    summary="The task's events as server-sent events",
    dependencies=_READ_TASK,
)
async def task_eventstream(
    request: Request,
    task_id: str,
    store: TaskStoreDep,
    feed: TaskFeedDep,
    after: int | None = Query(default=None),
) -> StreamingResponse:
    """Every event (``event: <type>``, ``id: <event id>``), then each new one as the task
    broker pushes it, until the task ends; resumes after ``Last-Event-ID`` or ``after``."""
    await anyio.to_thread.run_sync(store.get, task_id)  # 404 before the stream starts
    start = _last_event_id(request, after)

    async def stream() -> AsyncIterator[str]:
        async for event in feed.stream(task_id, after=start):
            if event is None:
                if await request.is_disconnected():
                    return
                yield ": keep-alive\n\n"
                continue
            data = json.dumps(event.as_dict())
            yield f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/templates",
    summary="The templates the caller may use (goldpath's addition to Backstage's API)",
)
def list_templates(request: Request, subject: CurrentSubject) -> dict[str, Any]:
    """``{items, totalItems}``: Template entities, leaving out those restricted to others."""
    items = usable_templates(request, subject)
    return {"items": items, "totalItems": len(items)}


@router.get(
    "/templates/{namespace}/{kind}/{name}/parameter-schema",
    summary="A template's parameter pages",
    dependencies=[authorize("scaffolder.template.parameter.read", resource=template_from_path)],
)
def template_parameter_schema(
    namespace: str, kind: str, name: str, templates: TemplatesDep
) -> dict[str, Any]:
    """Backstage's ``{title, description, steps: [{title, description, schema}]}``."""
    return templates.parameter_schema(EntityRef(kind=kind, namespace=namespace, name=name).key)


@router.post(
    "/dry-run",
    summary="Run a template with no side effects",
    dependencies=[authorize_all(steps_from_dry_run_body, changes=False)],
)
def dry_run(body: DryRunBody, identity: CurrentIdentity, runner: DryRunnerDep) -> JSONResponse:
    """Validates values (400), runs the steps in a throw-away workspace, returns the files."""
    contents = None
    if body.directory_contents is not None:
        contents = decode_directory_contents(
            [entry.model_dump(by_alias=True) for entry in body.directory_contents]
        )
    result = runner.run(
        body.template,
        body.values,
        secrets=body.secrets,
        directory_contents=contents,
        identity=identity,
    )
    limited = [d for d in result.error_details if d.rule == "limit"]
    if limited:  # an expression bomb is bad input (400 naming it), not a failed run
        raise ExpressionLimitError(result.error or "an expression hit a limit", errors=limited)
    return JSONResponse(result.as_dict())
