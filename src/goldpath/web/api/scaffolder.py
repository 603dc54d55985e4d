"""Scaffolder REST API under /api/scaffolder/v2, in Backstage's shapes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from goldpath.errors import FieldError
from goldpath.scaffolder import FINISHED, ScaffolderService, TaskEvent, decode_directory_contents
from goldpath.scaffolder.errors import ExpressionLimitError
from goldpath.web._deps import runtime_of
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

SSE_POLL_SECONDS = 0.2
_READ_TASK = [authorize("scaffolder.task.read", resource=task_from_id)]


def _scaffolder(request: Request) -> ScaffolderService:
    return runtime_of(request).scaffolder


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
def list_actions(request: Request) -> list[dict[str, Any]]:
    """Backstage's action list."""
    return [action.schema() for action in _scaffolder(request).registry.list()]


@router.post(
    "/tasks",
    status_code=201,
    summary="Create a task from a template",
    dependencies=[authorize_all(run_template_from_body)],
)
def create_task(
    request: Request, body: CreateTaskBody, identity: CurrentIdentity
) -> dict[str, str]:
    """Validates values (422 with every problem), reserves the name (409), queues the task."""
    task_id = _scaffolder(request).create_task(
        body.template_ref, body.values, identity=identity, secrets=body.secrets
    )
    return {"id": task_id}


@router.get("/tasks", summary="List tasks, newest first")
def list_tasks(
    request: Request,
    subject: CurrentSubject,
    created_by: str | None = Query(default=None, alias="createdBy"),
    status: str | None = Query(default=None),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0, le=1_000_000_000),
) -> dict[str, Any]:
    """Backstage's ``{tasks, totalTasks}``; parameters only of tasks the caller may read."""
    items, total = _scaffolder(request).list_tasks(
        created_by=created_by, status=status, limit=limit, offset=offset
    )
    tasks = [task_as_seen(request, subject, task.as_dict()) for task in items]
    return {"tasks": tasks, "totalTasks": total}


@router.get(
    "/tasks/{task_id}",
    summary="One task: status, spec, steps, output",
    dependencies=_READ_TASK,
)
def get_task(request: Request, task_id: str) -> dict[str, Any]:
    """The task in Backstage's shape plus per-step state."""
    return _scaffolder(request).get_task(task_id).as_dict()


@router.post(
    "/tasks/{task_id}/cancel",
    summary="Cancel a task (it rolls back)",
    dependencies=[authorize("scaffolder.task.cancel", resource=task_from_id)],
)
def cancel_task(request: Request, task_id: str) -> dict[str, str]:
    """An open task is cancelled at once; a running one stops at its next check and rolls back."""
    status = _scaffolder(request).cancel_task(task_id)
    return {"status": status}


@router.get(
    "/tasks/{task_id}/events",
    summary="The task's event log",
    dependencies=_READ_TASK,
)
def task_events(
    request: Request, task_id: str, after: int | None = Query(default=None)
) -> list[dict[str, Any]]:
    """Events in order, optionally only after an event id."""
    service = _scaffolder(request)
    service.get_task(task_id)
    return [event.as_dict() for event in service.store.events(task_id, after=after)]


@router.get(
    "/tasks/{task_id}/eventstream",
    summary="The task's events as server-sent events",
    dependencies=_READ_TASK,
)
async def task_eventstream(
    request: Request, task_id: str, after: int | None = Query(default=None)
) -> StreamingResponse:
    """Every event (``event: <type>``), then new ones as they happen, until the task ends."""
    service = _scaffolder(request)
    await anyio.to_thread.run_sync(service.get_task, task_id)
    last_header = request.headers.get("last-event-id")
    start = int(last_header) if last_header and last_header.isdigit() else after

    def events_after(last: int | None) -> list[TaskEvent]:
        return service.store.events(task_id, after=last)

    async def stream() -> AsyncIterator[str]:
        last = start
        while True:
            events = await anyio.to_thread.run_sync(events_after, last)
            for event in events:
                last = event.id
                data = json.dumps(event.as_dict())
                yield f"id: {event.id}\nevent: {event.type}\ndata: {data}\n\n"
                if event.type in ("completion", "cancelled"):
                    return
            if not events:
                task = await anyio.to_thread.run_sync(service.get_task, task_id)
                if task.status in FINISHED:
                    if not await anyio.to_thread.run_sync(events_after, last):
                        return
                    continue
                if await request.is_disconnected():
                    return
                await asyncio.sleep(SSE_POLL_SECONDS)

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
    request: Request, namespace: str, kind: str, name: str
) -> dict[str, Any]:
    """Backstage's ``{title, description, steps: [{title, description, schema}]}``."""
    return _scaffolder(request).parameter_schema(f"{kind}:{namespace}/{name}")


@router.post(
    "/dry-run",
    summary="Run a template with no side effects",
    dependencies=[authorize_all(steps_from_dry_run_body, changes=False)],
)
def dry_run(request: Request, body: DryRunBody, identity: CurrentIdentity) -> JSONResponse:
    """Validates values (400), runs the steps in a throw-away workspace, returns the files."""
    contents = None
    if body.directory_contents is not None:
        contents = decode_directory_contents(
            [entry.model_dump(by_alias=True) for entry in body.directory_contents]
        )
    result = _scaffolder(request).dry_run(
        body.template,
        body.values,
        secrets=body.secrets,
        directory_contents=contents,
        identity=identity,
    )
    limited = [d for d in result.error_details if d.get("rule") == "limit"]
    if limited:  # an expression bomb is bad input (400 naming it), not a failed run
        raise ExpressionLimitError(
            result.error or "an expression hit a limit",
            errors=[FieldError(d["field"], d["rule"], d["message"]) for d in limited],
        )
    return JSONResponse(result.as_dict())
