"""``goldpath permissions``: explain a decision, list the permissions, read the audit log.

Also how every other command is identified: the in-process CLI acts as the *operator*
(whoever can read goldpath's configuration and database can change everything anyway), so
no rule binds it, but what it changes is recorded as ``operator:<os user>``. ``goldpath
--as user:default/ada ...`` makes a command act as that catalog User instead: the policy
decides, a refusal exits 5 naming the permission, and the audit log records the user.
"""

from __future__ import annotations

import getpass
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from goldpath.catalog import parse_entity_ref, stringify_entity_ref
from goldpath.cli._context import (
    actions_of,
    catalog_of,
    cli_context,
    permissions_of,
    settings_of,
    task_store_of,
)
from goldpath.cli._errors import run_guarded
from goldpath.errors import FieldError, InvalidInputError
from goldpath.permissions import (
    ACTION,
    ENTITY,
    LOCATION,
    PERMISSIONS,
    TASK,
    TEMPLATE,
    USER,
    Decision,
    Permission,
    Resource,
    Subject,
    action_resource,
    action_resources_of,
    entity_resource,
    location_resource,
    operator_subject,
    task_resource,
    template_resource,
    user_resource,
)
from goldpath.scaffolder import TaskIdentity, TaskRecord, Template

__all__ = [
    "CliTaskGuard",
    "catalog_user_ref",
    "cli_authorize",
    "cli_authorize_run",
    "cli_subject",
    "permissions_app",
]

permissions_app = typer.Typer(
    help="Who may do what: explain decisions, list permissions, read the audit log.",
    no_args_is_help=True,
)
console = Console(highlight=False, soft_wrap=True)


def catalog_user_ref(ctx: typer.Context, user: str, *, field: str = "user") -> str:
    """The canonical ref of a User that exists in the catalog (guest only in development)."""
    from goldpath.web.auth import GUEST_REF

    ref = parse_entity_ref(user, default_kind="user", field=field)
    if ref.kind.lower() != "user":
        raise InvalidInputError(
            f"{user!r} is not a User",
            errors=[FieldError(field, "kind", "name a User entity (user:ns/name)")],
        )
    text = stringify_entity_ref(ref)
    if text == GUEST_REF and settings_of(ctx).guest_enabled:
        return text
    catalog_of(ctx).get_entity(text)  # raises a NotFound error naming the ref
    return text


def cli_subject(ctx: typer.Context) -> Subject:
    """Who this command acts as: the ``--as`` User, else the operator."""
    context = cli_context(ctx)
    if context.acting_as:
        ref = catalog_user_ref(ctx, context.acting_as, field="--as")
        return permissions_of(ctx).subject(ref)
    return operator_subject(getpass.getuser())


def cli_authorize(
    ctx: typer.Context, permission: str, resource: Resource | None = None
) -> Decision:
    """Authorize a command's act (recorded; NotAllowedError, exit 5, when refused)."""
    return permissions_of(ctx).authorize(cli_subject(ctx), permission, resource)


def cli_authorize_run(
    ctx: typer.Context, template: Mapping[str, Any], *, dry_run: bool = False
) -> Subject:
    """Authorize running a template: the template (unless a dry run), then each of its actions."""
    subject = cli_subject(ctx)
    service = permissions_of(ctx)
    if not dry_run:
        service.authorize(subject, "scaffolder.task.create", template_resource(template))
    for action in action_resources_of(template):
        service.authorize(subject, "scaffolder.action.execute", action, changes=not dry_run)
    return subject


def _task_resource(task: TaskRecord) -> Resource:
    return task_resource(task.id, created_by=task.created_by, parameters=task.spec.parameters)


class CliTaskGuard:
    """What the in-process CLI may do with tasks, as the operator or the ``--as`` User."""

    def __init__(self, ctx: typer.Context) -> None:
        self.ctx = ctx

    def run(self, template: Template, *, dry_run: bool) -> TaskIdentity:
        """Authorize running the template; who the task runs for."""
        subject = cli_authorize_run(self.ctx, template.entity, dry_run=dry_run)
        if subject.operator:
            return TaskIdentity(user_ref=f"user:default/{getpass.getuser()}".lower())
        entity = catalog_of(self.ctx).find_entity(subject.user_ref)
        return TaskIdentity(user_ref=subject.user_ref, entity=entity)

    def read(self, task: TaskRecord) -> None:
        """Authorize reading the task (recorded)."""
        cli_authorize(self.ctx, "scaffolder.task.read", _task_resource(task))

    def readable(self, task: TaskRecord) -> bool:
        """Whether the task's parameters may be shown (asked, not recorded)."""
        subject = cli_subject(self.ctx)
        decision = permissions_of(self.ctx).decide(
            subject, "scaffolder.task.read", _task_resource(task)
        )
        return decision.allowed

    def cancel(self, task: TaskRecord) -> None:
        """Authorize cancelling the task (recorded)."""
        cli_authorize(self.ctx, "scaffolder.task.cancel", _task_resource(task))


