"""``fetch:template`` and ``fetch:plain``: copy a template's directory into the workspace."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from pydantic import Field

from goldpath.errors import FieldError
from goldpath.scaffolder._actions import Action, ActionContext, ActionInput
from goldpath.scaffolder._paths import check_relative, is_http_url, is_within, resolve_inside
from goldpath.scaffolder._skeleton import SkeletonFile, read_tree, render_files
from goldpath.scaffolder.errors import ActionInputError, PathEscapeError
from goldpath.trees import write_tree

if TYPE_CHECKING:
    from goldpath.providers.git import GitHosts

__all__ = ["fetch_plain", "fetch_template", "source_files"]

_EXECUTABLE_MODE = 0o100755
_SYMLINK_MODE = 0o120000


def source_files(
    ctx: ActionContext, url: str, hosts: GitHosts
) -> dict[PurePosixPath, SkeletonFile]:
    """The files ``url`` names: a folder of the template (``./skeleton``), or any folder
    URL a configured git host can read (``https://gitlab.example.com/g/p/-/tree/main/x``).

    A template that was itself read from a git host resolves relative URLs against its
    own folder there, as Backstage does.
    """
    if is_http_url(url):
        return _read_remote(ctx, url, hosts, field_url=url)
    base_url = ctx.template_info.base_url or ""
    if not base_url:
        raise ActionInputError(
            f"cannot resolve {url!r}: the template has no location",
            errors=[FieldError("input.url", "base", "the template was not loaded from a location")],
        )
    if urlsplit(url).scheme == "file" or url.startswith("/"):
        raise PathEscapeError(
            f"url {url!r} is absolute; it must be relative to the template",
            errors=[FieldError("input.url", "relative", "must be relative to the template")],
        )
    relative = check_relative(url, field="input.url")
    if is_http_url(base_url):
        folder = "" if relative == PurePosixPath(".") else relative.as_posix()
        return _read_remote(ctx, base_url + folder, hosts, field_url=url)
    base = Path(unquote(urlsplit(base_url).path))
    source = base.joinpath(*relative.parts)
    if not is_within(base, source):
        raise PathEscapeError(
            f"url {url!r} leads outside the template's folder",
            errors=[FieldError("input.url", "relative", "leads outside the template's folder")],
        )
    return read_tree(source)


def _read_remote(
    ctx: ActionContext, url: str, hosts: GitHosts, *, field_url: str
) -> dict[PurePosixPath, SkeletonFile]:
    reader = next((h for h in hosts.url_readers() if h.can_read_folder(url)), None)
    if reader is None:
        raise ActionInputError(
            f"cannot fetch {url}: no configured git host reads it (integrations.gitlab / "
            "integrations.github), and it is not a URL of the local git host",
            errors=[FieldError("input.url", "readable", f"no git host reads {field_url}")],
        )
    ctx.log(f"Reading {url} from {reader.host}")
    files: dict[PurePosixPath, SkeletonFile] = {}
    for path, (content, mode) in reader.read_folder(url).items():
        relative = check_relative(path, field="input.url")
        if mode == _SYMLINK_MODE:
            ctx.log(f"Skipping symlink {path}: a fetched skeleton keeps only files")
            continue
        files[relative] = SkeletonFile(content, 0o755 if mode == _EXECUTABLE_MODE else 0o644)
    return files


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


def fetch_template(hosts: GitHosts) -> Action:
    """``fetch:template``: renders a skeleton (its own, or one read through ``hosts``)."""

    def handler(ctx: ActionContext, params: FetchTemplateInput) -> None:
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
                    f"Warning: {path} uses {', '.join(unknown)}, which the values do not "
                    "define; rendered as empty (as Backstage does)"
                )

        files = render_files(
            source_files(ctx, params.url, hosts),
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
        written = write_tree(target, files, error=PathEscapeError)
        ctx.log(f"Wrote {len(written)} files to {params.target_path}")

    return Action(
        id="fetch:template",
        description="Renders a skeleton directory with ${{ values }} into the workspace.",
        input=FetchTemplateInput,
        handler=handler,
        supports_dry_run=True,
    )


def fetch_plain(hosts: GitHosts) -> Action:
    """``fetch:plain``: copies a folder (local or read through ``hosts``) into the workspace."""

    def handler(ctx: ActionContext, params: FetchPlainInput) -> None:
        target = _target(ctx, params.target_path)
        written = write_tree(
            target, source_files(ctx, params.url, hosts), error=PathEscapeError
        )
        ctx.log(f"Copied {len(written)} files from {params.url} to {params.target_path}")

    return Action(
        id="fetch:plain",
        description="Copies a directory of the template into the workspace as it is.",
        input=FetchPlainInput,
        handler=handler,
        supports_dry_run=True,
    )
