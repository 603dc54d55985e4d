"""``goldpath create`` and ``goldpath tasks list|show|cancel``."""

from __future__ import annotations

import getpass
import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from goldpath.cli._context import cli_context
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import cli_authorize, cli_authorize_run, cli_subject
from goldpath.errors import FieldError, InvalidInputError
from goldpath.permissions import Resource, task_resource
from goldpath.safe_yaml import YamlError, load_yaml
from goldpath.scaffolder import (
    FINISHED,
    DryRunResult,
    ScaffolderService,
    TaskIdentity,
    TaskRecord,
    Template,
)

__all__ = ["create_command", "tasks_app"]

tasks_app = typer.Typer(help="List, inspect and cancel scaffolder tasks.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)

STATUS_STYLE = {
    "open": "[dim]open[/]",
    "processing": "[yellow]running[/]",
    "completed": "[green]done[/]",
    "failed": "[red]failed[/]",
    "cancelled": "[magenta]cancelled[/]",
    "skipped": "[dim]skipped[/]",
}


def _service(ctx: typer.Context) -> ScaffolderService:
    runtime = cli_context(ctx).runtime
    service = runtime.scaffolder
    service.register_builtin_templates()
    return service


def _task_resource(task: TaskRecord) -> Resource:
    parameters = task.spec.get("parameters")
    return task_resource(
        task.id,
        created_by=task.created_by,
        parameters=parameters if isinstance(parameters, dict) else None,
    )


def _text_parameters(template: Template) -> frozenset[str]:
    """Parameters the template declares as strings: ``--set`` keeps what was typed for
    them (``pythonVersion=3.13`` stays ``"3.13"``, a description with ``: `` stays text)."""
    return frozenset(
        name
        for page in template.parameters
        for name, schema in (page.get("properties") or {}).items()
        if isinstance(schema, dict) and schema.get("type") == "string"
    )


def _parse_sets(items: list[str], text: frozenset[str] = frozenset()) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems: list[FieldError] = []
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            problems.append(FieldError("--set", "format", f"{item!r} must look like key=value"))
            continue
        if key in text:
            values[key] = raw
            continue
        try:
            value = load_yaml(raw, where=key) if raw else ""
        except YamlError:
            value = raw
        # a value YAML reads as a date or similar stays the text that was typed
        values[key] = value if isinstance(value, str | int | float | bool | list | dict) else raw
    if problems:
        raise InvalidInputError("invalid --set values", errors=problems)
    return values


def _load_values(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_bytes(), where=str(path))
    except (OSError, YamlError) as exc:
        raise InvalidInputError(
            f"cannot read values from {path}: {exc}",
            errors=[FieldError("--values", "readable", str(exc))],
        ) from exc
    if not isinstance(data, dict):
        raise InvalidInputError(
            f"{path} must hold a mapping of parameter values",
            errors=[FieldError("--values", "type", "must be a YAML/JSON object")],
        )
    return data


def _steps_table(task: TaskRecord) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    for step in task.steps:
        table.add_row(
            STATUS_STYLE.get(step.get("status", "open"), step.get("status", "")),
            step.get("name") or step["id"],
        )
    return table


def _print_output(task: TaskRecord) -> None:
    _print_output_data(task.output or {})


def _print_output_data(output: dict[str, Any]) -> None:
    for link in output.get("links") or []:
        target = link.get("url") or link.get("entityRef") or ""
        console.print(f"  [bold]{link.get('title', target)}[/]: {target}")
    for item in output.get("text") or []:
        console.print(f"  [bold]{item.get('title', '')}[/]\n{item.get('content', '')}")
    for key, value in output.items():
        if key not in ("links", "text"):
            console.print(f"  {key}: {value}")


def _print_failure(task: TaskRecord) -> None:
    error = task.error or {}
    console.print(f"[bold red]error:[/] {escape(str(error.get('message', task.status)))}")
    for problem in error.get("errors") or []:
        field, message = escape(str(problem.get("field"))), escape(str(problem.get("message")))
        console.print(f"  [red]-[/] {field}: {message}")
    rollback = error.get("rollback") or {}
    for item in rollback.get("undone") or []:
        console.print(f"  [dim]undone:[/] {item}")
    for item in rollback.get("notUndone") or []:
        console.print(f"  [red]not undone:[/] {item['description']} ({item['reason']})")


def _print_dry_run(result: DryRunResult) -> None:
    for line in result.log:
        message = line["body"].get("message")
        if message:
            console.print(f"[dim]{message}[/]")
    tree = Tree("[bold]files[/]")
    for item in result.files:
        tree.add(item.path + (" [green](executable)[/]" if item.executable else ""))
    console.print(tree)
    _print_output_data(result.output)
    if result.error:
        console.print(f"[bold red]error:[/] {escape(str(result.error))}")
        for problem in result.error_details:
            field, message = escape(str(problem["field"])), escape(str(problem["message"]))
            console.print(f"  [red]-[/] {field}: {message}")


def _worker_gone(
    service: ScaffolderService, task: TaskRecord, runner: threading.Thread | None
) -> bool:
    """Whether nobody will finish the task: the deadline of following it."""
    if task.status in FINISHED:
        return False
    if runner is not None:
        return not runner.is_alive()
    if task.status != "processing" or task.heartbeat_at is None:
        return False
    beat = task.heartbeat_at if task.heartbeat_at.tzinfo else task.heartbeat_at.replace(tzinfo=UTC)
    silent = (datetime.now(UTC) - beat).total_seconds()
    return silent > service.settings.scaffolder.heartbeat_timeout_seconds


def _follow(
    service: ScaffolderService, task_id: str, runner: threading.Thread | None, *, quiet: bool
) -> TaskRecord:
    last: int | None = None
    task = service.get_task(task_id)
    with Live(
        Group(_steps_table(task)), console=console, refresh_per_second=8, transient=quiet
    ) as live:
        while True:
            for event in service.store.events(task_id, after=last):
                last = event.id
                message = event.body.get("message")
                if event.type == "log" and message and "status" not in event.body and not quiet:
                    live.console.print(f"[dim]{message}[/]")
            task = service.get_task(task_id)
            live.update(Group(_steps_table(task)))
            if task.status in FINISHED and (runner is None or not runner.is_alive()):
                break
            if _worker_gone(service, task, runner):
                break  # the caller reports the task as it stands
            time.sleep(0.05)
    if not quiet:
        console.print()
    return task


def create_command(
    ctx: typer.Context,
    template: Annotated[
        str, typer.Argument(help="Template name or ref (template:default/nodejs-service).")
    ],
    sets: Annotated[
        list[str] | None, typer.Option("--set", help="A parameter value, key=value (repeatable).")
    ] = None,
    values_file: Annotated[
        Path | None, typer.Option("--values", help="YAML/JSON file of parameter values.")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the files it would make; change nothing.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the task (or dry run) as JSON.")
    ] = False,
) -> None:
    """Create something from a template, showing each step's progress and the output links."""

    def run() -> None:
        service = _service(ctx)
        parsed = service.get_template(template)
        subject = cli_authorize_run(ctx, parsed.entity, dry_run=dry_run)
        values: dict[str, Any] = _load_values(values_file) if values_file else {}
        values.update(_parse_sets(sets or [], _text_parameters(parsed)))
        if dry_run:
            result = service.dry_run(parsed, values)
            if as_json:
                typer.echo(json.dumps(result.as_dict(), indent=2))
            else:
                _print_dry_run(result)
            if result.status != "completed":
                raise typer.Exit(1)
            return
        identity = (
            TaskIdentity(user_ref=f"user:default/{getpass.getuser()}".lower())
            if subject.operator
            else TaskIdentity(
                user_ref=subject.user_ref,
                entity=cli_context(ctx).runtime.catalog.find_entity(subject.user_ref),
            )
        )
        task_id = service.create_task(parsed, values, identity=identity)
        if not as_json:
            console.print(f"task [bold]{task_id}[/] from {parsed.ref}")
        runner: threading.Thread | None = None
        claimed = service.store.claim_task(task_id, f"cli-{task_id[:8]}")
        if claimed is not None:
            runner = threading.Thread(
                target=service.execute,
                args=(claimed,),
                kwargs={"worker_id": f"cli-{task_id[:8]}"},
                daemon=True,
            )
            runner.start()
        task = _follow(service, task_id, runner, quiet=as_json)
        if runner is not None:
            runner.join()
            task = service.get_task(task_id)
        if as_json:
            typer.echo(json.dumps(task.as_dict(), indent=2))
        elif task.status == "completed":
            console.print(f"[bold green]completed[/] in {task.duration_seconds or 0:.2f}s")
            _print_output(task)
        else:
            _print_failure(task)
        if task.status != "completed":
            raise typer.Exit(1)

    run_guarded(run)


@tasks_app.command("list")
def list_command(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option("--status", help="Only tasks with this status.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List tasks, newest first."""

    def run() -> None:
        runtime = cli_context(ctx).runtime
        items, total = runtime.scaffolder.list_tasks(status=status, limit=limit)
        if as_json:
            subject = cli_subject(ctx)
            shown = []
            for task in items:
                data = task.as_dict()
                readable = runtime.permissions.decide(
                    subject, "scaffolder.task.read", _task_resource(task)
                ).allowed
                if not readable:  # like the API: others' parameters stay theirs
                    data["spec"] = {k: v for k, v in task.spec.items() if k != "parameters"}
                shown.append(data)
            typer.echo(json.dumps(shown, indent=2))
            return
        table = Table(title=f"{len(items)} of {total} tasks")
        table.add_column("id", no_wrap=True)
        for column in ("template", "status", "created", "by"):
            table.add_column(column)
        for task in items:
            table.add_row(
                task.id,
                str((task.spec.get("templateInfo") or {}).get("entityRef", "")),
                STATUS_STYLE.get(task.status, task.status),
                task.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                task.created_by,
            )
        console.print(table)

    run_guarded(run)


@tasks_app.command("show")
def show_command(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="Task id.")],
    events: Annotated[bool, typer.Option("--events", help="Also print the event log.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a task: its steps, output links, or the error and what was rolled back."""

    def run() -> None:
        service = cli_context(ctx).runtime.scaffolder
        task = service.get_task(task_id)
        cli_authorize(ctx, "scaffolder.task.read", _task_resource(task))
        log = service.store.events(task_id) if events else []
        if as_json:
            data = task.as_dict()
            if events:
                data["events"] = [e.as_dict() for e in log]
            typer.echo(json.dumps(data, indent=2))
            return
        console.print(
            f"[bold]{task.id}[/] {STATUS_STYLE.get(task.status, task.status)} "
            f"({(task.spec.get('templateInfo') or {}).get('entityRef', '')}, by {task.created_by})"
        )
        console.print(_steps_table(task))
        if task.status == "completed":
            _print_output(task)
        elif task.status in ("failed", "cancelled"):
            _print_failure(task)
        for event in log:
            message = event.body.get("message")
            if message:
                console.print(f"[dim]{event.created_at:%H:%M:%S}[/] {message}")

    run_guarded(run)


@tasks_app.command("cancel")
def cancel_command(
    ctx: typer.Context, task_id: Annotated[str, typer.Argument(help="Task id.")]
) -> None:
    """Cancel a task: an open one at once, a running one at its next step (it rolls back)."""

    def run() -> None:
        service = cli_context(ctx).runtime.scaffolder
        cli_authorize(ctx, "scaffolder.task.cancel", _task_resource(service.get_task(task_id)))
        status = service.cancel_task(task_id)
        if status == "cancelled":
            console.print(f"task {task_id} cancelled")
        else:
            console.print(f"task {task_id} is running; asked it to stop (it will roll back)")

    run_guarded(run)
