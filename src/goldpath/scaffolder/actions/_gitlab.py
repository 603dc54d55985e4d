"""``gitlab:project:configure``: what a new app's GitLab project needs for its pipeline to run.

- CI/CD variables from the template's ``projectVariables`` (Backstage's ``publish:gitlab``
  item shape: ``key``, ``value``, ``description``, ``variable_type``, ``protected``,
  ``masked``, ``raw``, ``environment_scope``), masked and protected where the template says;
- the default branch protected (maintainers push, developers merge, no force push);
- with ``gitopsRepoUrl``, the GitOps repository's ``main`` protected so only maintainers
  push and merge: a promotion to prod is a draft merge request waiting for another
  owner's approval through goldpath, and a developer must not merge it around that gate;
- with ``gitopsRepoUrl``, a token that may push to the app's GitOps repository and nothing
  else, stored masked and protected as ``GITOPS_DEPLOY_TOKEN`` (the variable the pipeline's
  update-gitops job reads). GitLab's *deploy tokens* cannot push (their only repository
  scope is ``read_repository``), so this is a *project access token* of the GitOps project
  with the single scope ``write_repository``: the same reach, one repository.

Everything this step adds carries this task's id (a variable's description, the token's
name), every undo is recorded before the call it undoes, and an undo removes only what
carries the task's id: a re-run finds what it made, a rollback never removes what was
there before. A variable that exists with another value is refused, never overwritten.

On the local git host (the embedded default) there is no GitLab project to configure: the
step logs one line saying so and changes nothing.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from goldpath.errors import FieldError
from goldpath.providers import GitLabProjects, ProjectVariable
from goldpath.scaffolder._actions import (
    Action,
    ActionContext,
    ActionDeps,
    ActionInput,
    UndoEnv,
    UndoHandler,
)
from goldpath.scaffolder.actions._gitlab_tokens import (
    GITOPS_TOKEN_VARIABLE,
    MAX_TOKEN_DAYS,
    gitlab_integration,
    pipeline_token_name,
)
from goldpath.scaffolder.errors import ActionInputError, ResourceExistsError

if TYPE_CHECKING:
    from goldpath.config import Settings
    from goldpath.providers.git import GitHosts

__all__ = ["GITOPS_TOKEN_VARIABLE", "gitlab_actions", "gitlab_project_configure"]

UNDO_DELETE_VARIABLE = "delete-variable"
UNDO_UNPROTECT_BRANCH = "unprotect-branch"
UNDO_REVOKE_TOKEN = "revoke-token"
UNDO_RESTORE_PROTECTION = "restore-branch-protection"
GITOPS_BRANCH = "main"
MAINTAINER = 40
DEVELOPER = 30
NO_ONE = 0
_KEY = re.compile(r"^[A-Za-z0-9_]{1,255}$")
# GitLab's rule for a masked value: one line of at least 8 characters from the Base64
# alphabet (RFC 4648, either variant) plus @ : . ~
_MASKABLE = re.compile(r"^[A-Za-z0-9+/=@:.~_-]{8,}$")


def _marker(task_id: str) -> str:
    return f"goldpath task {task_id}"


# -- inputs and outputs -------------------------------------------------------------------


class ProjectVariableInput(BaseModel):
    """One CI/CD variable, in GitLab's (and Backstage's projectVariables) names."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(pattern=_KEY.pattern, description="Letters, digits and _ (at most 255).")
    value: str = Field(description="The value (masked ones follow GitLab's masking rule).")
    description: str | None = Field(default=None, max_length=255)
    variable_type: Literal["env_var", "file"] = "env_var"
    protected: bool = False
    masked: bool = False
    raw: bool = False
    environment_scope: str = "*"


