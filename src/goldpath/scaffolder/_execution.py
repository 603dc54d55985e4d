"""Running tasks: a claimed task runs to its end with heartbeats, and its end is recorded."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goldpath.config import Settings
from goldpath.errors import GoldpathError
from goldpath.scaffolder._actions import ActionRegistry, TaskIdentity, UndoRecord
from goldpath.scaffolder._runner import RunOutcome, run_template
from goldpath.scaffolder._store import TaskStore, redact
from goldpath.scaffolder._task import StepChange, StepStatus, TaskError, TaskRecord, TaskStatus

__all__ = ["TaskExecutor", "TaskSink"]

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class TaskSink:
    """Writes a running task's log, step states and undo records to the store.

    Log lines and step changes are queued and written together in one transaction: with
    the next undo record, a step's failure, or the task's end, and by the executor's
    ticker once they are ``flush_seconds`` old (`flush_due`). So a step that starts and
    ends within that time costs no write of its own (the write of a step's start and
    end was most of a Create's database time), and a longer step shows as running
    ``flush_seconds`` after it starts. Nothing is lost to a crash in between, since a
    task whose worker died is rolled back from its undo records, which are always
    written before the action that made them returns.
    """

    def __init__(
        self,
        store: TaskStore,
        task: TaskRecord,
        cancel: threading.Event,
        *,
        flush_seconds: float = 0.25,
    ) -> None:
        self.store = store
        self.task_id = task.id
        self.secrets = list(task.secrets.values())
        self._cancel = cancel
        self._pending: list[tuple[str, dict[str, Any]]] = []
        self._pending_steps: list[StepChange] = []
        self._oldest = 0.0
        self._flush_seconds = flush_seconds
        self._lock = threading.Lock()
        # one writer at a time, so events keep their order when the heartbeat flushes
        self._write_lock = threading.Lock()

    def take_all(self) -> tuple[list[tuple[str, dict[str, Any]]], list[StepChange]]:
        """Queued events and step changes, removed from the queue (the caller writes them)."""
        with self._lock:
            events, self._pending = self._pending, []
            steps, self._pending_steps = self._pending_steps, []
        return events, steps

    def log(self, message: str, *, step_id: str | None = None) -> None:
        """Queue a log event (redacted when written)."""
        body: dict[str, Any] = {"message": message}
        if step_id is not None:
            body["stepId"] = step_id
        self._queue(("log", body))

    def _queue(
        self, event: tuple[str, dict[str, Any]], step: StepChange | None = None
    ) -> None:
        with self._lock:
            if not self._pending:
                self._oldest = time.monotonic()
            self._pending.append(event)
            if step is not None:
                self._pending_steps.append(step)
            due = time.monotonic() - self._oldest >= self._flush_seconds
        if due:
            self.flush()

    def _write(self, **extra: Any) -> None:
        with self._write_lock:
            events, steps = self.take_all()
            if events or steps or extra:
                self.store.record(
                    self.task_id, events=events, steps=steps, secrets=self.secrets, **extra
                )

    def flush(self) -> None:
        """Write queued log events and step changes now."""
        self._write()

    @property
    def flush_seconds(self) -> float:
        """How long a queued event may wait for a write."""
        return self._flush_seconds

    def flush_due(self) -> None:
        """Write what is queued if the oldest of it has waited ``flush_seconds``."""
        with self._lock:
            due = bool(self._pending) and (
                time.monotonic() - self._oldest >= self._flush_seconds
            )
        if due:
            self._write()

    def step(self, step_id: str, status: StepStatus) -> None:
        """Record a step transition as step state and as an event (with queued lines).

        A step's failure or cancellation is written at once; its start and end wait for
        the next write (at most ``flush_seconds``).
        """
        event = (
            "log",
            {"stepId": step_id, "status": str(status), "message": f"Step {step_id} {status}"},
        )
        self._queue(event, StepChange(step_id, status, _now()))
        if status in (StepStatus.FAILED, StepStatus.CANCELLED):
            self._write()

    def undo_recorded(self, record: UndoRecord) -> None:
        """Persist the undo before the action returns, so a later process can run it."""
        self._write(undo=record)

    def cancelled(self) -> bool:
        """Whether cancellation was requested (refreshed by the heartbeat)."""
        return self._cancel.is_set()


class TaskExecutor:
    """Claims open tasks and runs them with the registry's actions (one task per call)."""

    def __init__(self, *, store: TaskStore, registry: ActionRegistry, settings: Settings) -> None:
        self.store = store
        self.registry = registry
        self.settings = settings

    def workspace_of(self, task_id: str) -> Path:
        """Where a task's files are made (removed when it ends)."""
        return self.settings.workspace_root / task_id

    def execute(self, task: TaskRecord, *, worker_id: str) -> RunOutcome:
        """Run a claimed task to its end, with heartbeats, and record how it ended."""
        cancel = threading.Event()
        if task.cancel_requested:
            cancel.set()
        stop = threading.Event()

        sink = TaskSink(self.store, task, cancel)

        def beat() -> None:
            # Ticks often enough to write what waits in the sink on time (a long step's
            # start and lines show up while it runs), beats at the heartbeat's pace.
            every = self.settings.scaffolder.heartbeat_seconds
            tick = min(every, sink.flush_seconds / 2)
            next_beat = time.monotonic() + every
            while not stop.wait(tick):
                try:
                    if time.monotonic() >= next_beat:
                        next_beat = time.monotonic() + every
                        if self.store.heartbeat(task.id, worker_id):
                            cancel.set()
                    sink.flush_due()
                except Exception:  # a missed heartbeat is retried on the next beat
                    log.exception("heartbeat of task %s failed", task.id)

        beater = threading.Thread(target=beat, name=f"heartbeat-{task.id[:8]}", daemon=True)
        beater.start()
        workspace = self.workspace_of(task.id)
        spec = task.spec
        identity = TaskIdentity(user_ref=spec.user.ref or task.created_by, entity=spec.user.entity)
        try:
            outcome = run_template(
                spec.template(),
                spec.parameters,
                registry=self.registry,
                workspace=workspace,
                task_id=task.id,
                sink=sink,
                settings=self.settings,
                secrets=task.secrets,
                identity=identity,
            )
            self._finish(task.id, outcome, sink)
            return outcome
        finally:
            stop.set()
            beater.join()
            shutil.rmtree(workspace, ignore_errors=True)

    def _finish(self, task_id: str, outcome: RunOutcome, sink: TaskSink) -> None:
        secrets = sink.secrets
        body: dict[str, Any] = {
            "status": str(outcome.status),
            "message": f"Run completed with status: {outcome.status}",
        }
        error: TaskError | None = None
        if outcome.status == TaskStatus.COMPLETED:
            body["output"] = outcome.output
        else:
            exc = outcome.error
            error = TaskError.from_dict(
                redact(
                    TaskError(
                        name=type(exc).__name__,
                        message=exc.message if isinstance(exc, GoldpathError) else str(exc),
                        errors=tuple(getattr(exc, "errors", ()) or ()),
                        rollback=outcome.rollback,
                    ).as_dict(),
                    secrets,
                )
            )
            body["error"] = error.as_dict()
            if error.rollback is not None:
                body["rollback"] = error.rollback.as_dict()
        output = redact(outcome.output, secrets) if outcome.status == TaskStatus.COMPLETED else None
        events, steps = sink.take_all()  # the last step's end and lines still queued
        last = "cancelled" if outcome.status == TaskStatus.CANCELLED else "completion"
        self.store.finish(
            task_id,
            outcome.status,
            output=output,
            error=error,
            events=[*events, (last, body)],
            steps=steps,
            secrets=secrets,
        )

    def run_next(self, worker_id: str) -> RunOutcome | None:
        """Claim and run the oldest open task, if there is one."""
        task = self.store.claim(worker_id)
        if task is None:
            return None
        return self.execute(task, worker_id=worker_id)
