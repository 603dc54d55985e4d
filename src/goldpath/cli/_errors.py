"""The one place that turns errors into a red line and an exit code."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from goldpath.errors import (
    AuthenticationError,
    ConflictError,
    GoldpathError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
)

__all__ = ["EXIT_CODES", "exit_code_for", "run_guarded"]

T = TypeVar("T")

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_CODES: tuple[tuple[type[GoldpathError], int], ...] = (
    (InvalidInputError, 2),
    (NotFoundError, 3),
    (ConflictError, 4),
    (AuthenticationError, 5),
    (PermissionDeniedError, 5),
    (ProviderError, 6),
)


def exit_code_for(exc: GoldpathError) -> int:
    """The exit code for a domain error (1 for anything not in the table)."""
    for error_type, code in EXIT_CODES:
        if isinstance(exc, error_type):
            return code
    return 1


def run_guarded(func: Callable[[], T]) -> T:
    """Run a command; a goldpath error becomes one red line and its exit code."""
    try:
        return func()
    except GoldpathError as exc:
        # Messages quote rules such as ``[a-z0-9]``: escape them so Rich prints them as-is.
        err_console.print(f"[bold red]error:[/] {escape(exc.message)}", highlight=False)
        if isinstance(exc, InvalidInputError):
            for problem in exc.errors:
                err_console.print(f"  [red]-[/] {escape(str(problem))}", highlight=False)
        raise typer.Exit(exit_code_for(exc)) from None
    except KeyboardInterrupt:
        err_console.print("[bold red]interrupted[/]")
        raise typer.Exit(130) from None
