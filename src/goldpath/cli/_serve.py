"""``goldpath serve``: run the portal."""

from __future__ import annotations

import typer
from rich.markup import escape

from goldpath.cli._config import configuration_problems
from goldpath.cli._context import cli_context
from goldpath.cli._errors import err_console, run_guarded

__all__ = ["serve"]


def serve(
    ctx: typer.Context,
    host: str | None = typer.Option(None, help="Interface to bind (default: server.host)."),
    port: int | None = typer.Option(None, help="Port to bind (default: server.port)."),
) -> None:
    """Serve the portal and API; refuses to start when the configuration check fails."""
    import uvicorn

    from goldpath.web import create_app

    def build() -> tuple[object, str, int]:
        settings = cli_context(ctx).settings
        problems = configuration_problems(settings)
        if problems:
            err_console.print(f"[bold red]error:[/] refusing to start {settings.env}:")
            for problem in problems:
                err_console.print(f"  [red]-[/] {escape(str(problem))}")
            raise typer.Exit(1)
        return create_app(settings), host or settings.server.host, port or settings.server.port

    app, bind_host, bind_port = run_guarded(build)
    uvicorn.run(app, host=bind_host, port=bind_port, log_level="info", proxy_headers=True)  # type: ignore[arg-type]
