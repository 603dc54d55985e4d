"""``fs:rename`` and ``fs:delete``: move and remove files inside the workspace only."""

from __future__ import annotations

import shutil

from pydantic import Field

from goldpath.errors import FieldError
from goldpath.scaffolder._actions import Action, ActionContext, ActionInput
from goldpath.scaffolder._paths import check_relative, is_within, resolve_inside
from goldpath.scaffolder.errors import ActionInputError, PathEscapeError

__all__ = ["fs_delete", "fs_rename"]


class RenameFile(ActionInput):
    """One rename: from, to, and whether to overwrite."""

    from_: str = Field(alias="from")
    to: str
    overwrite: bool = False


class FsRenameInput(ActionInput):
    """Backstage's fs:rename input."""

    files: list[RenameFile]


class FsDeleteInput(ActionInput):
    """Backstage's fs:delete input: paths or globs relative to the workspace."""

    files: list[str]


def _rename(ctx: ActionContext, params: FsRenameInput) -> None:
    for index, item in enumerate(params.files):
        source = resolve_inside(ctx.workspace, item.from_, field=f"input.files[{index}].from")
        target = resolve_inside(ctx.workspace, item.to, field=f"input.files[{index}].to")
        if not source.exists():
            raise ActionInputError(
                f"cannot rename {item.from_}: it does not exist",
                errors=[
                    FieldError(
                        f"input.files[{index}].from", "exists", f"{item.from_} does not exist"
                    )
                ],
            )
        if target.exists() and not item.overwrite:
            raise ActionInputError(
                f"cannot rename {item.from_} to {item.to}: the target exists",
                errors=[
                    FieldError(
                        f"input.files[{index}].to",
                        "exists",
                        f"{item.to} exists; set overwrite: true",
                    )
                ],
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.is_dir() and item.overwrite:
            shutil.rmtree(target)
        source.rename(target)
        ctx.log(f"Renamed {item.from_} to {item.to}")


def _delete(ctx: ActionContext, params: FsDeleteInput) -> None:
    for index, pattern in enumerate(params.files):
        field = f"input.files[{index}]"
        check_relative(pattern, field=field)
        matches = (
            sorted(ctx.workspace.glob(pattern))
            if any(c in pattern for c in "*?[")
            else [resolve_inside(ctx.workspace, pattern, field=field)]
        )
        for path in matches:
            if (
                not is_within(ctx.workspace, path.parent)
                or path.resolve() == ctx.workspace.resolve()
            ):
                raise PathEscapeError(
                    f"{field} {pattern!r} matches {path}, outside the workspace",
                    errors=[FieldError(field, "workspace", "matches a path outside the workspace")],
                )
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.is_dir():
                shutil.rmtree(path)
            else:
                continue
            ctx.log(f"Deleted {path.relative_to(ctx.workspace).as_posix()}")


def fs_rename() -> Action:
    """``fs:rename``: renames files and directories inside the workspace."""
    return Action(
        id="fs:rename",
        description="Renames files and directories inside the workspace.",
        input=FsRenameInput,
        handler=_rename,
        supports_dry_run=True,
    )


def fs_delete() -> Action:
    """``fs:delete``: deletes files and directories (paths or globs) inside the workspace."""
    return Action(
        id="fs:delete",
        description="Deletes files and directories (paths or globs) inside the workspace.",
        input=FsDeleteInput,
        handler=_delete,
        supports_dry_run=True,
    )
