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
    from goldpath.cli._tasks import TaskClient
    from goldpath.db import Database
    from goldpath.live import LiveService

__all__ = [
    "CliContext",
    "catalog_of",
    "cli_context",
    "database_of",
    "live_of",
    "settings_of",
    "task_client_of",
]


@dataclass
class CliContext:
    """Settings are loaded once, on first use; the runtime is built and migrated lazily."""

    config_file: Path | None = None
    overrides: dict[str, object] = field(default_factory=dict)

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


def task_client_of(ctx: typer.Context, *, user: str = "user:default/guest") -> TaskClient:
    """The scaffolder as the CLI reaches it: a running portal serving this goldpath, else
    this process (which then runs the tasks it creates as ``user``)."""
    from goldpath.cli._portal import find_portal
    from goldpath.cli._tasks import LocalTasks, RemoteTasks
    from goldpath.scaffolder import TaskIdentity

    context = cli_context(ctx)
    portal = find_portal(context.settings)
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
        identity=TaskIdentity(user_ref=user),
        cross_process=cross_process,
    )
