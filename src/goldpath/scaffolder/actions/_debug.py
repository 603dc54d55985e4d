"""``debug:log``: write a message (and optionally the workspace listing) to the task log."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from goldpath.scaffolder._actions import Action, ActionContext, ActionInput

__all__ = ["debug_log"]


class DebugLogInput(ActionInput):
    """Backstage's debug:log input."""

    message: str | None = Field(default=None, description="Message to write to the log.")
    list_workspace: bool | Literal["with-filenames", "with-contents"] = Field(
        default=False, alias="listWorkspace", description="Also list the workspace's files."
    )
    extra: Any = Field(default=None, description="Anything; logged as given.")


def _debug_log(ctx: ActionContext, params: DebugLogInput) -> None:
    if params.message is not None:
        ctx.log(params.message)
    if params.extra is not None:
        ctx.log(f"extra: {params.extra!r}")
    if params.list_workspace:
        files = sorted(p for p in ctx.workspace.rglob("*") if p.is_file())
        ctx.log(
            "Workspace:\n"
            + "\n".join(f"  - {p.relative_to(ctx.workspace).as_posix()}" for p in files)
        )
        if params.list_workspace == "with-contents":
            for path in files:
                text = path.read_bytes().decode("utf-8", errors="replace")
                ctx.log(f"{path.relative_to(ctx.workspace).as_posix()}:\n{text}")


def debug_log() -> Action:
    """``debug:log``: writes a message into the task log; can list the workspace."""
    return Action(
        id="debug:log",
        description="Writes a message into the task log; can list the workspace.",
        input=DebugLogInput,
        handler=_debug_log,
        supports_dry_run=True,
    )
