"""The root Typer app: one sub-app per command group."""

from __future__ import annotations

from pathlib import Path

import typer

from goldpath import __version__
from goldpath.cli._catalog import catalog_app
from goldpath.cli._config import config_app
from goldpath.cli._context import CliContext
from goldpath.cli._demo import demo_app
from goldpath.cli._gitops import gitops_app, validate_command
from goldpath.cli._live import run_command
from goldpath.cli._permissions import permissions_app
from goldpath.cli._platform import platform_app
from goldpath.cli._promotions import promote_command, promotions_app
from goldpath.cli._scaffolder import create_command, tasks_app
from goldpath.cli._scorecards import score_command
from goldpath.cli._serve import serve
from goldpath.cli._tokens import tokens_app

__all__ = ["app"]

app = typer.Typer(
    name="goldpath",
    help="goldpath: catalog, golden-path scaffolder and GitOps for your platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"goldpath {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Path | None = typer.Option(
        None, "--config", "-c", help="goldpath.yaml to read (default: ./goldpath.yaml)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
    acting_as: str | None = typer.Option(
        None,
        "--as",
        envvar="GOLDPATH_AS",
        help="Act as this catalog User (the policy decides); default: the operator.",
    ),
) -> None:
    """Settings come from goldpath.yaml, its goldpath.<env>.yaml overlay and GOLDPATH_* env."""
    ctx.obj = CliContext(config_file=config, acting_as=acting_as)


app.add_typer(config_app, name="config")
app.add_typer(demo_app, name="demo")
app.add_typer(tokens_app, name="tokens")
app.add_typer(permissions_app, name="permissions")
app.add_typer(catalog_app, name="catalog")
app.command("serve")(serve)
app.command("run")(run_command)
app.command("create")(create_command)
app.add_typer(tasks_app, name="tasks")
app.command("score")(score_command)
app.add_typer(gitops_app, name="gitops")
app.command("promote")(promote_command)
app.add_typer(promotions_app, name="promotions")
app.add_typer(platform_app, name="platform")
app.command("validate")(validate_command)
