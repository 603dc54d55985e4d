"""``goldpath run``: run a component on this machine (development), or stop its run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.markup import escape

from goldpath.cli._context import catalog_of, live_of
from goldpath.cli._errors import err_console, run_guarded
from goldpath.cli._permissions import cli_authorize

if TYPE_CHECKING:
    from goldpath.live import LocalRunner, RunTarget

__all__ = ["run_command"]

console = Console(highlight=False, soft_wrap=True)
_LEVEL_STYLES = {
    "trace": "dim",
    "debug": "dim",
    "info": "green",
    "warn": "yellow",
    "error": "red",
    "fatal": "bold red",
}
_POLL_SECONDS = 0.3


def _print_log_line(text: str) -> None:
    from goldpath.live import parse_log_line

    line = parse_log_line(text)
    if line.level is None:
        console.print(escape(line.message), style="dim")
        return
    shown_time = line.time[11:19] if line.time and len(line.time) > 18 else (line.time or "")
    style = _LEVEL_STYLES.get(line.level, "")
    request = f" [cyan]{escape(line.request)}[/]" if line.request else ""
    console.print(
        f"[dim]{shown_time}[/] [{style}]{line.level.upper():5}[/] {escape(line.message)}{request}"
    )


class _Follower:
    """Prints what a log file gains, line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def pump(self) -> None:
        try:
            with self.path.open("rb") as handle:
                size = handle.seek(0, 2)
                if size < self.offset:  # truncated by a new run
                    self.offset = 0
                handle.seek(self.offset)
                data = handle.read()
                self.offset = handle.tell()
        except OSError:
            return
        lines = (self.partial + data).split(b"\n")
        self.partial = lines.pop()
        for raw in lines:
            if raw.strip():
                _print_log_line(raw.decode("utf-8", "replace"))


def run_command(
    ctx: typer.Context,
    ref: str = typer.Argument(
        ..., help="The component: orders-api, or component:default/orders-api."
    ),
    stop: bool = typer.Option(
        False, "--stop", help="Stop the component's run, whichever process started it."
    ),
) -> None:
    """Run a component from the local git host on this machine (development only).

    Checks it out, runs npm ci (npm cache under the home) and npm start
    on a free port, prints its logs and runs until Ctrl-C. The portal
    shows the run and can stop it; --stop ends a run started anywhere.
    """

    def go() -> int:
        from goldpath.catalog import parse_entity_ref
        from goldpath.permissions import entity_resource

        live = live_of(ctx)
        entity = catalog_of(ctx).get_entity(parse_entity_ref(ref, default_kind="component"))
        cli_authorize(ctx, "local.run", entity_resource(entity))
        if stop:
            live.stop(entity)
            console.print(f"stopped {escape(live.facts(entity).ref.key)}")
            return 0
        target = live.run_target(entity)
        runner = live.runner
        assert runner is not None  # run_target refuses when there is no runner
        try:
            return _run_in_foreground(runner, target)
        finally:
            runner.stop()

    code = run_guarded(go)
    if code:
        raise typer.Exit(code)


def _run_in_foreground(runner: LocalRunner, target: RunTarget) -> int:
    runner.run(target)
    console.print(f"starting [bold]{escape(target.ref)}[/] from {escape(target.repo.full_name)}")
    follower = _Follower(runner.files(target.key).log)
    detail = ""
    announced = False
    try:
        while True:
            state = runner.state(target.key)
            if state is None:
                console.print(f"{escape(target.ref)} stopped")
                return 0
            if state.phase == "starting" and state.detail != detail:
                detail = state.detail
                console.print(f"[dim]… {escape(detail)}[/]")
            if state.phase == "running" and not announced:
                announced = True
                console.print(
                    f"[bold green]{escape(target.ref)} runs at {escape(state.url or '')}[/] "
                    f"(Ctrl-C, or `goldpath run --stop {escape(target.ref)}`, stops it)"
                )
            follower.pump()
            if state.phase == "stopped":
                if state.error:
                    err_console.print(f"[bold red]error:[/] {escape(state.error)}")
                    return 1
                return 0
            time.sleep(_POLL_SECONDS)
    except KeyboardInterrupt:
        console.print(f"stopping {escape(target.ref)}")
        runner.stop()
        follower.pump()
        console.print(f"{escape(target.ref)} stopped")
        return 0
