"""Typed values of a task: its status, its spec, each step's state, its events and its end.

The database and the REST API keep Backstage's JSON shapes (``as_dict`` writes them,
``from_dict`` reads them back, also from a portal's answer); the code in between works
with these types. ``dict[str, Any]`` is left only where the shape is the user's own:
parameter values, a template's ``output`` expressions, catalog entities, event bodies.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from goldpath.errors import FieldError
from goldpath.scaffolder._actions import UndoRecord
from goldpath.scaffolder._template import API_VERSION, StepSpec, Template, TemplateInfo

__all__ = [
    "FINISHED",
    "NotUndone",
    "RollbackReport",
    "StepChange",
    "StepState",
    "StepStatus",
    "TaskError",
    "TaskEvent",
    "TaskRecord",
    "TaskSpec",
    "TaskStatus",
    "TaskUser",
    "iso",
    "parse_iso",
]


class TaskStatus(StrEnum):
    """Where a task is: queued, running, or how it ended."""

    OPEN = "open"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def finished(self) -> bool:
        """Whether the task has ended (it will not change again)."""
        return self in FINISHED


FINISHED = frozenset({TaskStatus.COMPLETED, TaskStatus.FAILED, TaskStatus.CANCELLED})


class StepStatus(StrEnum):
    """Where one step is: a task's statuses, plus ``skipped``."""

    OPEN = "open"
    PROCESSING = "processing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"


_STEP_STATUSES = frozenset(str(status) for status in StepStatus)


def iso(value: datetime | None) -> str | None:
    """A timestamp as ISO 8601 with ``Z`` (SQLite hands back naive UTC datetimes)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.isoformat().replace("+00:00", "Z")


def parse_iso(text: object) -> datetime | None:
    """The inverse of ``iso`` (None for anything that is not a timestamp)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class TaskUser:
    """Who created a task: their entity ref and (when known) their catalog entity."""

    ref: str
    entity: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        """Backstage's shape."""
        return {"entity": self.entity, "ref": self.ref}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TaskUser:
        """The inverse of ``as_dict``."""
        data = data or {}
        entity = data.get("entity")
        return cls(ref=str(data.get("ref") or ""), entity=dict(entity) if entity else None)


def _step_spec(data: Mapping[str, Any]) -> StepSpec:
    return StepSpec(
        id=str(data["id"]),
        name=str(data.get("name") or data["id"]),
        action=str(data["action"]),
        input=dict(data.get("input") or {}),
        if_=data.get("if"),
        each=data.get("each"),
    )


