"""``goldpath score``: a component's scorecard, or every component's with the team roll-up."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from goldpath.catalog import EntityRef
from goldpath.cli._context import catalog_of, scorecards_of
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import cli_authorize
from goldpath.errors import GoldpathError
from goldpath.permissions import entity_resource

__all__ = ["score_command"]

console = Console(highlight=False, soft_wrap=True)


def _short(ref: str | None, kind: str) -> str:
    """``team-a`` for ``group:default/team-a``: what goes without saying left out."""
    if not ref:
        return "-"
    try:
        return EntityRef.parse(ref).humanize(default_kind=kind)
    except GoldpathError:
        return ref


def _mark(passed: bool) -> str:
    return "[green]pass[/]" if passed else "[red]FAIL[/]"


def score_command(
    ctx: typer.Context,
    ref: Annotated[
        str | None, typer.Argument(help="A component, [kind:][namespace/]name; omit for all.")
    ] = None,
    owner: Annotated[
        str | None, typer.Option("--owner", "-o", help="Only this owner's components.")
    ] = None,
    now: Annotated[
        bool, typer.Option("--now", help="Score the component again now (with a ref).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Show scorecards: each check of one component, or every component's score per team."""

    def run() -> None:
        service = scorecards_of(ctx)
        if ref is not None:
            key = EntityRef.parse(ref, default_kind="component", field="ref").key
            cli_authorize(
                ctx, "catalog.entity.read", entity_resource(catalog_of(ctx).get_entity(key))
            )
            if now:
                service.evaluate(key)
            card = service.get(key)
            if as_json:
                typer.echo(json.dumps(card.as_dict(), indent=2))
                return
            table = Table(
                title=f"{card.entity_ref}: {card.passed}/{card.total} checks pass ({card.percent}%)"
            )
            for column in ("check", "result", "why"):
                table.add_column(column, overflow="fold")
            for check in card.checks:
                table.add_row(check.id, _mark(check.passed), escape(check.message))
            console.print(table)
            return
        cli_authorize(ctx, "catalog.entity.read")
        cards = service.scorecards(owner=owner)
        if as_json:
            typer.echo(json.dumps([card.as_dict() for card in cards], indent=2))
            return
        teams = Table(title="Scorecards per owner")
        for column in ("owner", "components", "score", "checks passing", "failing most"):
            teams.add_column(column, overflow="fold")
        for team in service.rollup(owner=owner):
            failing = ", ".join(f"{check_id} ({n})" for check_id, n in team.failing[:3])
            teams.add_row(
                escape(_short(team.owner, "group")),
                str(team.components),
                f"{team.percent}%",
                f"{team.passed}/{team.total}",
                failing or "-",
            )
        console.print(teams)
        components = Table(title=f"{len(cards)} components")
        for column in ("component", "owner", "score", "failing"):
            components.add_column(column, overflow="fold")
        for card in cards:
            failing = ", ".join(c.id for c in card.checks if not c.passed)
            components.add_row(
                escape(_short(card.entity_ref, "component")),
                escape(_short(card.owner, "group")),
                f"{card.percent}%",
                failing or "-",
            )
        console.print(components)

    run_guarded(run)