class GitlabProjectConfigureInput(ActionInput):
    """gitlab:project:configure input."""

    repo_url: str = Field(alias="repoUrl", description="The app's project: host?owner=o&repo=r.")
    default_branch: str = Field(default="main", alias="defaultBranch")
    protect_default_branch: bool = Field(default=True, alias="protectDefaultBranch")
    project_variables: list[ProjectVariableInput] = Field(
        default_factory=list, alias="projectVariables"
    )
    gitops_repo_url: str | None = Field(
        default=None,
        alias="gitopsRepoUrl",
        description="The app's GitOps project (same GitLab): the pipeline gets a token to push it.",
    )
    gitops_token_days: int = Field(
        default=MAX_TOKEN_DAYS, ge=1, le=MAX_TOKEN_DAYS, alias="gitopsTokenDays",
        description="Days the token lives (`goldpath platform rotate-pipeline-tokens` "
        "replaces it before it expires).",
    )
    token: str | None = Field(
        default=None,
        description="The user's own GitLab token (from secrets); else the integration's.",
    )


class GitlabProjectConfigureOutput(BaseModel):
    """gitlab:project:configure outputs."""

    model_config = ConfigDict(populate_by_name=True)

    settings_url: str = Field(alias="settingsUrl", description="The project's CI/CD settings page.")
    variables: list[str] = Field(description="Keys of the variables the project has now.")
    protected_branch: str = Field(alias="protectedBranch")
    gitops_token_name: str = Field(alias="gitopsTokenName")
    skipped: bool


# -- the step -------------------------------------------------------------------------------


