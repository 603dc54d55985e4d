"""``fleet:answers``: the Create step that writes ``.goldpath/answers.yaml`` into the
workspace (and keeps a copy of the template version, so upgrades can render it later)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from goldpath.catalog import CatalogService
from goldpath.db import Database
from goldpath.errors import FieldError
from goldpath.fleet._answers import ANSWERS_PATH, answers_for
from goldpath.fleet._snapshots import TemplateSnapshots
from goldpath.fleet._version import template_files, template_version
from goldpath.fleet.errors import TemplateFilesError
from goldpath.providers.git import GitHosts
from goldpath.scaffolder import (
    Action,
    ActionContext,
    ActionDeps,
    ActionInput,
    SkeletonFile,
    Template,
    parse_template,
)
from goldpath.trees import relative_path, write_tree

__all__ = ["fleet_actions", "fleet_answers", "read_template_files"]


class AnswersInput(ActionInput):
    """fleet:answers input."""

    values: dict[str, Any] = Field(
        default_factory=dict,
        description="The answers to record: pass ${{ parameters }}; secrets are left out.",
    )
    target_path: str = Field(
        default=".",
        alias="targetPath",
        description="The workspace folder that becomes the repository (where .goldpath/ goes).",
    )


class AnswersOutput(BaseModel):
    """fleet:answers outputs."""

    model_config = ConfigDict(populate_by_name=True)

    path: str = Field(description="Where the file was written, in the workspace.")
    content: str = Field(description="The file's text (gitops:publish commits it too).")
    version: str = Field(description="The template version's digest.")


def read_template_files(
    template: Template, hosts: GitHosts
) -> Mapping[PurePosixPath, SkeletonFile]:
    """The template folder's files: from this machine, or from the git host it lives on."""
    if template.base_dir is not None:
        return template_files(template)
    if template.base_url is not None:
        folder = template.base_url.replace("/-/blob/", "/-/tree/")
        for reader in hosts.url_readers():
            if reader.can_read_folder(folder):
                return {
                    PurePosixPath(path): SkeletonFile(content, mode & 0o777 or 0o644)
                    for path, (content, mode) in reader.read_folder(folder).items()
                }
    raise TemplateFilesError(
        f"{template.ref} has neither a local folder nor a git host folder to read",
        errors=[FieldError("template", "files", "the template's files cannot be read")],
        template=template.ref,
    )


def fleet_answers(
    *, catalog: CatalogService, hosts: GitHosts, snapshots: TemplateSnapshots | None
) -> Action:
    """``fleet:answers``: records the template, its version and the answers in the workspace."""

    def handler(ctx: ActionContext, params: AnswersInput) -> None:
        ref = ctx.template_info.entity_ref
        if not ref:
            ctx.log("This template is not in the catalog: no answers file is written")
            return
        template = parse_template(catalog.get_entity(ref))
        files = read_template_files(template, hosts)
        version = template_version(template, files)
        answers = answers_for(
            template, params.values, version=version, secrets=ctx.secrets.values()
        )
        folder = relative_path(params.target_path, field="input.targetPath", allow_empty=True)
        path = folder / ANSWERS_PATH
        text = answers.dump()
        write_tree(ctx.workspace, {path: text})
        if snapshots is not None and not ctx.dry_run:
            snapshots.save(
                template_ref=template.ref, version=version, entity=template.entity, files=files
            )
        ctx.log(f"Recorded {template.ref} at version {version.label} in {path}")
        ctx.output("path", path.as_posix())
        ctx.output("content", text)
        ctx.output("version", version.digest)

    return Action(
        id="fleet:answers",
        description=(
            "Writes .goldpath/answers.yaml (the template, its version and the answers, never "
            "secrets) so `goldpath fleet upgrade` can bring the repository up to date later."
        ),
        input=AnswersInput,
        output=AnswersOutput,
        handler=handler,
        supports_dry_run=True,
    )


def fleet_actions(deps: ActionDeps) -> tuple[Action, ...]:
    """The fleet's actions, each handed what it uses."""
    database: Database | None = deps.database
    return (
        fleet_answers(
            catalog=deps.catalog,
            hosts=deps.git_hosts,
            snapshots=TemplateSnapshots(database) if database is not None else None,
        ),
    )
