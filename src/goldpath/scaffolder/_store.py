"""The task store: tasks, per-step state, persisted undo records, events, reservations.

Claiming is atomic: ``SELECT ... FOR UPDATE SKIP LOCKED`` on PostgreSQL (several
portal replicas share one queue) and a guarded ``UPDATE ... WHERE status='open'``
on SQLite, whose writers are serialised anyway.

Every event written is published once its transaction commits: to the task broker of
this process, and on PostgreSQL with a ``NOTIFY`` in the same transaction, which the
other replicas' relays pick up (see ``_broker.py``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from goldpath.db import Database
from goldpath.redaction import redact
from goldpath.scaffolder._actions import UndoRecord
from goldpath.scaffolder._tables import reservations, task_events, tasks
from goldpath.scaffolder._task import (
    FINISHED,
    StepChange,
    StepState,
    TaskError,
    TaskEvent,
    TaskRecord,
    TaskSpec,
    TaskStatus,
)
from goldpath.scaffolder.errors import NameReservedError, TaskNotFoundError, TaskStateError

__all__ = [
    "FINISHED",
    "NOTIFY_CHANNEL",
    "TaskEvent",
    "TaskEventSink",
    "TaskRecord",
    "TaskStatus",
    "TaskStore",
    "redact",
]

NOTIFY_CHANNEL = "goldpath_tasks"
"""The PostgreSQL channel task events and queued tasks are announced on."""

# The statements a running task writes with, built once: a Create writes a few of each,
# and building one (its clauses and cache key) cost about what running it does.
_CHANGEABLE = (
    select(tasks.c.steps, tasks.c.undo).where(tasks.c.id == bindparam("task")).with_for_update()
)
_CHANGE = update(tasks).where(tasks.c.id == bindparam("task"))
"""Sets the columns its parameters name (besides ``task``)."""
_APPEND_EVENTS = insert(task_events).returning(task_events.c.id, sort_by_parameter_order=True)


def _now() -> datetime:
    return datetime.now(UTC)


def _claimed(worker_id: str, now: datetime) -> dict[str, Any]:
    """The columns a claim sets."""
    return {
        "status": TaskStatus.PROCESSING,
        "claimed_by": worker_id,
        "started_at": now,
        "heartbeat_at": now,
    }


def _record(row: Row[Any]) -> TaskRecord:
    return TaskRecord(
        id=row.id,
        status=TaskStatus(row.status),
        spec=TaskSpec.from_dict(row.spec or {}),
        created_by=row.created_by,
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        heartbeat_at=row.heartbeat_at,
        claimed_by=row.claimed_by,
        cancel_requested=bool(row.cancel_requested),
        steps=[StepState.from_dict(step) for step in row.steps or ()],
        undo=[UndoRecord.from_dict(item) for item in (row.undo or [])],
        output=row.output,
        error=TaskError.from_dict(row.error) if row.error else None,
        reserved_name=row.reserved_name,
        secrets=dict(row.secrets or {}),
    )


class TaskEventSink(Protocol):
    """Where committed events and queued tasks are announced (the task broker)."""

    def publish(self, task_id: str, events: Sequence[TaskEvent]) -> None:
        """Push a task's new events, in id order, to its subscribers."""

    def work_queued(self) -> None:
        """Wake an idle worker: a task was queued."""


