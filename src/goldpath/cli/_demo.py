"""``goldpath demo``: load a small organisation so a newcomer sees a living catalog."""

from __future__ import annotations

import typer
from rich.console import Console

from goldpath.cli._context import catalog_of, settings_of
from goldpath.cli._errors import run_guarded

__all__ = ["demo_app"]

demo_app = typer.Typer(help="Demo data for a first look at goldpath.", no_args_is_help=True)
console = Console(highlight=False, soft_wrap=True)


@demo_app.command("seed")
def seed(ctx: typer.Context) -> None:
    """Register the demo organisation (groups, users, a system, components, APIs); idempotent."""
    from goldpath.demo import seed_demo

    def run() -> None:
        catalog = catalog_of(ctx)
        location = seed_demo(catalog)
        result = catalog.query(limit=1)
        console.print(
            f"[green]demo data ready[/]: location {location.target} "
            f"({result.total_items} entities in the catalog at {settings_of(ctx).home})"
        )

    run_guarded(run)
