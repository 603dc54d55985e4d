"""``goldpath promote REF --to ENV`` and ``goldpath promotions list|approve``.

The same promotion service the portal's API and page use: it authorizes as whoever the
command acts as (``--as user:default/ada``, else the operator), records who and when, and
refuses the requester's own approval of a prod promotion.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from goldpath.cli._context import promotions_of
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import cli_subject

if TYPE_CHECKING:
    from goldpath.promotions import Promotion

__all__ = ["promote_command", "promotions_app"]

promotions_app = typer.Typer(
    help="Promotions between environments: list them, approve a waiting one.",
    no_args_is_help=True,
)
console = Console(highlight=False, soft_wrap=True)


def _say(promotion: Promotion) -> None:
    what = (
        f"promotion {promotion.id}: {promotion.app} {promotion.tag} "
        f"{promotion.source} -> {promotion.environment}"
    )
    if promotion.is_waiting:
        console.print(
            f"[yellow]waiting[/] {what} (merge request {promotion.merge_request_id}); "
            "another owner or a platform admin approves it with "
            f"`goldpath promotions approve {promotion.id}`",
            markup=True,
        )
    else:
        sha = (promotion.merge_commit_sha or "")[:12]
        console.print(f"[green]merged[/] {what} as {sha} by {promotion.merged_by}")


def promote_command(
    ctx: typer.Context,
    entity_ref: Annotated[
        str, typer.Argument(help="The component, e.g. component:default/orders.")
    ],
    to: Annotated[str, typer.Option("--to", help="staging or prod.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the promotion as JSON.")] = False,
) -> None:
    """Promote the previous environment's image tag to staging or prod (a merge request on
    the GitOps repo: staging merges at once, prod waits for another owner's approval)."""

    def run() -> None:
        promotion = promotions_of(ctx).request(entity_ref, to, subject=cli_subject(ctx))
        if as_json:
            typer.echo(json.dumps(promotion.as_dict(), indent=2))
        else:
            _say(promotion)

    run_guarded(run)


@promotions_app.command("approve")
def approve_command(
    ctx: typer.Context,
    promotion_id: Annotated[int, typer.Argument(help="The promotion's id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the promotion as JSON.")] = False,
) -> None:
    """Approve a waiting promotion and merge it (never your own)."""

    def run() -> None:
        promotion = promotions_of(ctx).approve(promotion_id, subject=cli_subject(ctx))
        if as_json:
            typer.echo(json.dumps(promotion.as_dict(), indent=2))
        else:
            _say(promotion)

    run_guarded(run)


@promotions_app.command("list")
def list_command(
    ctx: typer.Context,
    entity_ref: Annotated[
        str | None, typer.Argument(help="Only this component's promotions.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Promotions, newest first, with who requested and approved them and when."""

    def run() -> None:
        found = promotions_of(ctx).list(entity_ref=entity_ref)
        if as_json:
            typer.echo(json.dumps({"items": [p.as_dict() for p in found]}, indent=2))
            return
        table = Table("#", "component", "to", "tag", "requested", "approved", "status")
        for p in found:
            approvals = ", ".join(f"{a.user} ({a.role}) {a.at:%Y-%m-%d %H:%M}" for a in p.approvals)
            table.add_row(
                str(p.id),
                p.entity_ref,
                f"{p.source} -> {p.environment}",
                f"{p.previous_tag} -> {p.tag}",
                f"{p.requested_by} {p.requested_at:%Y-%m-%d %H:%M}",
                approvals or "-",
                p.status.value,
            )
        console.print(table)

    run_guarded(run)
