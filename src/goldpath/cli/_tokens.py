"""``goldpath tokens``: personal API tokens for automation, minted by an operator."""

from __future__ import annotations

import json

import typer
from rich.console import Console
from rich.table import Table

from goldpath.cli._context import database_of
from goldpath.cli._errors import run_guarded
from goldpath.cli._permissions import catalog_user_ref, cli_authorize

__all__ = ["tokens_app"]

tokens_app = typer.Typer(
    help="Personal API tokens (Authorization: Bearer) for the CLI and automation.",
    no_args_is_help=True,
)
console = Console(highlight=False, soft_wrap=True)

USER_OPTION = typer.Option(..., "--user", "-u", help="The catalog User, e.g. user:default/ada.")


@tokens_app.command("create")
def create(
    ctx: typer.Context,
    user: str = USER_OPTION,
    name: str = typer.Option(..., "--name", "-n", help="What the token is for (e.g. ci)."),
    as_json: bool = typer.Option(False, "--json", help="Print {id, token} as JSON."),
) -> None:
    """Issue a token for a catalog User; the secret is printed once and never stored."""
    from goldpath.web.auth import TokenStore

    def run() -> None:
        from goldpath.permissions import user_resource

        ref = catalog_user_ref(ctx, user)
        cli_authorize(ctx, "token.create", user_resource(ref))
        issued = TokenStore(database_of(ctx)).issue(ref, name)
        if as_json:
            typer.echo(json.dumps({"id": issued.token.id, "user": ref, "token": issued.plaintext}))
            return
        console.print(f"[green]token {issued.token.id}[/] for {ref} ({issued.token.name}):")
        typer.echo(issued.plaintext)
        console.print("[dim]Shown once: store it now (e.g. as a CI secret).[/]")

    run_guarded(run)


@tokens_app.command("list")
def list_tokens(ctx: typer.Context, user: str = USER_OPTION) -> None:
    """List a user's tokens (never their secrets)."""
    from goldpath.web.auth import TokenStore

    def run() -> None:
        ref = catalog_user_ref(ctx, user)
        tokens = TokenStore(database_of(ctx)).list_for(ref)
        if not tokens:
            console.print(f"{ref} has no API tokens")
            return
        table = Table("id", "name", "created", "last used")
        for token in tokens:
            last = token.last_used_at.isoformat(timespec="minutes") if token.last_used_at else "-"
            created = token.created_at.isoformat(timespec="minutes")
            table.add_row(token.id, token.name, created, last)
        console.print(table)

    run_guarded(run)


@tokens_app.command("revoke")
def revoke(
    ctx: typer.Context,
    token_id: str = typer.Argument(..., help="The token's id (from `tokens list`)."),
    user: str = USER_OPTION,
) -> None:
    """Revoke one of a user's tokens."""
    from goldpath.web.auth import TokenStore

    def run() -> None:
        from goldpath.permissions import user_resource

        ref = catalog_user_ref(ctx, user)
        cli_authorize(ctx, "token.delete", user_resource(ref))
        TokenStore(database_of(ctx)).revoke(ref, token_id)
        console.print(f"[green]revoked[/] token {token_id} of {ref}")

    run_guarded(run)
