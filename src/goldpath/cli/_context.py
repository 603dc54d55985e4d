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
    from goldpath.db import Database
    from goldpath.scaffolder import DryRunner, TaskCreator, TaskExecutor, TaskStore, Templates

__all__ = [
    "CliContext",
    "catalog_of",
    "cli_context",
    "database_of",
    "dry_runner_of",
    "settings_of",
    "task_creator_of",
    "task_executor_of",
    "task_store_of",
    "templates_of",
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


def templates_of(ctx: typer.Context) -> Templates:
    """The catalog's templates, with the built-ins registered."""
    templates = cli_context(ctx).runtime.templates
    templates.register_builtin()
    return templates


def task_creator_of(ctx: typer.Context) -> TaskCreator:
    """Creates scaffolder tasks."""
    return cli_context(ctx).runtime.task_creator


def task_executor_of(ctx: typer.Context) -> TaskExecutor:
    """Runs claimed scaffolder tasks in this process."""
    return cli_context(ctx).runtime.task_executor


def task_store_of(ctx: typer.Context) -> TaskStore:
    """Scaffolder tasks and their events."""
    return cli_context(ctx).runtime.task_store


def dry_runner_of(ctx: typer.Context) -> DryRunner:
    """Dry runs of templates."""
    return cli_context(ctx).runtime.dry_runner
