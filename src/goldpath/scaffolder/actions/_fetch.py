"""``fetch:template`` and ``fetch:plain``: copy a template's directory into the workspace."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from pydantic import Field

from goldpath.errors import FieldError
from goldpath.scaffolder._actions import Action, ActionContext, ActionInput
from goldpath.scaffolder._paths import check_relative, is_within, resolve_inside
from goldpath.scaffolder._skeleton import read_tree, render_files, write_tree
from goldpath.scaffolder.errors import ActionInputError, PathEscapeError

__all__ = ["fetch_plain", "fetch_template", "resolve_source"]


def resolve_source(ctx: ActionContext, url: str) -> Path:
    """A template-relative URL (``./skeleton``) as a directory inside the template's own folder."""
    parsed = urlsplit(url)
    if parsed.scheme in ("http", "https"):
        raise ActionInputError(
            f"cannot fetch {url}: only paths relative to the template are supported",
            errors=[
                FieldError(
                    "input.url", "relative", "use a path relative to the template, like ./skeleton"
                )
            ],
        )
    base_url = ctx.template_info.get("baseUrl")
    if not base_url:
        raise ActionInputError(
            f"cannot resolve {url!r}: the template has no file location",
            errors=[
                FieldError("input.url", "base", "the template was not loaded from a file location")
            ],
        )
    base = Path(unquote(urlsplit(str(base_url)).path))
    if parsed.scheme == "file" or url.startswith("/"):
        raise PathEscapeError(
            f"url {url!r} is absolute; it must be relative to the template",
            errors=[FieldError("input.url", "relative", "must be relative to the template")],
        )
    check_relative(url, field="input.url")
    source = base.joinpath(*PurePosixPath(url).parts)
    if not is_within(base, source):
        raise PathEscapeError(
            f"url {url!r} leads outside the template's folder",
            errors=[FieldError("input.url", "relative", "leads outside the template's folder")],
        )
    return source


class FetchTemplateInput(ActionInput):
    """Backstage's fetch:template input."""

    url: str = Field(description="Relative path of the skeleton directory (./skeleton).")
    target_path: str = Field(
        default="./", alias="targetPath", description="Where in the workspace to put the files."
    )
    values: dict[str, Any] = Field(
        default_factory=dict, description="Values available as ${{ values.x }}."
    )
    copy_without_render: list[str] = Field(
        default_factory=list,
        alias="copyWithoutRender",
        description="Globs copied without rendering paths or contents (deprecated).",
    )
    copy_without_templating: list[str] = Field(
        default_factory=list,
        alias="copyWithoutTemplating",
        description="Globs whose contents are copied as-is (paths are still rendered).",
    )
    cookiecutter_compat: bool = Field(
        default=False,
        alias="cookiecutterCompat",
        description="Accepted for compatibility; ${{ values }} is always used.",
    )
    template_file_extension: bool | str = Field(
        default=False,
        alias="templateFileExtension",
        description="Only render files with this extension (true means .njk), and strip it.",
    )
    replace: bool = Field(
        default=False, description="Replace files that already exist in the target."
    )
    trim_blocks: bool = Field(default=False, alias="trimBlocks")
    lstrip_blocks: bool = Field(default=False, alias="lstripBlocks")
    token: str | None = Field(
        default=None, description="Accepted for compatibility; not used for local files."
    )


class FetchPlainInput(ActionInput):
    """Backstage's fetch:plain input."""

    url: str = Field(description="Relative path of the directory to copy.")
    target_path: str = Field(default="./", alias="targetPath")
    token: str | None = None


def _target(ctx: ActionContext, target_path: str) -> Path:
    return resolve_inside(
        ctx.workspace, target_path.strip() or ".", field="input.targetPath", allow_root=True
    )


def _fetch_template(ctx: ActionContext, params: FetchTemplateInput) -> None:
    source = resolve_source(ctx, params.url)
    target = _target(ctx, params.target_path)
    extension: str | None = None
    if params.template_file_extension is True:
        extension = ".njk"
    elif isinstance(params.template_file_extension, str) and params.template_file_extension:
        extension = params.template_file_extension
    ctx.log(f"Fetching template content from {params.url}")
    # An unanswered optional parameter is undefined in Backstage, so its key is absent
    # from values ({% if 'system' in values %} is false); null stands for that here.
    values = {key: value for key, value in params.values.items() if value is not None}
    unanswered = set(params.values) - set(values)

    def warn(path: PurePosixPath, names: list[str]) -> None:
        unknown = [name for name in names if name not in unanswered]
        if unknown:
            ctx.log(
                f"Warning: {path} uses {', '.join(unknown)}, which the values do not define; "
                "rendered as empty (as Backstage does)"
            )

    files = render_files(
        read_tree(source),
        values,
        copy_without_templating=params.copy_without_templating,
        copy_without_render=params.copy_without_render,
        template_file_extension=extension,
        trim_blocks=params.trim_blocks,
        lstrip_blocks=params.lstrip_blocks,
        on_undefined=warn,
    )
    if not params.replace:
        files = {p: f for p, f in files.items() if not target.joinpath(*p.parts).exists()}
    written = write_tree(target, files)
    ctx.log(f"Wrote {len(written)} files to {params.target_path}")


def _fetch_plain(ctx: ActionContext, params: FetchPlainInput) -> None:
    source = resolve_source(ctx, params.url)
    target = _target(ctx, params.target_path)
    written = write_tree(target, read_tree(source))
    ctx.log(f"Copied {len(written)} files from {params.url} to {params.target_path}")


fetch_template = Action(
    id="fetch:template",
    description="Renders a skeleton directory with ${{ values }} into the workspace.",
    input=FetchTemplateInput,
    handler=_fetch_template,
    supports_dry_run=True,
)

fetch_plain = Action(
    id="fetch:plain",
    description="Copies a directory of the template into the workspace as it is.",
    input=FetchPlainInput,
    handler=_fetch_plain,
    supports_dry_run=True,
)
