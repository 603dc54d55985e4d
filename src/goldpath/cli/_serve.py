"""``goldpath serve``: run the portal."""

from __future__ import annotations

import typer
from rich.markup import escape

from goldpath.cli._config import configuration_problems
from goldpath.cli._context import cli_context
from goldpath.cli._errors import err_console, run_guarded
from goldpath.config import Settings

__all__ = ["serve", "with_bind_address"]


def with_bind_address(settings: Settings, *, host: str | None, port: int | None) -> Settings:
    """Settings whose server.host/port are the ones ``serve`` binds.

    The public URL (clone URLs, output links, the OAuth callback) is built from them,
    unless ``server.base_url`` names it.
    """
    changes = {key: value for key, value in (("host", host), ("port", port)) if value is not None}
    if not changes:
        return settings
    server = settings.server.model_copy(update=changes)
    return settings.model_copy(update={"server": server})


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Interface to bind (default: server.host)."),
    port: int | None = typer.Option(None, help="Port to bind (default: server.port)."),
) -> None:
    """Serve the portal and API; refuses to start when the configuration check fails."""
    import uvicorn

    from goldpath.web import create_app

    def build() -> tuple[object, str, int]:
        settings = with_bind_address(cli_context(ctx).settings, host=host, port=port)
        problems = configuration_problems(settings)
        if problems:
            err_console.print(f"[bold red]error:[/] refusing to start {settings.env}:")
            for problem in problems:
                err_console.print(f"  [red]-[/] {escape(str(problem))}")
            raise typer.Exit(1)
        return create_app(settings), settings.server.host, settings.server.port

    app, bind_host, bind_port = run_guarded(build)
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="info", proxy_headers=True)  # type: ignore[arg-type]