def _location(ctx: typer.Context, ref: str) -> Resource:
    for record in catalog_of(ctx).list_locations():
        if ref in (record.id, record.target, record.key):
            return location_resource(record.id)
    return location_resource(ref)  # one that is not registered yet (catalog.location.create)


def _resource(ctx: typer.Context, permission: Permission, ref: str) -> Resource:
    kind = permission.resource_type
    if kind in (ENTITY, TEMPLATE):
        default = "template" if kind == TEMPLATE else "component"
        key = parse_entity_ref(ref, default_kind=default, field="--resource").key
        entity = catalog_of(ctx).get_entity(key)
        return template_resource(entity) if kind == TEMPLATE else entity_resource(entity)
    if kind == TASK:
        task = task_store_of(ctx).get(ref)
        return task_resource(task.id, created_by=task.created_by, parameters=task.spec.parameters)
    if kind == LOCATION:
        return _location(ctx, ref)
    if kind == ACTION:
        actions_of(ctx).get(ref)  # raises for an unknown action
        return action_resource(ref)
    if kind == USER:
        return user_resource(catalog_user_ref(ctx, ref, field="--resource"))
    raise InvalidInputError(
        f"{permission.name} is not about a resource",
        errors=[FieldError("--resource", "none", f"{permission.name} takes no --resource")],
    )


@permissions_app.command("explain")
def explain_command(
    ctx: typer.Context,
    user: Annotated[str, typer.Option("--user", "-u", help="The catalog User, e.g. ada.")],
    permission: Annotated[
        str, typer.Option("--permission", "-p", help="e.g. catalog.entity.delete.")
    ],
    resource: Annotated[
        str | None,
        typer.Option(
            "--resource",
            "-r",
            help="What the permission is asked about, as it needs: an entity ref (a bare "
            "name is a component), a template, a task id, a location id or target, an "
            "action id or a user.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
) -> None:
    """Print the decision for a user, a permission and a resource, and the rule that made it."""

    def run() -> None:
        perm = PERMISSIONS.get(permission, field="--permission")
        service = permissions_of(ctx)
        subject = service.subject(catalog_user_ref(ctx, user))
        target = _resource(ctx, perm, resource) if resource else None
        decision = service.decide(subject, perm, target)
        if as_json:
            typer.echo(json.dumps({**decision.as_dict(), "admin": service.is_admin(subject)}))
            return
        groups = ", ".join(sorted(subject.groups)) or "none"
        admin = "yes" if service.is_admin(subject) else "no"
        console.print(f"[bold]{subject.user_ref}[/] (groups: {groups}; platform admin: {admin})")
        on = f" on {decision.resource_ref}" if decision.resource_ref else ""
        verdict = "[bold green]ALLOW[/]" if decision.allowed else "[bold red]DENY[/]"
        console.print(f"{perm.name}{escape(on)}: {verdict}")
        console.print(f"  rule: {escape(decision.rule)}")
        console.print(f"  reason: {escape(decision.reason)}")

    run_guarded(run)


@permissions_app.command("list")
def list_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """Every permission: its name, what kind of act, on what, and who the defaults allow."""
    rows = [
        {
            "name": p.name,
            "action": p.action,
            "resourceType": p.resource_type,
            "what": p.what,
            "allowedByDefault": p.who,
        }
        for p in PERMISSIONS
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table("permission", "action", "resource", "by default")
    for row in rows:
        table.add_row(
            str(row["name"]),
            str(row["action"]),
            str(row["resourceType"] or "-"),
            str(row["allowedByDefault"]),
        )
    console.print(table)


@permissions_app.command("audit")
def audit_command(
    ctx: typer.Context,
    actor: Annotated[str | None, typer.Option("--actor", help="user:default/ada")] = None,
    permission: Annotated[
        str | None, typer.Option("--permission", "-p", help="A name or a pattern (catalog.*).")
    ] = None,
    resource: Annotated[str | None, typer.Option("--resource", "-r", help="Exact ref.")] = None,
    denied: Annotated[bool, typer.Option("--denied", help="Only refusals.")] = False,
    since: Annotated[
        datetime | None, typer.Option("--since", help="From this time (UTC), e.g. 2026-12-01.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, max=500)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """The newest audit entries (decisions that changed something, and every refusal)."""
    from datetime import UTC

    def run() -> None:
        cli_authorize(ctx, "audit.read")
        page = permissions_of(ctx).audit.query(
            actor=actor,
            permission=permission,
            resource=resource,
            decision="deny" if denied else None,
            since=since.replace(tzinfo=UTC) if since and since.tzinfo is None else since,
            limit=limit,
        )
        if as_json:
            typer.echo(json.dumps(page.as_dict(), indent=2))
            return
        table = Table(title=f"{len(page.items)} of {page.total} decisions")
        for column in ("time (UTC)", "actor", "permission", "resource", "decision", "rule"):
            table.add_column(column)
        for entry in page.items:
            table.add_row(
                entry.at.strftime("%Y-%m-%d %H:%M:%S"),
                entry.actor,
                entry.permission,
                entry.resource or "-",
                "[green]allow[/]" if entry.decision == "allow" else "[red]deny[/]",
                escape(entry.rule),
            )
        console.print(table)

    run_guarded(run)
