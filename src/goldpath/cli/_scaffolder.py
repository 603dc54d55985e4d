"""``goldpath create`` and ``goldpath tasks list|show|cancel``."""

from __future__ import annotations

import getpass
import json
import threading
import time
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console, Group
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from goldpath.cli._context import (
    dry_runner_of,
    task_creator_of,
    task_executor_of,
    task_store_of,
    templates_of,
)
from goldpath.cli._errors import run_guarded
from goldpath.errors import FieldError, InvalidInputError
from goldpath.scaffolder import (
    FINISHED,
    DryRunResult,
    TaskIdentity,
    TaskRecord,
    TaskStore,
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


def _parse_sets(items: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems: list[FieldError] = []
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            problems.append(FieldError("--set", "format", f"{item!r} must look like key=value"))
            continue
        try:
            value = yaml.safe_load(raw) if raw else ""
        except yaml.YAMLError:
            value = raw
        # a value YAML reads as a date or similar stays the text that was typed
        values[key] = value if isinstance(value, str | int | float | bool | list | dict) else raw
    if problems:
        raise InvalidInputError("invalid --set values", errors=problems)
    return values


def _load_values(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
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


def _follow(
    store: TaskStore, task_id: str, runner: threading.Thread | None, *, quiet: bool
) -> TaskRecord:
    last: int | None = None
    task = store.get(task_id)
    with Live(
        Group(_steps_table(task)), console=console, refresh_per_second=8, transient=quiet
    ) as live:
        while True:
            for event in store.events(task_id, after=last):
                last = event.id
                message = event.body.get("message")
                if event.type == "log" and message and "status" not in event.body and not quiet:
                    live.console.print(f"[dim]{message}[/]")
            task = store.get(task_id)
            live.update(Group(_steps_table(task)))
            if task.status in FINISHED and (runner is None or not runner.is_alive()):
                break
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
        parsed = templates_of(ctx).get(template)
        values: dict[str, Any] = _load_values(values_file) if values_file else {}
        values.update(_parse_sets(sets or []))
        if dry_run:
            result = dry_runner_of(ctx).run(parsed, values)
            if as_json:
                typer.echo(json.dumps(result.as_dict(), indent=2))
            else:
                _print_dry_run(result)
            if result.status != "completed":
                raise typer.Exit(1)
            return
        identity = TaskIdentity(user_ref=f"user:default/{getpass.getuser()}".lower())
        task_id = task_creator_of(ctx).create(parsed, values, identity=identity)
        store = task_store_of(ctx)
        if not as_json:
            console.print(f"task [bold]{task_id}[/] from {parsed.ref}")
        runner: threading.Thread | None = None
        claimed = store.claim_task(task_id, f"cli-{task_id[:8]}")
        if claimed is not None:
            runner = threading.Thread(
                target=task_executor_of(ctx).execute,
                args=(claimed,),
                kwargs={"worker_id": f"cli-{task_id[:8]}"},
                daemon=True,
            )
            runner.start()
        task = _follow(store, task_id, runner, quiet=as_json)
        if runner is not None:
            runner.join()
            task = store.get(task_id)
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
        items, total = task_store_of(ctx).list_tasks(status=status, limit=limit)
        if as_json:
            typer.echo(json.dumps([t.as_dict() for t in items], indent=2))
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
        store = task_store_of(ctx)
        task = store.get(task_id)
        log = store.events(task_id) if events else []
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
        status = task_store_of(ctx).request_cancel(task_id)
        if status == "cancelled":
            console.print(f"task {task_id} cancelled")
        else:
            console.print(f"task {task_id} is running; asked it to stop (it will roll back)")

    run_guarded(run)
