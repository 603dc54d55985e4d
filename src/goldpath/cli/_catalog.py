"""``goldpath catalog``: list, get, register, unregister and validate entities."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from goldpath.catalog import CatalogService, EntityRef, entity_problems, parse_filter_params
from goldpath.catalog.errors import InvalidEntityError, LocationTargetNotFoundError
from goldpath.cli._context import catalog_of
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import cli_authorize
from goldpath.errors import FieldError
from goldpath.permissions import entity_resource, location_resource
from goldpath.safe_yaml import YamlError, load_yaml_all

__all__ = ["catalog_app"]

catalog_app = typer.Typer(
    help="Browse and feed the software catalog (Backstage entity format).", no_args_is_help=True
)
console = Console(highlight=False, soft_wrap=True)


def _catalog(ctx: typer.Context) -> CatalogService:
    return catalog_of(ctx)


def _ref_of(entity: dict[str, Any]) -> str:
    return EntityRef.of(entity).key


@catalog_app.command("list")
def list_command(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option("--kind", "-k", help="Only this kind.")] = None,
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", "-f", help="Backstage filter, e.g. spec.type=service."),
    ] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Full-text term.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="At most this many.")] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """List entities as a table (ref, type, owner, description)."""

    def run() -> None:
        cli_authorize(ctx, "catalog.entity.read")
        groups = parse_filter_params(filters or [])
        if kind:
            groups = [{**g, "kind": [kind.lower()]} for g in groups] or [{"kind": [kind.lower()]}]
        result = _catalog(ctx).query(filters=groups, limit=limit, full_text=search or None)
        if as_json:
            typer.echo(json.dumps(result.as_dict()["items"], indent=2))
            return
        table = Table(title=f"{len(result.items)} of {result.total_items} entities")
        for column in ("ref", "type", "owner", "description"):
            table.add_column(column)
        for entity in result.items:
            spec = entity.get("spec") or {}
            table.add_row(
                _ref_of(entity),
                str(spec.get("type", "")),
                str(spec.get("owner", "")),
                str(entity["metadata"].get("description", "")),
            )
        console.print(table)

    run_guarded(run)


@catalog_app.command("get")
def get_command(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="Entity ref, [kind:][namespace/]name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of YAML.")] = False,
) -> None:
    """Print one entity, relations included."""

    def run() -> None:
        cli_authorize(ctx, "catalog.entity.read")
        entity = _catalog(ctx).get_entity(ref)
        if as_json:
            typer.echo(json.dumps(entity, indent=2))
        else:
            typer.echo(yaml.safe_dump(entity, sort_keys=False, allow_unicode=True), nl=False)

    run_guarded(run)


@catalog_app.command("register")
def register_command(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(help="A catalog-info.yaml path or URL.")],
    type_: Annotated[
        str | None, typer.Option("--type", "-t", help="file or url (guessed when omitted).")
    ] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Show what would be added.")] = False,
) -> None:
    """Register a location and ingest its entities now."""

    def run() -> None:
        kind = type_ or ("url" if target.startswith(("http://", "https://")) else "file")
        cli_authorize(ctx, "catalog.location.create", location_resource(f"{kind}:{target}"))
        record, entities = _catalog(ctx).add_location(kind, target, dry_run=dry_run)
        verb = "would register" if dry_run else "registered"
        console.print(f"[green]{verb}[/] location {record.id} ({record.key})")
        for entity in entities:
            console.print(f"  {_ref_of(entity)}")
        for problem in record.errors:
            console.print(f"  [yellow]warning:[/] {escape(str(problem))}")

    run_guarded(run)


@catalog_app.command("unregister")
def unregister_command(
    ctx: typer.Context,
    location: Annotated[
        str, typer.Argument(help="Location id, or the target it was registered with.")
    ],
) -> None:
    """Unregister a location and delete the entities it brought in."""

    def run() -> None:
        catalog = _catalog(ctx)
        record = None
        for item in catalog.list_locations():
            if location in (item.id, item.target, item.key):
                record = item
                break
        if record is None and not location.startswith(("http://", "https://")):
            record = catalog.find_location_by_target("file", location)
        if record is None:
            record = catalog.get_location(location)  # raises LocationNotFoundError
        cli_authorize(ctx, "catalog.location.delete", location_resource(record.id))
        catalog.remove_location(record.id)
        console.print(f"[green]unregistered[/] {record.key}")

    run_guarded(run)


@catalog_app.command("refresh")
def refresh_command(
    ctx: typer.Context,
    ref: Annotated[str | None, typer.Argument(help="Only this entity's location.")] = None,
) -> None:
    """Re-read every location (or one entity's) now."""

    def run() -> None:
        catalog = _catalog(ctx)
        entity = entity_resource(catalog.get_entity(ref)) if ref else None
        cli_authorize(ctx, "catalog.entity.refresh", entity)
        catalog.refresh(ref)
        console.print("[green]refreshed[/]")

    run_guarded(run)


@catalog_app.command("validate")
def validate_command(
    file: Annotated[Path, typer.Argument(help="A YAML file of one or more entities.")],
) -> None:
    """Check every entity in a file against Backstage's rules; exit 2 listing each problem."""

    def run() -> None:
        try:
            documents = load_yaml_all(file.read_bytes(), where=str(file))
        except FileNotFoundError as exc:
            raise LocationTargetNotFoundError(f"{file} does not exist", target=str(file)) from exc
        except YamlError as exc:
            raise InvalidEntityError(
                f"{file} is not valid YAML",
                errors=[FieldError("file", e.rule, e.message) for e in exc.errors],
            ) from exc
        problems: list[FieldError] = []
        for index, doc in enumerate(documents):
            name = doc.get("metadata", {}).get("name", "?") if isinstance(doc, dict) else "?"
            prefix = f"document {index + 1} ({name}): " if len(documents) > 1 else ""
            problems += [
                FieldError(f"{prefix}{p.field}", p.rule, p.message) for p in entity_problems(doc)
            ]
        if problems:
            raise InvalidEntityError(f"{file} has {len(problems)} problem(s)", errors=problems)
        console.print(
            f"[green]ok[/]: {len(documents)} valid entit{'y' if len(documents) == 1 else 'ies'}"
        )

    run_guarded(run)