@dataclass(frozen=True, slots=True)
class TaskSpec:
    """What a task runs: the template's steps and output, the values, the user, the template."""

    steps: tuple[StepSpec, ...]
    parameters: dict[str, Any]
    user: TaskUser
    template_info: TemplateInfo
    output: dict[str, Any] = field(default_factory=dict)
    api_version: str = API_VERSION

    def template(self) -> Template:
        """The template to run: these steps and output, with the files where the template's are."""
        return Template(
            entity={"metadata": dict(self.template_info.metadata)},
            parameters=[],
            steps=list(self.steps),
            output=dict(self.output),
            base_dir=self.template_info.base_dir,
            base_url=self.template_info.remote_base,
        )

    def as_dict(self) -> dict[str, Any]:
        """Backstage's ``TaskSpecV1beta3``."""
        return {
            "apiVersion": self.api_version,
            "steps": [step.as_dict() for step in self.steps],
            "output": self.output,
            "parameters": self.parameters,
            "user": self.user.as_dict(),
            "templateInfo": self.template_info.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskSpec:
        """The inverse of ``as_dict``."""
        return cls(
            steps=tuple(_step_spec(step) for step in data.get("steps") or ()),
            parameters=dict(data.get("parameters") or {}),
            user=TaskUser.from_dict(data.get("user")),
            template_info=TemplateInfo.from_dict(data.get("templateInfo")),
            output=dict(data.get("output") or {}),
            api_version=str(data.get("apiVersion") or API_VERSION),
        )


@dataclass(frozen=True, slots=True)
class StepState:
    """One step's progress: its status and when it started and ended."""

    id: str
    name: str
    action: str
    status: StepStatus = StepStatus.OPEN
    started_at: str | None = None
    ended_at: str | None = None

    @classmethod
    def open(cls, step: StepSpec) -> StepState:
        """A step that has not run yet."""
        return cls(id=step.id, name=step.name, action=step.action)

    def as_dict(self) -> dict[str, Any]:
        """Backstage's step shape."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "action": self.action,
            "status": str(self.status),
        }
        if self.started_at is not None:
            data["startedAt"] = self.started_at
        if self.ended_at is not None:
            data["endedAt"] = self.ended_at
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StepState:
        """The inverse of ``as_dict``."""
        return cls(
            id=str(data["id"]),
            name=str(data.get("name") or data["id"]),
            action=str(data.get("action") or ""),
            status=StepStatus(str(data.get("status") or StepStatus.OPEN)),
            started_at=data.get("startedAt"),
            ended_at=data.get("endedAt"),
        )


@dataclass(frozen=True, slots=True)
class StepChange:
    """A step's move to a new status, and when (``started_at`` for processing, else ended)."""

    step_id: str
    status: StepStatus
    at: str

    def apply(self, state: StepState) -> StepState:
        """The state after this change."""
        if self.status == StepStatus.PROCESSING:
            return dataclasses.replace(state, status=self.status, started_at=self.at)
        return dataclasses.replace(state, status=self.status, ended_at=self.at)


@dataclass(frozen=True, slots=True)
class NotUndone:
    """An undo that failed, and why."""

    description: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        """JSON data."""
        return {"description": self.description, "reason": self.reason}


@dataclass
class RollbackReport:
    """What the rollback undid and what it could not undo, with the reason."""

    undone: list[str] = field(default_factory=list)
    failed: list[NotUndone] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON data for the final event."""
        return {"undone": list(self.undone), "notUndone": [f.as_dict() for f in self.failed]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RollbackReport:
        """The inverse of ``as_dict``."""
        return cls(
            undone=[str(item) for item in data.get("undone") or ()],
            failed=[
                NotUndone(str(item.get("description", "")), str(item.get("reason", "")))
                for item in data.get("notUndone") or ()
            ],
        )


@dataclass(frozen=True, slots=True)
class TaskError:
    """Why a task did not complete: the error's type name, message, problems, rollback."""

    name: str
    message: str
    errors: tuple[FieldError, ...] = ()
    rollback: RollbackReport | None = None

    def as_dict(self) -> dict[str, Any]:
        """Backstage's serialised error, plus goldpath's rollback report."""
        data: dict[str, Any] = {
            "name": self.name,
            "message": self.message,
            "errors": [error.as_dict() for error in self.errors],
        }
        if self.rollback is not None:
            data["rollback"] = self.rollback.as_dict()
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskError:
        """The inverse of ``as_dict``."""
        rollback = data.get("rollback")
        return cls(
            name=str(data.get("name") or "Error"),
            message=str(data.get("message") or ""),
            errors=tuple(
                FieldError(str(e.get("field", "")), str(e.get("rule", "")), str(e.get("message")))
                for e in data.get("errors") or ()
            ),
            rollback=RollbackReport.from_dict(rollback) if isinstance(rollback, Mapping) else None,
        )


@dataclass(frozen=True)
class TaskEvent:
    """One entry of a task's append-only event log."""

    id: int
    task_id: str
    type: str
    body: dict[str, Any]
    created_at: datetime

    @property
    def is_last(self) -> bool:
        """Whether this event ends the task's log (``completion`` or ``cancelled``)."""
        return self.type in ("completion", "cancelled")

    @property
    def message(self) -> str | None:
        """The event's log line, if it has one."""
        message = self.body.get("message")
        return message if isinstance(message, str) else None

    @property
    def step_change(self) -> tuple[str, StepStatus] | None:
        """``(step id, new status)`` when this event records a step's transition."""
        step_id, status = self.body.get("stepId"), self.body.get("status")
        if isinstance(step_id, str) and isinstance(status, str) and status in _STEP_STATUSES:
            return step_id, StepStatus(status)
        return None

    def as_dict(self) -> dict[str, Any]:
        """Backstage's event shape."""
        return {
            "id": self.id,
            "taskId": self.task_id,
            "type": self.type,
            "body": self.body,
            "createdAt": iso(self.created_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskEvent:
        """The inverse of ``as_dict``."""
        return cls(
            id=int(data["id"]),
            task_id=str(data.get("taskId") or ""),
            type=str(data.get("type") or "log"),
            body=dict(data.get("body") or {}),
            created_at=parse_iso(data.get("createdAt")) or datetime.now(UTC),
        )


@dataclass(frozen=True)
class TaskRecord:
    """A task: its spec, status, steps, and how it ended."""

    id: str
    status: TaskStatus
    spec: TaskSpec
    created_by: str
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    heartbeat_at: datetime | None = None
    claimed_by: str | None = None
    cancel_requested: bool = False
    steps: list[StepState] = field(default_factory=list)
    undo: list[UndoRecord] = field(default_factory=list)
    output: dict[str, Any] | None = None
    error: TaskError | None = None
    reserved_name: str | None = None
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def duration_seconds(self) -> float | None:
        """Time from claim to finish, when both are known."""
        if self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()

    def as_dict(self) -> dict[str, Any]:
        """Backstage's task shape plus per-step state, output and error."""
        return {
            "id": self.id,
            "spec": self.spec.as_dict(),
            "status": str(self.status),
            "createdAt": iso(self.created_at),
            "createdBy": self.created_by,
            "lastHeartbeatAt": iso(self.heartbeat_at),
            "startedAt": iso(self.started_at),
            "finishedAt": iso(self.finished_at),
            "steps": [step.as_dict() for step in self.steps],
            "output": self.output,
            "error": self.error.as_dict() if self.error is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TaskRecord:
        """A task as a portal's REST API answers it (``as_dict``'s shape)."""
        error = data.get("error")
        return cls(
            id=str(data["id"]),
            status=TaskStatus(data["status"]),
            spec=TaskSpec.from_dict(data.get("spec") or {}),
            created_by=str(data.get("createdBy") or ""),
            created_at=parse_iso(data.get("createdAt")) or datetime.now(UTC),
            started_at=parse_iso(data.get("startedAt")),
            finished_at=parse_iso(data.get("finishedAt")),
            heartbeat_at=parse_iso(data.get("lastHeartbeatAt")),
            steps=[StepState.from_dict(step) for step in data.get("steps") or ()],
            output=dict(data["output"]) if isinstance(data.get("output"), Mapping) else None,
            error=TaskError.from_dict(error) if isinstance(error, Mapping) else None,
        )
