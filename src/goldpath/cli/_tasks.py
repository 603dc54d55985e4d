"""Where the CLI's scaffolder commands go: a running portal, or this process.

``RemoteTasks`` talks to a portal (its workers run the task; its event stream is
followed). ``LocalTasks`` works in-process with the composition root's parts: it runs
the task it creates on a thread of its own and follows it through the in-process task
broker. Commands see only ``TaskClient``.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from goldpath.cli._portal import PortalClient
from goldpath.cli.errors import FollowNeedsPortalError
from goldpath.scaffolder import (
    DryRunner,
    DryRunResult,
    TaskCreator,
    TaskEvent,
    TaskExecutor,
    TaskFeed,
    TaskIdentity,
    TaskRecord,
    TaskStatus,
    TaskStore,
    Template,
    Templates,
    parse_template,
    template_ref,
)

__all__ = ["LocalTasks", "RemoteTasks", "TaskClient", "TaskGuard"]


class TaskGuard(Protocol):
    """What this process may do with tasks, for whom (the CLI's permissions)."""

    def run(self, template: Template, *, dry_run: bool) -> TaskIdentity:
        """Authorize running the template (or dry-running it); who the task runs for."""

    def read(self, task: TaskRecord) -> None:
        """Authorize reading the task; raise when refused."""

    def readable(self, task: TaskRecord) -> bool:
        """Whether the task's parameters may be shown."""

    def cancel(self, task: TaskRecord) -> None:
        """Authorize cancelling the task; raise when refused."""


class TaskClient(Protocol):
    """What ``goldpath create`` and ``goldpath tasks`` ask of the scaffolder."""

    @property
    def where(self) -> str:
        """Who runs the tasks, for the user (``the portal at ...`` or ``this process``)."""

    def template_ref(self, template: str) -> str:
        """The full ref of a template named by name or ref (NotFound when there is none)."""

    def text_parameters(self, template_ref: str) -> frozenset[str]:
        """The template's parameters declared as strings (``--set`` keeps them as typed)."""

    def dry_run(self, template_ref: str, values: Mapping[str, Any]) -> DryRunResult:
        """A dry run of the template."""

    def create(self, template_ref: str, values: Mapping[str, Any]) -> str:
        """Queue a task; its id."""

    def run(self, task_id: str) -> None:
        """Make sure the task runs (this process runs it, or the portal's workers do)."""

    def get(self, task_id: str) -> TaskRecord:
        """One task."""

    def list_tasks(self, *, status: TaskStatus | None, limit: int) -> tuple[list[TaskRecord], int]:
        """Tasks, newest first, and how many there are."""

    def cancel(self, task_id: str) -> TaskStatus:
        """Cancel a task."""

    def events(self, task_id: str, *, after: int | None = None) -> list[TaskEvent]:
        """The task's events so far."""

    def follow(self, task_id: str, *, after: int | None = None) -> Iterator[TaskEvent]:
        """The task's events, then each new one as it happens, until its last."""

    def close(self) -> None:
        """Wait for what this process runs, and let go of connections."""


class RemoteTasks:
    """Tasks on a running portal."""

    def __init__(self, portal: PortalClient) -> None:
        self.portal = portal

    @property
    def where(self) -> str:
        """The portal's URL."""
        return f"the portal at {self.portal.base_url}"

    def template_ref(self, template: str) -> str:
        """The template's full ref, checked against the portal's catalog."""
        ref = template_ref(template)
        self.portal.template(ref)
        return ref

    def text_parameters(self, template_ref: str) -> frozenset[str]:
        """The template's string parameters, as the portal's catalog has it."""
        return parse_template(self.portal.template(template_ref)).text_parameters

    def dry_run(self, template_ref: str, values: Mapping[str, Any]) -> DryRunResult:
        """A dry run on the portal, of the template as its catalog has it."""
        return self.portal.dry_run(self.portal.template(template_ref), values)

    def create(self, template_ref: str, values: Mapping[str, Any]) -> str:
        """``POST /tasks``."""
        return self.portal.create_task(template_ref, values)

    def run(self, task_id: str) -> None:
        """Nothing: the portal's workers run it."""
        del task_id

    def get(self, task_id: str) -> TaskRecord:
        """``GET /tasks/:id``."""
        return self.portal.task(task_id)

    def list_tasks(self, *, status: TaskStatus | None, limit: int) -> tuple[list[TaskRecord], int]:
        """``GET /tasks``."""
        return self.portal.tasks(status=status, limit=limit)

    def cancel(self, task_id: str) -> TaskStatus:
        """``POST /tasks/:id/cancel``."""
        return self.portal.cancel(task_id)

    def events(self, task_id: str, *, after: int | None = None) -> list[TaskEvent]:
        """``GET /tasks/:id/events``."""
        return self.portal.events(task_id, after=after)

    def follow(self, task_id: str, *, after: int | None = None) -> Iterator[TaskEvent]:
        """The portal's event stream."""
        return self.portal.follow(task_id, after=after)

    def close(self) -> None:
        """Close the connection pool."""
        self.portal.close()


class LocalTasks:
    """Tasks in this process's database; a task this process creates, it also runs.

    ``cross_process`` says whether events other processes write reach this one (the
    PostgreSQL relay runs); without it a task another process runs cannot be followed.
    ``guard`` decides what may be done, and for whom a task runs; a task nobody will finish
    (its worker stopped beating for ``heartbeat_timeout`` seconds) is followed no further.
    """

    def __init__(
        self,
        *,
        templates: Templates,
        creator: TaskCreator,
        store: TaskStore,
        executor: TaskExecutor,
        dry_runner: DryRunner,
        feed: TaskFeed,
        guard: TaskGuard,
        cross_process: bool,
        heartbeat_timeout: float,
    ) -> None:
        self.templates = templates
        self.creator = creator
        self.store = store
        self.executor = executor
        self.dry_runner = dry_runner
        self.feed = feed
        self.guard = guard
        self.cross_process = cross_process
        self.heartbeat_timeout = heartbeat_timeout
        self._parsed: dict[str, Template] = {}
        self._runners: dict[str, threading.Thread] = {}
        self._readable: set[str] = set()

    @property
    def where(self) -> str:
        """This process."""
        return "this process"

    def _template(self, ref: str) -> Template:
        if ref not in self._parsed:
            template = self.templates.get(ref)
            self._parsed[template.ref] = self._parsed[ref] = template
        return self._parsed[ref]

    def template_ref(self, template: str) -> str:
        """The template's full ref, checked against the catalog."""
        return self._template(template).ref

    def text_parameters(self, template_ref: str) -> frozenset[str]:
        """The template's string parameters."""
        return self._template(template_ref).text_parameters

    def dry_run(self, template_ref: str, values: Mapping[str, Any]) -> DryRunResult:
        """A dry run in this process."""
        template = self._template(template_ref)
        self.guard.run(template, dry_run=True)
        return self.dry_runner.run(template, values)

    def create(self, template_ref: str, values: Mapping[str, Any]) -> str:
        """Queue a task, for whom the guard says."""
        template = self._template(template_ref)
        identity = self.guard.run(template, dry_run=False)
        task_id = self.creator.create(template, values, identity=identity)
        self._readable.add(task_id)  # its creator reads it as it runs
        return task_id

    def run(self, task_id: str) -> None:
        """Claim the task and run it on a thread of this process (if no worker took it)."""
        worker_id = f"cli-{task_id[:8]}"
        claimed = self.store.claim_task(task_id, worker_id)
        if claimed is None:
            return
        runner = threading.Thread(
            target=self.executor.execute,
            args=(claimed,),
            kwargs={"worker_id": worker_id},
            name=f"cli-task-{task_id[:8]}",
            daemon=True,
        )
        self._runners[task_id] = runner
        runner.start()

    def _read(self, task_id: str) -> TaskRecord:
        task = self.store.get(task_id)
        if task_id not in self._readable:
            self.guard.read(task)
            self._readable.add(task_id)
        return task

    def get(self, task_id: str) -> TaskRecord:
        """One task (reading it is authorized once)."""
        return self._read(task_id)

    def list_tasks(self, *, status: TaskStatus | None, limit: int) -> tuple[list[TaskRecord], int]:
        """Tasks, newest first; the parameters only of those the guard lets this user read."""
        items, total = self.store.list_tasks(status=status, limit=limit)
        shown = [
            task
            if self.guard.readable(task)
            else dataclasses.replace(task, spec=dataclasses.replace(task.spec, parameters={}))
            for task in items
        ]
        return shown, total

    def cancel(self, task_id: str) -> TaskStatus:
        """Cancel now, or ask the running task to stop."""
        self.guard.cancel(self.store.get(task_id))
        return self.store.request_cancel(task_id)

    def events(self, task_id: str, *, after: int | None = None) -> list[TaskEvent]:
        """The events so far."""
        self._read(task_id)
        return self.store.events(task_id, after=after)

    def _nobody_finishes(self, task_id: str) -> bool:
        """Whether the task will never end: its runner here died, or its worker went silent."""
        runner = self._runners.get(task_id)
        if runner is not None:
            return not runner.is_alive()
        task = self.store.get(task_id)
        if task.status != TaskStatus.PROCESSING or task.heartbeat_at is None:
            return False
        beat = task.heartbeat_at
        beat = beat if beat.tzinfo else beat.replace(tzinfo=UTC)
        return (datetime.now(UTC) - beat).total_seconds() > self.heartbeat_timeout

    def follow(self, task_id: str, *, after: int | None = None) -> Iterator[TaskEvent]:
        """Pushed by the task broker: for a task this process runs, or (PostgreSQL) any."""
        self._read(task_id)
        if task_id in self._runners or self.cross_process:
            for event in self.feed.follow(task_id, after=after):
                if event is not None:
                    yield event
                elif self._nobody_finishes(task_id):
                    return  # the caller reports the task as it stands
            return
        task = self.store.get(task_id)
        events = self.store.events(task_id, after=after)
        yield from events
        if not task.status.finished and not (events and events[-1].is_last):
            raise FollowNeedsPortalError(
                f"task {task_id} is {task.status} in another process, and without a portal "
                "this process cannot hear from it: run `goldpath serve` (the CLI then "
                "follows through it) or use PostgreSQL",
                task_id=task_id,
            )

    def close(self) -> None:
        """Wait for the tasks this process runs."""
        for runner in self._runners.values():
            runner.join()
        self._runners.clear()
