"""``goldpath create`` and ``goldpath tasks list|show|logs|cancel``.

With a portal running (``cli.server_url``, or one found at ``server.base_url`` serving
this database) the commands go through its REST API and follow tasks over its event
stream; otherwise they work in-process, and ``create`` runs the task itself.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from goldpath.cli._context import task_client_of
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import CliTaskGuard
from goldpath.cli._tasks import TaskClient
from goldpath.errors import FieldError, InvalidInputError
from goldpath.safe_yaml import YamlError, load_yaml
from goldpath.scaffolder import (
    DryRunResult,
    StepState,
    TaskEvent,
    TaskRecord,
    TaskStatus,
)

__all__ = ["create_command", "tasks_app"]

tasks_app = typer.Typer(
    help="List, inspect, follow and cancel scaffolder tasks.", no_args_is_help=True
)
console = Console(highlight=False, soft_wrap=True)

STATUS_STYLE = {
    "open": "[dim]open[/]",
    "processing": "[yellow]running[/]",
    "completed": "[green]done[/]",
    "failed": "[red]failed[/]",
    "cancelled": "[magenta]cancelled[/]",
    "skipped": "[dim]skipped[/]",
}


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


def _steps_table(steps: list[StepState]) -> Table:
    table = Table(show_header=False, box=None, padding=(0, 1))
    for step in steps:
        table.add_row(STATUS_STYLE.get(step.status, str(step.status)), step.name or step.id)
    return table


def _print_output(task: TaskRecord) -> None:
    _print_output_data(task.output or {})


def _print_output_data(output: dict[str, Any]) -> None:
    for link in output.get("links") or []:
        target = link.get("url") or link.get("entityRef") or ""
        if not target:  # a skipped step's link (no AWS, no GitLab): the portal hides it too
            continue
        console.print(f"  [bold]{link.get('title', target)}[/]: {target}")
    for item in output.get("text") or []:
        console.print(f"  [bold]{item.get('title', '')}[/]\n{item.get('content', '')}")
    for key, value in output.items():
        if key not in ("links", "text"):
            console.print(f"  {key}: {value}")


def _print_failure(task: TaskRecord) -> None:
    error = task.error
    if error is None:
        console.print(f"[bold red]error:[/] the task is {task.status}")
        return
    console.print(f"[bold red]error:[/] {escape(error.message)}")
    for problem in error.errors:
        console.print(f"  [red]-[/] {escape(problem.field)}: {escape(problem.message)}")
    if error.rollback is not None:
        for item in error.rollback.undone:
            console.print(f"  [dim]undone:[/] {item}")
        for failed in error.rollback.failed:
            console.print(f"  [red]not undone:[/] {failed.description} ({failed.reason})")


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
            field, message = escape(problem.field), escape(problem.message)
            console.print(f"  [red]-[/] {field}: {message}")


def _with_step(steps: list[StepState], event: TaskEvent) -> list[StepState]:
    change = event.step_change
    if change is None:
        return steps
    step_id, status = change
    return [dataclasses.replace(s, status=status) if s.id == step_id else s for s in steps]


def _follow(tasks: TaskClient, task: TaskRecord, *, quiet: bool) -> None:
    """Show the task's steps as they change and its log lines as they come."""
    steps = list(task.steps)
    with Live(
        Group(_steps_table(steps)), console=console, refresh_per_second=8, transient=quiet
    ) as live:
        for event in tasks.follow(task.id):
            steps = _with_step(steps, event)
            if event.step_change is None and event.type == "log" and event.message and not quiet:
                live.console.print(f"[dim]{escape(event.message)}[/]")
            live.update(Group(_steps_table(steps)))
    if not quiet:
        console.print()


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
        tasks = task_client_of(ctx, guard=CliTaskGuard(ctx))
        try:
            ref = tasks.template_ref(template)
            values: dict[str, Any] = _load_values(values_file) if values_file else {}
            values.update(_parse_sets(sets or [], tasks.text_parameters(ref)))
            if dry_run:
                result = tasks.dry_run(ref, values)
                if as_json:
                    typer.echo(json.dumps(result.as_dict(), indent=2))
                else:
                    _print_dry_run(result)
                if result.status != TaskStatus.COMPLETED:
                    raise typer.Exit(1)
                return
            task_id = tasks.create(ref, values)
            if not as_json:
                console.print(f"task [bold]{task_id}[/] from {ref} ({tasks.where})")
            tasks.run(task_id)
            _follow(tasks, tasks.get(task_id), quiet=as_json)
            task = tasks.get(task_id)  # its last event and its end are written together
        finally:
            tasks.close()
        if as_json:
            typer.echo(json.dumps(task.as_dict(), indent=2))
        elif task.status == TaskStatus.COMPLETED:
            console.print(f"[bold green]completed[/] in {task.duration_seconds or 0:.2f}s")
            _print_output(task)
        else:
            _print_failure(task)
        if task.status != TaskStatus.COMPLETED:
            raise typer.Exit(1)

    run_guarded(run)