class TaskStore:
    """Tasks and their events in the database."""

    def __init__(self, database: Database, *, broker: TaskEventSink | None = None) -> None:
        self.database = database
        self.broker = broker

    def _publish(self, task_id: str, events: Sequence[TaskEvent]) -> None:
        if self.broker is not None and events:
            self.broker.publish(task_id, events)

    # -- creation and reservations -------------------------------------------------

    def create(
        self,
        *,
        spec: TaskSpec,
        steps: Sequence[StepState],
        created_by: str,
        secrets: Mapping[str, str] | None = None,
        reserved_name: str | None = None,
        task_id: str | None = None,
        events: Sequence[tuple[str, Mapping[str, Any]]] = (),
    ) -> str:
        """Insert an open task, its first events and its name reservation in one transaction."""
        task_id = task_id or str(uuid.uuid4())
        now = _now()
        try:
            with self.database.session() as session:
                session.execute(
                    insert(tasks).values(
                        id=task_id,
                        status=TaskStatus.OPEN,
                        spec=spec.as_dict(),
                        secrets=dict(secrets or {}) or None,
                        created_by=created_by,
                        created_at=now,
                        cancel_requested=False,
                        steps=[step.as_dict() for step in steps],
                        undo=[],
                        reserved_name=reserved_name,
                    )
                )
                if reserved_name is not None:
                    session.execute(
                        insert(reservations).values(
                            name=reserved_name,
                            task_id=task_id,
                            created_by=created_by,
                            created_at=now,
                        )
                    )
                written = self._insert_events(session, task_id, events, (secrets or {}).values())
                if self.database.is_postgresql:
                    session.execute(select(func.pg_notify(NOTIFY_CHANNEL, f"queued {task_id}")))
        except IntegrityError:
            owner = self.reservation_owner(reserved_name) if reserved_name else None
            who = f"task {owner[0]} of {owner[1]}" if owner else "another task"
            raise NameReservedError(
                f"the name {reserved_name!r} is already being created by {who}",
                name=reserved_name,
                owner=owner[0] if owner else None,
            ) from None
        self._publish(task_id, written)
        if self.broker is not None:
            self.broker.work_queued()
        return task_id

    def reservation_owner(self, name: str) -> tuple[str, str] | None:
        """(task id, created by) of the task holding a name, if any."""
        with self.database.session() as session:
            row = session.execute(
                select(reservations.c.task_id, reservations.c.created_by).where(
                    reservations.c.name == name
                )
            ).first()
        return (row.task_id, row.created_by) if row else None

    def release(self, task_id: str) -> None:
        """Drop the task's name reservation."""
        with self.database.session() as session:
            session.execute(delete(reservations).where(reservations.c.task_id == task_id))

    # -- reading ---------------------------------------------------------------------

    def get(self, task_id: str) -> TaskRecord:
        """The task with this id (TaskNotFoundError otherwise)."""
        with self.database.session() as session:
            row = session.execute(select(tasks).where(tasks.c.id == task_id)).first()
        if row is None:
            raise TaskNotFoundError(f"no task {task_id}", id=task_id)
        return _record(row)

    def list_tasks(
        self,
        *,
        created_by: str | None = None,
        status: TaskStatus | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[TaskRecord], int]:
        """Tasks, newest first, and the total count for the filters."""
        conditions = []
        if created_by:
            conditions.append(tasks.c.created_by == created_by)
        if status:
            conditions.append(tasks.c.status == status)
        where = and_(*conditions) if conditions else None
        with self.database.session() as session:
            query = select(tasks).order_by(tasks.c.created_at.desc(), tasks.c.id)
            count = select(func.count()).select_from(tasks)
            if where is not None:
                query = query.where(where)
                count = count.where(where)
            rows = session.execute(query.limit(limit).offset(offset)).all()
            total = int(session.execute(count).scalar_one())
        return [_record(row) for row in rows], total

    def events(self, task_id: str, *, after: int | None = None) -> list[TaskEvent]:
        """The task's events in order, optionally only those after an event id."""
        with self.database.session() as session:
            query = select(task_events).where(task_events.c.task_id == task_id)
            if after is not None:
                query = query.where(task_events.c.id > after)
            rows = session.execute(query.order_by(task_events.c.id)).all()
        return [TaskEvent(r.id, r.task_id, r.type, r.body, r.created_at) for r in rows]

    # -- writing while running -----------------------------------------------------

    def append_event(
        self, task_id: str, type_: str, body: Mapping[str, Any], *, secrets: Iterable[str] = ()
    ) -> None:
        """Append one event; secret values are redacted before the row is written."""
        self.record(task_id, events=[(type_, body)], secrets=secrets)

    def record(
        self,
        task_id: str,
        *,
        events: Sequence[tuple[str, Mapping[str, Any]]] = (),
        steps: Sequence[StepChange] = (),
        undo: UndoRecord | None = None,
        secrets: Iterable[str] = (),
    ) -> None:
        """Write events, step changes and an undo record in one transaction."""
        with self.database.session() as session:
            if steps or undo is not None:
                self._change_task(session, task_id, steps=steps, undo=undo)
            written = self._insert_events(session, task_id, events, secrets)
        self._publish(task_id, written)

    def _change_task(
        self,
        session: Session,
        task_id: str,
        *,
        steps: Sequence[StepChange] = (),
        undo: UndoRecord | None = None,
        **values: Any,
    ) -> None:
        """Apply step changes (in order), append an undo record and set ``values``."""
        if steps or undo is not None:
            row = session.execute(_CHANGEABLE, {"task": task_id}).first()
            if row is None:
                raise TaskNotFoundError(f"no task {task_id}", id=task_id)
            if steps:
                states = [StepState.from_dict(item) for item in row.steps]
                for change in steps:
                    states = [
                        change.apply(state) if state.id == change.step_id else state
                        for state in states
                    ]
                values["steps"] = [state.as_dict() for state in states]
            if undo is not None:
                values["undo"] = [*(row.undo or []), undo.as_dict()]
        session.execute(_CHANGE, {"task": task_id, **values})

    def _insert_events(
        self,
        session: Session,
        task_id: str,
        events: Sequence[tuple[str, Mapping[str, Any]]],
        secrets: Iterable[str],
    ) -> list[TaskEvent]:
        """Insert events (redacted); on PostgreSQL, announce them when the transaction commits."""
        if not events:
            return []
        secrets = list(secrets)
        now = _now()
        rows = [
            {
                "task_id": task_id,
                "type": type_,
                "body": redact(dict(body), secrets),
                "created_at": now,
            }
            for type_, body in events
        ]
        ids = session.execute(_APPEND_EVENTS, rows).scalars()
        written = [
            TaskEvent(event_id, task_id, row["type"], row["body"], now)
            for event_id, row in zip(ids, rows, strict=True)
        ]
        if self.database.is_postgresql:
            payload = f"events {task_id} {written[-1].id}"
            session.execute(select(func.pg_notify(NOTIFY_CHANNEL, payload)))
        return written

    def update_step(self, task_id: str, change: StepChange) -> None:
        """Move one of the task's steps to a new status."""
        self.record(task_id, steps=[change])

    def add_undo(self, task_id: str, record: UndoRecord) -> None:
        """Persist one undo record (before the step that made it returns)."""
        self.record(task_id, undo=record)

    def finish(
        self,
        task_id: str,
        status: TaskStatus,
        *,
        output: Mapping[str, Any] | None = None,
        error: TaskError | None = None,
        events: Sequence[tuple[str, Mapping[str, Any]]] = (),
        steps: Sequence[StepChange] = (),
        secrets: Iterable[str] = (),
    ) -> None:
        """Mark the task finished, forget its secrets, release its reservation, log the end.

        ``events`` and ``steps`` (changes still queued by the run) go in the same
        transaction, so a finished task never shows a step still running.
        """
        with self.database.session() as session:
            written = self._insert_events(session, task_id, events, secrets)
            self._change_task(
                session,
                task_id,
                steps=steps,
                status=status,
                finished_at=_now(),
                output=dict(output) if output is not None else None,
                error=error.as_dict() if error is not None else None,
                secrets=None,
            )
            session.execute(delete(reservations).where(reservations.c.task_id == task_id))
        self._publish(task_id, written)

    # -- claiming, heartbeats, cancel, recovery --------------------------------------

    def claim(self, worker_id: str) -> TaskRecord | None:
        """Atomically move the oldest open task to processing for this worker."""
        now = _now()
        with self.database.session() as session:
            if self.database.is_postgresql:
                task_id = session.execute(
                    select(tasks.c.id)
                    .where(tasks.c.status == TaskStatus.OPEN)
                    .order_by(tasks.c.created_at)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).scalar_one_or_none()
                if task_id is None:
                    return None
                session.execute(
                    update(tasks).where(tasks.c.id == task_id).values(_claimed(worker_id, now))
                )
            else:
                oldest = (
                    select(tasks.c.id)
                    .where(tasks.c.status == TaskStatus.OPEN)
                    .order_by(tasks.c.created_at)
                    .limit(1)
                    .scalar_subquery()
                )
                result = session.execute(
                    update(tasks)
                    .where(tasks.c.id == oldest, tasks.c.status == TaskStatus.OPEN)
                    .values(_claimed(worker_id, now))
                    .returning(tasks.c.id)
                )
                task_id = result.scalar_one_or_none()
                if task_id is None:
                    return None
        return self.get(task_id)

    def claim_task(self, task_id: str, worker_id: str) -> TaskRecord | None:
        """Claim one particular open task (the CLI runs the task it created); None if taken."""
        now = _now()
        with self.database.session() as session:
            won = session.execute(
                update(tasks)
                .where(tasks.c.id == task_id, tasks.c.status == TaskStatus.OPEN)
                .values(_claimed(worker_id, now))
            ).rowcount  # type: ignore[attr-defined]
        return self.get(task_id) if won else None

    def heartbeat(self, task_id: str, worker_id: str) -> bool:
        """Refresh the heartbeat; returns whether cancellation was requested."""
        with self.database.session() as session:
            session.execute(
                update(tasks)
                .where(tasks.c.id == task_id, tasks.c.claimed_by == worker_id)
                .values(heartbeat_at=_now())
            )
            flag = session.execute(
                select(tasks.c.cancel_requested).where(tasks.c.id == task_id)
            ).scalar_one_or_none()
        return bool(flag)

    def request_cancel(self, task_id: str) -> TaskStatus:
        """Cancel an open task at once, or ask a processing one to stop; returns the status."""
        cancelled = (
            "cancelled",
            {"message": "Task was cancelled before it started", "status": "cancelled"},
        )
        written: list[TaskEvent] = []
        with self.database.session() as session:
            done = session.execute(
                update(tasks)
                .where(tasks.c.id == task_id, tasks.c.status == TaskStatus.OPEN)
                .values(
                    status=TaskStatus.CANCELLED,
                    finished_at=_now(),
                    secrets=None,
                    cancel_requested=True,
                )
            ).rowcount  # type: ignore[attr-defined]
            asked = 0
            status: str | None = TaskStatus.CANCELLED
            if done:
                session.execute(delete(reservations).where(reservations.c.task_id == task_id))
                written = self._insert_events(session, task_id, [cancelled], ())
            else:
                asked = session.execute(
                    update(tasks)
                    .where(tasks.c.id == task_id, tasks.c.status == TaskStatus.PROCESSING)
                    .values(cancel_requested=True)
                ).rowcount  # type: ignore[attr-defined]
                status = session.execute(
                    select(tasks.c.status).where(tasks.c.id == task_id)
                ).scalar_one_or_none()
        if done:
            self._publish(task_id, written)
            return TaskStatus.CANCELLED
        if asked:
            return TaskStatus.PROCESSING
        if status is None:
            raise TaskNotFoundError(f"no task {task_id}", id=task_id)
        raise TaskStateError(f"task {task_id} is already {status}", id=task_id, status=status)

    def stale(self, *, older_than: timedelta) -> list[str]:
        """Ids of processing tasks whose heartbeat is older than the timeout."""
        cutoff = _now() - older_than
        with self.database.session() as session:
            rows = session.execute(
                select(tasks.c.id).where(
                    tasks.c.status == TaskStatus.PROCESSING, tasks.c.heartbeat_at < cutoff
                )
            ).all()
        return [row.id for row in rows]

    def take_over(self, task_id: str, worker_id: str, *, older_than: timedelta) -> bool:
        """Claim a stale task for recovery; only one worker wins."""
        cutoff = _now() - older_than
        with self.database.session() as session:
            won = session.execute(
                update(tasks)
                .where(
                    tasks.c.id == task_id,
                    tasks.c.status == TaskStatus.PROCESSING,
                    tasks.c.heartbeat_at < cutoff,
                )
                .values(claimed_by=worker_id, heartbeat_at=_now())
            ).rowcount  # type: ignore[attr-defined]
        return bool(won)
