"""What every command gets: the settings and, on demand, the parts of the composition root.

The CLI's edge of the composition root: a command asks for the part it uses
(``catalog_of(ctx)``); only this module knows they come from a ``Runtime``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from goldpath.config import Settings, load_settings
from goldpath.runtime import Runtime

if TYPE_CHECKING:
    from goldpath.catalog import CatalogService
    from goldpath.cli._tasks import TaskClient, TaskGuard
    from goldpath.db import Database
    from goldpath.live import LiveService
    from goldpath.permissions import PermissionService
    from goldpath.promotions import PromotionService
    from goldpath.scaffolder import ActionRegistry, TaskStore
    from goldpath.scorecards import ScorecardService

__all__ = [
    "CliContext",
    "catalog_of",
    "cli_context",
    "database_of",
    "actions_of",
    "live_of",
    "permissions_of",
    "scorecards_of",
    "promotions_of",
    "settings_of",
    "task_client_of",
    "task_store_of",
]


@dataclass
class CliContext:
    """Settings are loaded once, on first use; the runtime is built and migrated lazily."""

    config_file: Path | None = None
    overrides: dict[str, object] = field(default_factory=dict)
    acting_as: str | None = None  # --as: a catalog User the policy decides for

    @cached_property
    def settings(self) -> Settings:
        """The settings for this invocation."""
        return load_settings(self.config_file, **self.overrides)

    @cached_property
    def runtime(self) -> Runtime:
        """A runtime with its database migrated (no background loops)."""
        runtime = Runtime(self.settings)
        runtime.prepare()
        return runtime


def cli_context(ctx: typer.Context) -> CliContext:
    """The CliContext stored by the root callback."""
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj


def settings_of(ctx: typer.Context) -> Settings:
    """The settings of this invocation."""
    return cli_context(ctx).settings


def database_of(ctx: typer.Context) -> Database:
    """The database, migrated."""
    return cli_context(ctx).runtime.database


def catalog_of(ctx: typer.Context) -> CatalogService:
    """The software catalog."""
    return cli_context(ctx).runtime.catalog


def live_of(ctx: typer.Context) -> LiveService:
    """Components' live status and the local runner."""
    return cli_context(ctx).runtime.live


def permissions_of(ctx: typer.Context) -> PermissionService:
    """Who may do what, and the audit log."""
    return cli_context(ctx).runtime.permissions


def scorecards_of(ctx: typer.Context) -> ScorecardService:
    """Components' scorecards."""
    return cli_context(ctx).runtime.scorecards
def promotions_of(ctx: typer.Context) -> PromotionService:
    """Promotions between environments, with their approvals."""
    return cli_context(ctx).runtime.promotions


def task_store_of(ctx: typer.Context) -> TaskStore:
    """The scaffolder's tasks in this goldpath's database."""
    return cli_context(ctx).runtime.task_store


def actions_of(ctx: typer.Context) -> ActionRegistry:
    """Every registered scaffolder action."""
    return cli_context(ctx).runtime.actions


def task_client_of(ctx: typer.Context, *, guard: TaskGuard) -> TaskClient:
    """The scaffolder as the CLI reaches it: a running portal serving this goldpath (which
    decides what its caller may do), else this process, where ``guard`` decides. ``--as``
    is an in-process matter: with it the CLI never goes through a portal."""
    from goldpath.cli._portal import find_portal
    from goldpath.cli._tasks import LocalTasks, RemoteTasks

    context = cli_context(ctx)
    portal = None if context.acting_as else find_portal(context.settings)
    if portal is not None:
        return RemoteTasks(portal)
    runtime = context.runtime
    runtime.templates.register_builtin()
    cross_process = runtime.database.is_postgresql
    if cross_process:  # other processes' events reach this one through LISTEN/NOTIFY
        runtime.task_relay.start()
        ctx.call_on_close(runtime.task_relay.stop)
    return LocalTasks(
        templates=runtime.templates,
        creator=runtime.task_creator,
        store=runtime.task_store,
        executor=runtime.task_executor,
        dry_runner=runtime.dry_runner,
        feed=runtime.task_feed,
        guard=guard,
        cross_process=cross_process,
        heartbeat_timeout=context.settings.scaffolder.heartbeat_timeout_seconds,
    )
