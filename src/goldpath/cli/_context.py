"""What every command gets: the settings and, on demand, the runtime."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import typer

from goldpath.config import Settings, load_settings
from goldpath.runtime import Runtime

__all__ = ["CliContext", "cli_context"]


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