def _status_option(value: str | None) -> TaskStatus | None:
    if value is None:
        return None
    try:
        return TaskStatus(value)
    except ValueError:
        choices = ", ".join(str(s) for s in TaskStatus)
        raise InvalidInputError(
            f"--status {value!r} is not a task status",
            errors=[FieldError("--status", "enum", f"must be one of {choices}")],
        ) from None


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
        tasks = task_client_of(ctx, guard=CliTaskGuard(ctx))
        try:
            items, total = tasks.list_tasks(status=_status_option(status), limit=limit)
        finally:
            tasks.close()
        if as_json:  # others' parameters stay theirs (the client left them out)
            typer.echo(json.dumps([t.as_dict() for t in items], indent=2))
            return
        table = Table(title=f"{len(items)} of {total} tasks")
        table.add_column("id", no_wrap=True)
        for column in ("template", "status", "created", "by"):
            table.add_column(column)
        for task in items:
            table.add_row(
                task.id,
                task.spec.template_info.entity_ref,
                STATUS_STYLE.get(task.status, str(task.status)),
                task.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                task.created_by,
            )
        console.print(table)

    run_guarded(run)


def _print_event(event: TaskEvent) -> None:
    message = event.message
    if message:
        step = event.body.get("stepId")
        where = f"[cyan]{escape(str(step))}[/] " if step else ""
        console.print(f"[dim]{event.created_at:%H:%M:%S}[/] {where}{escape(message)}")


@tasks_app.command("show")
def show_command(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="Task id.")],
    events: Annotated[bool, typer.Option("--events", help="Also print the event log.")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show a task: its steps, output links, or the error and what was rolled back."""

    def run() -> None:
        tasks = task_client_of(ctx, guard=CliTaskGuard(ctx))
        try:
            task = tasks.get(task_id)
            log = tasks.events(task_id) if events else []
        finally:
            tasks.close()
        if as_json:
            data = task.as_dict()
            if events:
                data["events"] = [e.as_dict() for e in log]
            typer.echo(json.dumps(data, indent=2))
            return
        console.print(
            f"[bold]{task.id}[/] {STATUS_STYLE.get(task.status, str(task.status))} "
            f"({task.spec.template_info.entity_ref}, by {task.created_by})"
        )
        console.print(_steps_table(task.steps))
        if task.status == TaskStatus.COMPLETED:
            _print_output(task)
        elif task.status in (TaskStatus.FAILED, TaskStatus.CANCELLED):
            _print_failure(task)
        for event in log:
            _print_event(event)

    run_guarded(run)


@tasks_app.command("logs")
def logs_command(
    ctx: typer.Context,
    task_id: Annotated[str, typer.Argument(help="Task id.")],
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing new events until the task ends.")
    ] = False,
    after: Annotated[
        int | None, typer.Option("--after", help="Only events after this event id.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON event per line.")] = False,
) -> None:
    """Print a task's log; with --follow, print each new event as it happens."""

    def run() -> None:
        tasks = task_client_of(ctx, guard=CliTaskGuard(ctx))
        try:
            stream: Iterator[TaskEvent] = (
                tasks.follow(task_id, after=after)
                if follow
                else iter(tasks.events(task_id, after=after))
            )
            for event in stream:
                if as_json:
                    typer.echo(json.dumps(event.as_dict()))
                else:
                    _print_event(event)
        finally:
            tasks.close()

    run_guarded(run)


@tasks_app.command("cancel")
def cancel_command(
    ctx: typer.Context, task_id: Annotated[str, typer.Argument(help="Task id.")]
) -> None:
    """Cancel a task: an open one at once, a running one at its next step (it rolls back)."""

    def run() -> None:
        tasks = task_client_of(ctx, guard=CliTaskGuard(ctx))
        try:
            status = tasks.cancel(task_id)
        finally:
            tasks.close()
        if status == TaskStatus.CANCELLED:
            console.print(f"task {task_id} cancelled")
        else:
            console.print(f"task {task_id} is running; asked it to stop (it will roll back)")

    run_guarded(run)