class _Instances:
    """One GitLabProjects per configured GitLab host (python-gitlab loads on first use)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._made: dict[str, GitLabProjects] = {}
        self._lock = threading.Lock()

    def get(self, host: str, *, token: str | None = None) -> GitLabProjects:
        integration = gitlab_integration(self._settings, host)
        if token:
            return GitLabProjects(integration.model_copy(update={"token": SecretStr(token)}))
        with self._lock:
            if host.lower() not in self._made:
                self._made[host.lower()] = GitLabProjects(integration)
            return self._made[host.lower()]


def _check_variables(variables: list[ProjectVariableInput], *, with_token: bool) -> None:
    errors = [
        FieldError(
            f"input.projectVariables.{index}.value",
            "masked",
            f"{item.key} is masked, so its value must be one line of at least 8 characters "
            "from the Base64 alphabet or @:.~ (GitLab's rule)",
        )
        for index, item in enumerate(variables)
        if item.masked and not _MASKABLE.match(item.value)
    ]
    keys = [item.key for item in variables]
    errors += [
        FieldError(f"input.projectVariables.{index}.key", "unique", f"{key} is given twice")
        for index, key in enumerate(keys)
        if key in keys[:index]
    ]
    if with_token:
        errors += [
            FieldError(
                f"input.projectVariables.{index}.key",
                "reserved",
                f"{GITOPS_TOKEN_VARIABLE} holds the GitOps token this step makes",
            )
            for index, key in enumerate(keys)
            if key == GITOPS_TOKEN_VARIABLE
        ]
    if errors:
        raise ActionInputError("gitlab:project:configure: invalid projectVariables", errors=errors)


def _wanted(item: ProjectVariableInput, task_id: str) -> ProjectVariable:
    note = f"{item.description} ({_marker(task_id)})" if item.description else _marker(task_id)
    return ProjectVariable(
        key=item.key,
        value=item.value,
        protected=item.protected,
        masked=item.masked,
        raw=item.raw,
        variable_type=item.variable_type,
        environment_scope=item.environment_scope,
        description=note,
    )


def _same(a: ProjectVariable, b: ProjectVariable) -> bool:
    return (a.value, a.protected, a.masked, a.raw, a.variable_type, a.environment_scope) == (
        b.value,
        b.protected,
        b.masked,
        b.raw,
        b.variable_type,
        b.environment_scope,
    )


def _ours(found: ProjectVariable, task_id: str) -> bool:
    return _marker(task_id) in (found.description or "")


def _configure(
    ctx: ActionContext,
    hosts: GitHosts,
    instances: _Instances,
    params: GitlabProjectConfigureInput,
) -> None:
    _check_variables(params.project_variables, with_token=bool(params.gitops_repo_url))
    host, parsed = hosts.for_repo_url(params.repo_url, kind="gitlab", field="input.repoUrl")
    project = f"{parsed.owner}/{parsed.repo}"
    if host.kind == "local":
        ctx.log(
            f"Skipped: {project} is on the local git host (no GitLab integration for "
            f"{parsed.host}), which has no CI/CD variables, branch protection or tokens"
        )
        ctx.output("settingsUrl", "")
        ctx.output("variables", [])
        ctx.output("protectedBranch", "")
        ctx.output("gitopsTokenName", "")
        ctx.output("skipped", True)
        return
    gitops: str | None = None
    if params.gitops_repo_url:
        gitops_host, gitops_parsed = hosts.for_repo_url(
            params.gitops_repo_url, kind="gitlab", field="input.gitopsRepoUrl"
        )
        if gitops_host.host != host.host:
            raise ActionInputError(
                "gitopsRepoUrl must be on the same GitLab as repoUrl",
                errors=[
                    FieldError("input.gitopsRepoUrl", "host", f"{gitops_host.host} != {host.host}")
                ],
            )
        gitops = f"{gitops_parsed.owner}/{gitops_parsed.repo}"
    api = instances.get(host.host, token=params.token)
    settings_url = f"{host.web_url(parsed.owner, parsed.repo)}/-/settings/ci_cd"
    wanted = []
    for item in params.project_variables:
        if item.value == "":
            # an earlier step that was skipped (no AWS) outputs empty values
            ctx.log(f"{item.key} has no value (an earlier step was skipped); not set")
            continue
        wanted.append(_wanted(item, ctx.task_id))
    token_name = pipeline_token_name(project, ctx.task_id) if gitops else ""
    keys = [v.key for v in wanted] + ([GITOPS_TOKEN_VARIABLE] if gitops else [])
    if ctx.dry_run:
        ctx.log(
            f"Dry run: would set {', '.join(keys) or 'no variables'} on {project}"
            + (f", protect {params.default_branch}" if params.protect_default_branch else "")
            + (f", and give the pipeline a token that may push to {gitops}" if gitops else "")
        )
        ctx.output("settingsUrl", settings_url)
        ctx.output("variables", keys)
        ctx.output(
            "protectedBranch", params.default_branch if params.protect_default_branch else ""
        )
        ctx.output("gitopsTokenName", token_name)
        ctx.output("skipped", False)
        return

    # 1. Refuse before changing anything: a variable of that key that is not ours and
    #    differs is someone else's setting.
    existing: dict[str, ProjectVariable | None] = {}
    for key in keys:
        ctx.check_cancelled()
        existing[key] = api.variable(project, key)
    for variable in wanted:
        found = existing[variable.key]
        if found is not None and not _ours(found, ctx.task_id) and not _same(found, variable):
            raise ResourceExistsError(
                f"{project} already has a CI/CD variable {variable.key} with another value or "
                "settings; goldpath does not overwrite it: remove it, or leave it out of "
                "projectVariables",
                resource=f"{project}:{variable.key}",
            )
    token_found = existing.get(GITOPS_TOKEN_VARIABLE)
    if gitops and token_found is not None and not _ours(token_found, ctx.task_id):
        raise ResourceExistsError(
            f"{project} already has a CI/CD variable {GITOPS_TOKEN_VARIABLE}; goldpath does "
            "not replace a token it did not make: remove it first",
            resource=f"{project}:{GITOPS_TOKEN_VARIABLE}",
        )

    # 2. The default branch.
    protected = ""
    if params.protect_default_branch:
        branch = params.default_branch
        current = api.protected_branch(project, branch)
        if current is not None:
            ctx.log(f"{branch} of {project} is already protected; left as it is")
        else:
            ctx.on_rollback(
                f"unprotect {branch} of {project}",
                kind=UNDO_UNPROTECT_BRANCH,
                params={"host": host.host, "project": project, "branch": branch},
            )
            api.protect_branch(
                project, branch, push_access_level=MAINTAINER, merge_access_level=DEVELOPER
            )
            ctx.log(f"Protected {branch} of {project}: maintainers push, developers merge")
        protected = branch

    # 2b. The GitOps repository's main: only maintainers merge, so a promotion's merge
    #     request (a draft waiting for another owner's approval, goldpath promote) cannot be
    #     marked ready and merged by a developer around goldpath's gate. The pipeline's
    #     token is a maintainer's, so it still pushes.
    if gitops:
        ctx.check_cancelled()
        _protect_gitops_branch(ctx, api, host.host, gitops)

    # 3. The variables the template asked for.
    for variable in wanted:
        ctx.check_cancelled()
        found = existing[variable.key]
        flags = ", ".join(
            flag
            for flag, on in (("masked", variable.masked), ("protected", variable.protected))
            if on
        )
        shown = f"{variable.key}{f' ({flags})' if flags else ''}"
        if found is not None and not _ours(found, ctx.task_id):
            ctx.log(f"{variable.key} is already set to the same value on {project}; left as it is")
            continue
        ctx.on_rollback(
            f"delete CI/CD variable {variable.key} of {project}",
            kind=UNDO_DELETE_VARIABLE,
            params={
                "host": host.host,
                "project": project,
                "key": variable.key,
                "taskId": ctx.task_id,
            },
        )
        if found is None:
            api.create_variable(project, variable)
            ctx.log(f"Set the CI/CD variable {shown} on {project}")
        else:
            api.update_variable(project, variable)
            ctx.log(f"Updated the CI/CD variable {shown} this task set earlier on {project}")

    # 4. The GitOps token: revoke any this task made before (GitLab never shows a token's
    #    value twice, so a re-run makes a new one), make it, store it masked and protected.
    if gitops:
        ctx.check_cancelled()
        for earlier in api.access_tokens(gitops):
            if earlier.active and earlier.name == token_name:
                api.revoke_access_token(gitops, earlier.id)
                ctx.log(f"Revoked the token this task made earlier on {gitops}")
        ctx.on_rollback(
            f"revoke the pipeline's token on {gitops}",
            kind=UNDO_REVOKE_TOKEN,
            params={"host": host.host, "project": gitops, "name": token_name},
        )
        expires = (datetime.now(UTC) + timedelta(days=params.gitops_token_days)).date()
        _, value = api.create_access_token(
            gitops,
            name=token_name,
            scopes=["write_repository"],
            access_level=MAINTAINER,
            expires_at=expires.isoformat(),
        )
        ctx.log(
            f"Made a token that may push to {gitops} only (write_repository), expiring {expires}"
        )
        variable = ProjectVariable(
            key=GITOPS_TOKEN_VARIABLE,
            value=value,
            protected=True,
            masked=True,
            description=f"Pushes to {gitops} ({_marker(ctx.task_id)})",
        )
        ctx.on_rollback(
            f"delete CI/CD variable {GITOPS_TOKEN_VARIABLE} of {project}",
            kind=UNDO_DELETE_VARIABLE,
            params={
                "host": host.host,
                "project": project,
                "key": GITOPS_TOKEN_VARIABLE,
                "taskId": ctx.task_id,
            },
        )
        if token_found is None:
            api.create_variable(project, variable)
        else:
            api.update_variable(project, variable)
        ctx.log(f"Set the CI/CD variable {GITOPS_TOKEN_VARIABLE} (masked, protected) on {project}")
    ctx.output("settingsUrl", settings_url)
    ctx.output("variables", keys)
    ctx.output("protectedBranch", protected)
    ctx.output("gitopsTokenName", token_name)
    ctx.output("skipped", False)


def _levels(protection: Mapping[str, Any] | None, kind: str) -> list[int]:
    if protection is None:
        return []
    return [int(level.get("access_level") or 0)
            for level in protection.get(f"{kind}_access_levels") or []]


def _protection(protection: Mapping[str, Any] | None) -> dict[str, int] | None:
    """Who may push and merge, as the undo records it and compares it (None: unprotected;
    no level listed is GitLab's default, maintainers)."""
    if protection is None:
        return None
    return {kind: min(_levels(protection, kind), default=MAINTAINER) for kind in ("push", "merge")}


def _protect_gitops_branch(
    ctx: ActionContext, api: GitLabProjects, host: str, gitops: str
) -> None:
    """Protect the GitOps repository's main for maintainers (push and merge), keeping what
    was there to put back on rollback; one that already allows only maintainers to merge is
    left as it is."""
    current = api.protected_branch(gitops, GITOPS_BRANCH)
    merge = _levels(current, "merge")
    if merge and all(level == NO_ONE or level >= MAINTAINER for level in merge):
        ctx.log(f"{GITOPS_BRANCH} of {gitops} already lets only maintainers merge; left as it is")
        return
    ctx.on_rollback(
        f"restore the protection of {GITOPS_BRANCH} of {gitops}",
        kind=UNDO_RESTORE_PROTECTION,
        params={
            "host": host,
            "project": gitops,
            "branch": GITOPS_BRANCH,
            "previous": _protection(current),
        },
    )
    if current is not None:
        api.unprotect_branch(gitops, GITOPS_BRANCH)
    api.protect_branch(gitops, GITOPS_BRANCH, push_access_level=MAINTAINER,
                       merge_access_level=MAINTAINER)
    ctx.log(f"Protected {GITOPS_BRANCH} of {gitops}: only maintainers push and merge "
            "(promotions merge through goldpath's approval)")


def _undo(instances: _Instances) -> dict[str, UndoHandler]:
    def delete_variable(env: UndoEnv, params: Mapping[str, Any]) -> None:
        api = instances.get(str(params["host"]))
        project, key = str(params["project"]), str(params["key"])
        found = api.variable(project, key)
        if found is None:
            env.log(f"CI/CD variable {key} of {project} needs no deleting: it is not there")
            return
        if not _ours(found, str(params["taskId"])):
            env.log(f"CI/CD variable {key} of {project} left untouched: this task did not set it")
            return
        api.delete_variable(project, key)
        env.log(f"Deleted the CI/CD variable {key} of {project}")

    def unprotect_branch(env: UndoEnv, params: Mapping[str, Any]) -> None:
        api = instances.get(str(params["host"]))
        project, branch = str(params["project"]), str(params["branch"])
        api.unprotect_branch(project, branch)
        env.log(f"Unprotected {branch} of {project}")

    def revoke_token(env: UndoEnv, params: Mapping[str, Any]) -> None:
        api = instances.get(str(params["host"]))
        project, name = str(params["project"]), str(params["name"])
        revoked = 0
        for token in api.access_tokens(project):
            if token.active and token.name == name:
                api.revoke_access_token(project, token.id)
                revoked += 1
        env.log(f"Revoked {revoked} token(s) this task made on {project}")

    def restore_protection(env: UndoEnv, params: Mapping[str, Any]) -> None:
        api = instances.get(str(params["host"]))
        project, branch = str(params["project"]), str(params["branch"])
        previous = params.get("previous")
        current = api.protected_branch(project, branch)
        if _protection(current) == previous:  # the step stopped before it changed anything
            env.log(f"The protection of {branch} of {project} needs no restoring")
            return
        if current is not None:
            api.unprotect_branch(project, branch)
        if previous is None:
            env.log(f"Unprotected {branch} of {project}")
            return
        api.protect_branch(project, branch, push_access_level=int(previous["push"]),
                           merge_access_level=int(previous["merge"]))
        env.log(f"Restored the protection {branch} of {project} had")

    return {
        UNDO_DELETE_VARIABLE: delete_variable,
        UNDO_UNPROTECT_BRANCH: unprotect_branch,
        UNDO_REVOKE_TOKEN: revoke_token,
        UNDO_RESTORE_PROTECTION: restore_protection,
    }


def gitlab_project_configure(hosts: GitHosts, settings: Settings) -> Action:
    """``gitlab:project:configure``: CI/CD variables, a protected default branch and the
    pipeline's GitOps token, on the GitLab the repoUrl resolves to."""
    instances = _Instances(settings)

    def handler(ctx: ActionContext, params: GitlabProjectConfigureInput) -> None:
        _configure(ctx, hosts, instances, params)

    return Action(
        id="gitlab:project:configure",
        description=(
            "Sets the project's CI/CD variables (projectVariables, as in publish:gitlab), "
            "protects its default branch and gives its pipeline a token that may push to the "
            "app's GitOps repository only. Skipped (with a log line) on the local git host."
        ),
        input=GitlabProjectConfigureInput,
        output=GitlabProjectConfigureOutput,
        handler=handler,
        supports_dry_run=True,
        undo=_undo(instances),
    )


def gitlab_actions(deps: ActionDeps) -> tuple[Action, ...]:
    """The GitLab project actions, each handed the git hosts and settings it uses."""
    return (gitlab_project_configure(deps.git_hosts, deps.settings),)
