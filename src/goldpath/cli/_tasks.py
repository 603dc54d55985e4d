"""Where the CLI's scaffolder commands go: a running portal, or this process.

``RemoteTasks`` talks to a portal (its workers run the task; its event stream is
followed). ``LocalTasks`` works in-process with the composition root's parts: it runs
the task it creates on a thread of its own and follows it through the in-process task
broker. Commands see only ``TaskClient``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
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
    template_ref,
)

__all__ = ["LocalTasks", "RemoteTasks", "TaskClient"]


class TaskClient(Protocol):
    """What ``goldpath create`` and ``goldpath tasks`` ask of the scaffolder."""

    @property
    def where(self) -> str:
        """Who runs the tasks, for the user (``the portal at ...`` or ``this process``)."""

    def template_ref(self, template: str) -> str:
        """The full ref of a template named by name or ref (NotFound when there is none)."""

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
        identity: TaskIdentity,
        cross_process: bool,
    ) -> None:
        self.templates = templates
        self.creator = creator
        self.store = store
        self.executor = executor
        self.dry_runner = dry_runner
        self.feed = feed
        self.identity = identity
        self.cross_process = cross_process
        self._parsed: dict[str, Template] = {}
        self._runners: dict[str, threading.Thread] = {}

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

    def dry_run(self, template_ref: str, values: Mapping[str, Any]) -> DryRunResult:
        """A dry run in this process."""
        return self.dry_runner.run(self._template(template_ref), values)

    def create(self, template_ref: str, values: Mapping[str, Any]) -> str:
        """Queue a task, created by this user."""
        return self.creator.create(self._template(template_ref), values, identity=self.identity)

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

    def get(self, task_id: str) -> TaskRecord:
        """One task."""
        return self.store.get(task_id)

    def list_tasks(self, *, status: TaskStatus | None, limit: int) -> tuple[list[TaskRecord], int]:
        """Tasks, newest first."""
        return self.store.list_tasks(status=status, limit=limit)

    def cancel(self, task_id: str) -> TaskStatus:
        """Cancel now, or ask the running task to stop."""
        return self.store.request_cancel(task_id)

    def events(self, task_id: str, *, after: int | None = None) -> list[TaskEvent]:
        """The events so far."""
        self.store.get(task_id)  # NotFound for an unknown task
        return self.store.events(task_id, after=after)

    def follow(self, task_id: str, *, after: int | None = None) -> Iterator[TaskEvent]:
        """Pushed by the task broker: for a task this process runs, or (PostgreSQL) any."""
        if task_id in self._runners or self.cross_process:
            for event in self.feed.follow(task_id, after=after):
                if event is not None:
                    yield event
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
