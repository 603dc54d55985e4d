"""``goldpath config``: inspect and check configuration."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.markup import escape

from goldpath.cli._context import cli_context
from goldpath.cli._errors import run_guarded
from goldpath.config import ConfigProblem, Settings, check_settings

__all__ = ["config_app", "configuration_problems"]

config_app = typer.Typer(help="Inspect and check goldpath's configuration.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


def configuration_problems(settings: Settings) -> list[ConfigProblem]:
    """The start-up validator's problems, then the permission settings' (policy file too),
    then the scorecard checks files'."""
    from goldpath.permissions import permission_problems
    from goldpath.scorecards import scorecard_problems

    return check_settings(settings) + permission_problems(settings) + scorecard_problems(settings)


@config_app.command("check")
def check(ctx: typer.Context) -> None:
    """Run the start-up validator; print every problem and exit 1 when there is any."""

    def run() -> None:
        settings = cli_context(ctx).settings
        problems = configuration_problems(settings)
        if not problems:
            console.print(f"[green]ok[/]: configuration is valid for {settings.env}")
            return
        console.print(
            f"[bold red]{len(problems)} problem(s)[/] with the {settings.env} configuration:"
        )
        for problem in problems:
            console.print(
                f"  [red]-[/] [bold]{problem.key}[/] ({problem.env_var}): {escape(problem.message)}"
            )
        raise typer.Exit(1)

    run_guarded(run)


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the effective configuration as JSON, with secrets masked."""
    settings = run_guarded(lambda: cli_context(ctx).settings)
    typer.echo(json.dumps(settings.public_dict(), indent=2, default=str))
