"""The scaffolder service: create tasks (validated, names reserved), run them, dry run, recover."""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from goldpath.config import Settings
from goldpath.db import Database
from goldpath.errors import FieldError, GoldpathError
from goldpath.scaffolder._actions import ActionRegistry, IdentityLike, TaskIdentity, UndoRecord
from goldpath.scaffolder._dryrun import DryRunResult, dry_run
from goldpath.scaffolder._expressions import render_value
from goldpath.scaffolder._owners import check_owners
from goldpath.scaffolder._paths import is_http_url
from goldpath.scaffolder._runner import RunOutcome, expression_context, run_template, run_undo
from goldpath.scaffolder._skeleton import SkeletonFile
from goldpath.scaffolder._store import TaskRecord, TaskStore, redact
from goldpath.scaffolder._template import (
    API_VERSION,
    StepSpec,
    Template,
    parameter_schema,
    parse_template,
    validate_values,
    with_declared,
    with_defaults,
)
from goldpath.scaffolder.errors import (
    NameReservedError,
    TemplateInvalidError,
    TemplateNotFoundError,
    TemplateValuesError,
)
from goldpath.scratch import process_scratch

if TYPE_CHECKING:
    from goldpath.runtime import Runtime

__all__ = ["ScaffolderService", "TaskSink"]

log = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class TaskSink:
    """Writes a running task's log, step states and undo records to the store.

    Log lines are buffered briefly and written together with the next step change or
    undo record (one transaction), or once they are ``flush_seconds`` old. A step that
    ends (completed or skipped) is written with the next write too: the next step's
    start, an undo record, or the task's end. Nothing is lost to a crash in between,
    since a task whose worker died is rolled back from its undo records, which are
    always written before the action that made them returns.
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
        self._pending_steps: list[tuple[str, dict[str, Any]]] = []
        self._oldest = 0.0
        self._flush_seconds = flush_seconds
        self._lock = threading.Lock()
        # one writer at a time, so events keep their order when the heartbeat flushes
        self._write_lock = threading.Lock()

    def take_all(self) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]]]:
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
        self, event: tuple[str, dict[str, Any]], step: tuple[str, dict[str, Any]] | None = None
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

    def step(self, step_id: str, status: str) -> None:
        """Record a step transition as step state and as an event (with queued lines).

        A step's start and failure are written at once; its end with the next write.
        """
        changes: dict[str, Any] = {"status": status}
        changes["startedAt" if status == "processing" else "endedAt"] = _now()
        event = (
            "log",
            {"stepId": step_id, "status": status, "message": f"Step {step_id} {status}"},
        )
        self._queue(event, (step_id, changes))
        if status not in ("completed", "skipped"):
            self._write()

    def undo_recorded(self, record: UndoRecord) -> None:
        """Persist the undo before the action returns, so a later process can run it."""
        self._write(undo=record)

    def cancelled(self) -> bool:
        """Whether cancellation was requested (refreshed by the heartbeat)."""
        return self._cancel.is_set()


class ScaffolderService:
    """Everything the web layer and the CLI ask of the scaffolder."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        registry: ActionRegistry | None = None,
        runtime: Runtime | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.registry = registry if registry is not None else ActionRegistry.default()
        self.runtime = runtime
        self.store = TaskStore(database)
        self.wakeup = threading.Event()

    # -- templates -------------------------------------------------------------------

    def register_builtin_templates(self) -> list[str]:
        """Register every built-in template.yaml as its own catalog file location."""
        from goldpath.templates import builtin_template_paths

        catalog = getattr(self.runtime, "catalog", None) if self.runtime is not None else None
        if catalog is None:
            return []
        registered: list[str] = []
        for path in builtin_template_paths():
            try:
                catalog.ensure_location("file", str(path), origin="builtin")
            except GoldpathError as exc:  # one broken template must not stop the portal
                log.warning("built-in template %s was not registered: %s", path, exc.message)
                continue
            registered.append(str(path))
        return registered

    def get_template(self, ref: str) -> Template:
        """The Template entity with this ref from the catalog, parsed."""
        catalog = getattr(self.runtime, "catalog", None) if self.runtime is not None else None
        if catalog is None:
            raise TemplateNotFoundError(f"no catalog to load {ref} from", ref=ref)
        full = ref if ":" in ref else f"template:{ref}"
        if "/" not in full:
            kind, _, name = full.partition(":")
            full = f"{kind}:default/{name}"
        try:
            entity = catalog.get_entity(full)
        except GoldpathError as exc:
            raise TemplateNotFoundError(f"no template {full} in the catalog", ref=full) from exc
        if entity.get("kind") != "Template":
            raise TemplateNotFoundError(
                f"{full} is a {entity.get('kind')}, not a Template", ref=full
            )
        return parse_template(entity)

    def parameter_schema(self, ref: str) -> dict[str, Any]:
        """Backstage's parameter-schema answer for a template."""
        return parameter_schema(self.get_template(ref))

    def _check_actions(self, template: Template) -> None:
        problems = [
            FieldError(
                f"spec.steps[{i}].action", "registered", f"no action {s.action!r} is registered"
            )
            for i, s in enumerate(template.steps)
            if s.action not in self.registry
        ]
        if problems:
            raise TemplateInvalidError(f"{template.ref} uses unknown actions", errors=problems)

    # -- creating tasks --------------------------------------------------------------

    def _planned_repo_urls(self, template: Template, values: Mapping[str, Any]) -> list[str]:
        """The repositories the template's steps will create, as far as known before it runs.

        Each action that creates a repository says which from its input (``creates_repo``);
        an input that depends on earlier steps' outputs cannot be known yet, and that step
        checks for itself when it runs.
        """
        context = expression_context(
            values=values, identity=None, secrets={}, settings=self.settings, steps={}
        )
        urls: list[str] = []
        for step in template.steps:
            action = self.registry.get(step.action)
            if action.creates_repo is None:
                continue

            def value(name: str, _step: StepSpec = step) -> Any:
                raw = _step.input.get(name)
                if raw is None:
                    return None
                return render_value(raw, context, where=f"steps.{_step.id}.input.{name}")

            try:
                url = action.creates_repo(value, self.settings)
            except GoldpathError:
                continue  # depends on earlier steps' outputs; the step itself checks
            if url:
                urls.append(url)
        return urls

    def _name_owner(self, name: str, values: Mapping[str, Any], template: Template) -> str | None:
        """Who already owns a name: a catalog entity or a repository on the git host."""
        catalog = getattr(self.runtime, "catalog", None) if self.runtime is not None else None
        if catalog is not None:
            result = catalog.query(filters={"metadata.name": name}, limit=1)
            if result.items:
                entity = result.items[0]
                meta = entity.get("metadata", {})
                namespace = meta.get("namespace", "default")
                ref = f"{entity.get('kind')}:{namespace}/{meta.get('name')}".lower()
                owner = (entity.get("spec") or {}).get("owner")
                return f"catalog entity {ref}" + (f" (owner {owner})" if owner else "")
        hosts = getattr(self.runtime, "git_hosts", None) if self.runtime is not None else None
        if hosts is None:
            return None
        for repo_url in self._planned_repo_urls(template, values):
            try:
                host, parsed = hosts.for_repo_url(repo_url)
            except GoldpathError:
                continue  # an unusable repoUrl fails in its own step with its own message
            if host.repo_exists(parsed.owner, parsed.repo):
                return f"repository {parsed.owner}/{parsed.repo} on {host.host}"
        return None

    def create_task(
        self,
        template: str | Template,
        values: Mapping[str, Any],
        *,
        identity: IdentityLike | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> str:
        """Validate values, reserve the declared name and queue the task; returns its id."""
        parsed = template if isinstance(template, Template) else self.get_template(template)
        self._check_actions(parsed)
        values = with_defaults(parsed, values)
        validate_values(parsed, values)
        catalog = getattr(self.runtime, "catalog", None) if self.runtime is not None else None
        check_owners(parsed, values, catalog)  # a real Group or User, named by its parameter
        values = with_declared(parsed, values)
        user = identity or TaskIdentity(user_ref="user:default/guest")
        reserved: str | None = None
        param = parsed.reserved_name_parameter
        if param is not None:
            value = values.get(param)
            if not isinstance(value, str) or not value:
                raise TemplateValuesError(
                    f"{parsed.ref} reserves the name in parameter {param!r}, which is empty",
                    errors=[FieldError(param, "required", "names what the template creates")],
                )
            reserved = value.lower()
            owner = self._name_owner(value, values, parsed)
            if owner is not None:
                raise NameReservedError(
                    f"the name {value!r} is already taken by {owner}", name=value, owner=owner
                )
        spec = {
            "apiVersion": API_VERSION,
            "steps": [s.as_dict() for s in parsed.steps],
            "output": parsed.output,
            # parameters are kept as given: a secret that also appears in a normal parameter
            # must not turn into *** in the generated files (redaction is for logs only)
            "parameters": dict(values),
            "user": {"entity": user.entity, "ref": user.user_ref},
            "templateInfo": parsed.info(),
        }
        steps = [
            {"id": s.id, "name": s.name, "action": s.action, "status": "open"} for s in parsed.steps
        ]
        task_id = self.store.create(
            spec=spec,
            steps=steps,
            created_by=user.user_ref,
            secrets=dict(secrets or {}),
            reserved_name=reserved,
        )
        self.store.append_event(task_id, "log", {"message": f"Task created from {parsed.ref}"})
        self.wakeup.set()
        return task_id

    # -- dry run ---------------------------------------------------------------------

    def dry_run(
        self,
        template: Mapping[str, Any] | Template,
        values: Mapping[str, Any],
        *,
        secrets: Mapping[str, str] | None = None,
        directory_contents: Mapping[PurePosixPath, SkeletonFile] | None = None,
        identity: IdentityLike | None = None,
    ) -> DryRunResult:
        """Run a template with no side effects and return log, output, steps and files."""
        parsed = template if isinstance(template, Template) else parse_template(template)
        self._check_actions(parsed)
        return dry_run(
            parsed,
            values,
            registry=self.registry,
            runtime=self.runtime,
            settings=self.settings,
            secrets=secrets,
            directory_contents=directory_contents,
            identity=identity,
            work_root=process_scratch(self.settings.tmp_root),
        )

    def preview(self, template_ref: str, values: Mapping[str, Any]) -> DryRunResult:
        """The Create form's Preview: a dry run of a catalog template with its own files."""
        return self.dry_run(self.get_template(template_ref), values)

    # -- reading and cancelling --------------------------------------------------------

    def get_task(self, task_id: str) -> TaskRecord:
        """One task."""
        return self.store.get(task_id)

    def list_tasks(
        self,
        *,
        created_by: str | None = None,
        status: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> tuple[list[TaskRecord], int]:
        """Tasks, newest first."""
        return self.store.list_tasks(
            created_by=created_by, status=status, limit=limit, offset=offset
        )

    def cancel_task(self, task_id: str) -> str:
        """Cancel an open task now or ask a running one to stop (it rolls back)."""
        return self.store.request_cancel(task_id)

    # -- running ---------------------------------------------------------------------

    def _template_of(self, task: TaskRecord) -> Template:
        spec = task.spec
        info = spec.get("templateInfo") or {}
        base_url = info.get("baseUrl")
        base_dir = (
            Path(unquote(urlsplit(base_url).path))
            if isinstance(base_url, str) and base_url.startswith("file:")
            else None
        )
        remote_base = base_url if isinstance(base_url, str) and is_http_url(base_url) else None
        steps = [
            StepSpec(
                id=s["id"],
                name=s.get("name", s["id"]),
                action=s["action"],
                input=dict(s.get("input") or {}),
                if_=s.get("if"),
                each=s.get("each"),
            )
            for s in spec.get("steps", [])
        ]
        entity = {"metadata": (info.get("entity") or {}).get("metadata", {})}
        return Template(
            entity=entity,
            parameters=[],
            steps=steps,
            output=dict(spec.get("output") or {}),
            base_dir=base_dir,
            base_url=remote_base,
        )

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
            while not stop.wait(self.settings.scaffolder.heartbeat_seconds):
                try:
                    if self.store.heartbeat(task.id, worker_id):
                        cancel.set()
                    sink.flush()  # lines of a long step show up while it runs
                except Exception:  # a missed heartbeat is retried on the next beat
                    log.exception("heartbeat of task %s failed", task.id)

        beater = threading.Thread(target=beat, name=f"heartbeat-{task.id[:8]}", daemon=True)
        beater.start()
        workspace = self.workspace_of(task.id)
        spec = task.spec
        user = spec.get("user") or {}
        identity = TaskIdentity(
            user_ref=user.get("ref") or task.created_by, entity=user.get("entity")
        )
        try:
            outcome = run_template(
                self._template_of(task),
                spec.get("parameters") or {},
                registry=self.registry,
                workspace=workspace,
                task_id=task.id,
                sink=sink,
                runtime=self.runtime,
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
        body: dict[str, Any] = {"status": outcome.status}
        error: dict[str, Any] | None = None
        if outcome.status == "completed":
            body["message"] = "Run completed with status: completed"
            body["output"] = outcome.output
        else:
            exc = outcome.error
            message = exc.message if isinstance(exc, GoldpathError) else str(exc)
            error = {
                "name": type(exc).__name__,
                "message": message,
                "errors": [e.as_dict() for e in getattr(exc, "errors", []) or []],
            }
            body["message"] = f"Run completed with status: {outcome.status}"
            body["error"] = error
            if outcome.rollback is not None:
                body["rollback"] = outcome.rollback.as_dict()
                error["rollback"] = outcome.rollback.as_dict()
        output = redact(outcome.output, secrets) if outcome.status == "completed" else None
        error = redact(error, secrets) if error is not None else None
        events, steps = sink.take_all()  # the last step's end and lines still queued
        self.store.finish(
            task_id,
            outcome.status,
            output=output,
            error=error,
            events=[
                *events,
                ("cancelled" if outcome.status == "cancelled" else "completion", body),
            ],
            steps=steps,
            secrets=secrets,
        )

    def run_next(self, worker_id: str) -> RunOutcome | None:
        """Claim and run the oldest open task, if there is one."""
        task = self.store.claim(worker_id)
        if task is None:
            return None
        return self.execute(task, worker_id=worker_id)

    def recover_stale(self, worker_id: str, *, older_than: timedelta | None = None) -> list[str]:
        """Roll back and fail every task whose worker stopped sending heartbeats."""
        timeout = older_than or timedelta(
            seconds=self.settings.scaffolder.heartbeat_timeout_seconds
        )
        recovered: list[str] = []
        for task_id in self.store.stale(older_than=timeout):
            if not self.store.take_over(task_id, worker_id, older_than=timeout):
                continue
            task = self.store.get(task_id)
            secrets = list(task.secrets.values())

            def line(message: str, _task_id: str = task_id, _secrets: list[str] = secrets) -> None:
                self.store.append_event(_task_id, "log", {"message": message}, secrets=_secrets)

            since = task.heartbeat_at.isoformat() if task.heartbeat_at else "never"
            line(f"The worker running this task stopped (last heartbeat {since}); rolling back")
            for step in task.steps:
                if step.get("status") == "processing":
                    self.store.update_step(task_id, step["id"], status="failed", endedAt=_now())
            report = run_undo(
                [(record, None) for record in task.undo],
                registry=self.registry,
                runtime=self.runtime,
                task_id=task_id,
                log_line=line,
            )
            error = {
                "name": "WorkerLostError",
                "message": "the worker running this task stopped; the task was rolled back",
                "errors": [],
                "rollback": report.as_dict(),
            }
            self.store.finish(
                task_id,
                "failed",
                error=error,
                events=[
                    (
                        "completion",
                        {
                            "status": "failed",
                            "message": "Run completed with status: failed",
                            "error": error,
                            "rollback": report.as_dict(),
                        },
                    )
                ],
                secrets=secrets,
            )
            shutil.rmtree(self.workspace_of(task_id), ignore_errors=True)
            recovered.append(task_id)
        return recovered
