"""The ``goldpath`` command line (Typer + Rich)."""

from goldpath.cli._app import app


def main() -> None:
    """Entry point of the ``goldpath`` console script."""
    app()


__all__ = ["app", "main"]
