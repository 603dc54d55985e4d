"""``goldpath fleet``: which template version made each component, adoption, upgrades."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from goldpath.cli._context import catalog_of, fleet_of
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import cli_authorize, cli_subject
from goldpath.errors import FieldError, InvalidInputError

__all__ = ["fleet_app"]

fleet_app = typer.Typer(
    help="The fleet: template versions of every component, adoption and upgrades.",
    no_args_is_help=True,
)
console = Console(highlight=False, soft_wrap=True)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=False))


@fleet_app.command("status")
def status_command(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Per template: its version now, which component is on which version, how many are
    behind, and each one's last upgrade merge request."""

    def go() -> None:
        fleets = fleet_of(ctx).status()
        if as_json:
            _print_json([fleet.as_dict() for fleet in fleets])
            return
        if not fleets:
            console.print(
                "No component records its template yet (.goldpath/answers.yaml); "
                "create one, or adopt one with `goldpath fleet adopt`."
            )
            return
        for fleet in fleets:
            current = fleet.current.label if fleet.current else f"unknown: {fleet.problem}"
            table = Table(
                title=f"{fleet.template_ref}: now {current}, "
                f"{fleet.behind} of {len(fleet.members)} behind",
                title_justify="left",
            )
            for column in ("component", "version", "", "last upgrade"):
                table.add_column(column)
            for member in fleet.members:
                last = member.last_upgrade
                table.add_row(
                    escape(member.entity_ref),
                    escape(member.version.label),
                    "[yellow]behind[/]" if member.behind else "[green]current[/]",
                    "—"
                    if last is None
                    else escape(
                        f"#{last.id} {last.status.value}{' (draft)' if last.draft else ''}"
                    ),
                )
            console.print(table)

    run_guarded(go)


def _parse_sets(items: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    problems = []
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            problems.append(FieldError("--set", "format", f"{item!r} must look like key=value"))
            continue
        values[key.strip()] = value
    if problems:
        raise InvalidInputError("invalid --set values", errors=problems)
    return values


@fleet_app.command("adopt")
def adopt_command(
    ctx: typer.Context,
    component: Annotated[str, typer.Argument(help="The component, e.g. component:default/orders")],
    template: Annotated[str, typer.Option("--template", help="The template that made it.")],
    sets: Annotated[
        list[str] | None,
        typer.Option("--set", help="An answer the entity does not tell, key=value (repeatable)."),
    ] = None,
) -> None:
    """Record that TEMPLATE made COMPONENT's repository (commits .goldpath/answers.yaml on its
    default branch), so upgrades reach it. Answers come from the entity and --set."""

    def go() -> None:
        from goldpath.catalog import EntityRef
        from goldpath.permissions import entity_resource

        entity = catalog_of(ctx).get_entity(
            EntityRef.parse(component, default_kind="component", field="component").key
        )
        cli_authorize(ctx, "fleet.upgrade", entity_resource(entity))
        answers = fleet_of(ctx).adopt(component, template, values=_parse_sets(sets or []))
        console.print(
            f"adopted {escape(EntityRef.of(entity).key)}: {escape(answers.template_ref)} "
            f"at {escape(answers.version.label)}"
        )

    run_guarded(go)


@fleet_app.command("upgrade")
def upgrade_command(
    ctx: typer.Context,
    template: Annotated[
        str | None, typer.Option("--template", help="Only components made from this template.")
    ] = None,
    component: Annotated[
        str | None, typer.Option("--component", help="Only this component.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Open a merge request for every component behind its template: the template's changes
    merged into the repository's files (local edits kept); a conflicting file keeps
    markers and its request is a draft listing it. Running it again opens nothing new."""

    def go() -> int:
        from goldpath.permissions import entity_resource

        catalog = catalog_of(ctx)
        subject = cli_subject(ctx)

        def check(entity_ref: str) -> None:
            cli_authorize(ctx, "fleet.upgrade", entity_resource(catalog.get_entity(entity_ref)))

        if component is not None:
            from goldpath.catalog import EntityRef

            check(EntityRef.parse(component, default_kind="component", field="--component").key)
        results = fleet_of(ctx).upgrade(
            template_ref=template,
            component_ref=component,
            author=subject.user_ref,
            check=check,
        )
        if as_json:
            _print_json([result.as_dict() for result in results])
        elif not results:
            console.print("No component records a template (.goldpath/answers.yaml) to upgrade.")
        for result in [] if as_json else results:
            detail = {
                "opened": f"merge request #{result.merge_request} on {result.branch}",
                "conflicts": f"draft merge request #{result.merge_request} on {result.branch}, "
                f"conflicts in {', '.join(result.conflicts)}",
                "up-to-date": f"up to date ({result.to_version})",
                "failed": result.message,
            }[result.status]
            fresh = (
                "" if result.new or result.status in ("up-to-date", "failed") else " (already open)"
            )
            style = {"failed": "red", "conflicts": "yellow", "opened": "green"}.get(
                result.status, ""
            )
            console.print(
                f"{escape(result.entity_ref)}: [{style or 'default'}]{result.status}[/]"
                f" {escape(detail)}{fresh}"
            )
        return 1 if any(result.status == "failed" for result in results) else 0

    code = run_guarded(go)
    if code:
        raise typer.Exit(code)
