"""Publishing actions: ``publish:gitlab``, ``publish:github`` and ``gitops:publish``.

The publish actions keep Backstage's input and output names. In development a repoUrl
whose host has no configured integration publishes to the local git host (the log says
so); in production that is an error naming the host. Every created repository records
its undo (delete that very repository, by id) before the handler returns, so a task
only ever deletes what it created itself.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from goldpath.errors import FieldError
from goldpath.providers.git import (
    GitAuthor,
    GitHost,
    GitHosts,
    NewRepo,
    RemoteKind,
    RepoExistsError,
    RepoInfo,
    RepoNotFoundError,
    StagedRepo,
    parse_repo_url,
    staged_repo,
)
from goldpath.scaffolder._actions import (
    Action,
    ActionContext,
    ActionDeps,
    ActionInput,
    Preparation,
    UndoEnv,
    UndoHandler,
)
from goldpath.scaffolder._paths import resolve_inside
from goldpath.scaffolder.actions._gitops_platform import (
    platform_enrolment,
    platform_repo_undo,
)
from goldpath.scaffolder.errors import ActionInputError

if TYPE_CHECKING:
    from goldpath.config import Settings
    from goldpath.gitops import AppSpec, Validation

__all__ = ["gitops_publish", "publish_actions", "publish_github", "publish_gitlab"]

DEFAULT_AUTHOR_NAME = "goldpath Scaffolder"
DEFAULT_AUTHOR_EMAIL = "scaffolder@goldpath.invalid"
UNDO_DELETE_REPO = "delete-repo"
_SAMPLE_SHA = "0" * 40

Visibility = Literal["private", "internal", "public"]
Environment = Literal["dev", "staging", "prod"]


# -- inputs and outputs ---------------------------------------------------------------------


class _PublishInput(ActionInput):
    repo_url: str = Field(
        alias="repoUrl", description="Where to publish: host?owner=o&repo=r (Backstage's form)."
    )
    description: str = Field(default="", description="Repository description.")
    default_branch: str = Field(
        default="main", alias="defaultBranch", description="Branch the files are committed to."
    )
    repo_visibility: Visibility = Field(
        default="private", alias="repoVisibility", description="private, internal or public."
    )
    source_path: str | None = Field(
        default=None,
        alias="sourcePath",
        description="Folder of the workspace to publish (the whole workspace by default).",
    )
    git_commit_message: str = Field(
        default="initial commit", alias="gitCommitMessage", description="The commit message."
    )
    git_author_name: str | None = Field(
        default=None, alias="gitAuthorName", description="Commit author name."
    )
    git_author_email: str | None = Field(
        default=None, alias="gitAuthorEmail", description="Commit author email."
    )
    token: str | None = Field(
        default=None, description="The user's own token (from secrets); else the integration's."
    )
    allowed_hosts: list[str] | None = Field(
        default=None,
        alias="allowedHosts",
        description="Hosts repoUrl may name (Backstage's public templates pass it).",
    )


class PublishGitlabSettings(BaseModel):
    """The part of Backstage's ``settings`` input goldpath applies."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    description: str | None = None
    visibility: Visibility | None = None


class PublishGitlabInput(_PublishInput):
    """Backstage's publish:gitlab input."""

    skip_existing: bool = Field(
        default=False,
        alias="skipExisting",
        description="If the project exists, use it as it is (nothing is pushed or undone).",
    )
    settings: PublishGitlabSettings | None = Field(
        default=None, description="Project settings (description, visibility applied)."
    )
    set_user_as_owner: bool | None = Field(default=None, alias="setUserAsOwner")
    topics: list[str] | None = None
    branches: list[dict[str, Any]] | None = None
    project_variables: list[dict[str, Any]] | None = Field(default=None, alias="projectVariables")
    sign_commit: bool | None = Field(default=None, alias="signCommit")


class PublishGithubInput(_PublishInput):
    """Backstage's publish:github input (repository settings beyond creation are logged)."""

    homepage_url: str | None = Field(default=None, alias="homepageUrl")
    access: str | None = None
    require_code_owner_reviews: bool | None = Field(default=None, alias="requireCodeOwnerReviews")
    dismiss_stale_reviews: bool | None = Field(default=None, alias="dismissStaleReviews")
    required_status_check_contexts: list[str] | None = Field(
        default=None, alias="requiredStatusCheckContexts"
    )
    require_branches_to_be_up_to_date: bool | None = Field(
        default=None, alias="requireBranchesToBeUpToDate"
    )
    required_conversation_resolution: bool | None = Field(
        default=None, alias="requiredConversationResolution"
    )
    require_last_push_approval: bool | None = Field(default=None, alias="requireLastPushApproval")
    protect_default_branch: bool | None = Field(default=None, alias="protectDefaultBranch")
    protect_enforce_admins: bool | None = Field(default=None, alias="protectEnforceAdmins")
    delete_branch_on_merge: bool | None = Field(default=None, alias="deleteBranchOnMerge")
    allow_merge_commit: bool | None = Field(default=None, alias="allowMergeCommit")
    allow_squash_merge: bool | None = Field(default=None, alias="allowSquashMerge")
    squash_merge_commit_title: str | None = Field(default=None, alias="squashMergeCommitTitle")
    squash_merge_commit_message: str | None = Field(default=None, alias="squashMergeCommitMessage")
    allow_rebase_merge: bool | None = Field(default=None, alias="allowRebaseMerge")
    allow_auto_merge: bool | None = Field(default=None, alias="allowAutoMerge")
    allow_update_branch: bool | None = Field(default=None, alias="allowUpdateBranch")
    bypass_pull_request_allowances: dict[str, Any] | None = Field(
        default=None, alias="bypassPullRequestAllowances"
    )
    required_approving_review_count: int | None = Field(
        default=None, alias="requiredApprovingReviewCount"
    )
    restrictions: dict[str, Any] | None = None
    collaborators: list[dict[str, Any]] | None = None
    has_projects: bool | None = Field(default=None, alias="hasProjects")
    has_wiki: bool | None = Field(default=None, alias="hasWiki")
    has_issues: bool | None = Field(default=None, alias="hasIssues")
    topics: list[str] | None = None
    repo_variables: dict[str, Any] | None = Field(default=None, alias="repoVariables")
    secrets: dict[str, Any] | None = None
    oidc_customization: dict[str, Any] | None = Field(default=None, alias="oidcCustomization")
    required_commit_signing: bool | None = Field(default=None, alias="requiredCommitSigning")
    required_linear_history: bool | None = Field(default=None, alias="requiredLinearHistory")
    custom_properties: dict[str, Any] | None = Field(default=None, alias="customProperties")
    subscribe: bool | None = None
    auto_init: bool | None = Field(default=None, alias="autoInit")


class PublishGithubOutput(BaseModel):
    """publish:github outputs."""

    model_config = ConfigDict(populate_by_name=True)

    remote_url: str = Field(alias="remoteUrl", description="Clone URL (ends in .git).")
    repo_contents_url: str = Field(
        alias="repoContentsUrl", description="Base URL of the files (catalog:register reads it)."
    )
    commit_hash: str = Field(alias="commitHash", description="The commit that was pushed.")


class PublishGitlabOutput(PublishGithubOutput):
    """publish:gitlab outputs."""

    project_id: str = Field(alias="projectId", description="The project's id on the host.")
    created: bool = Field(description="False when skipExisting found the project already there.")


class GitopsPublishInput(ActionInput):
    """gitops:publish input: the app facts; platform facts come from settings."""

    name: str = Field(
        description="The app's name (a DNS label); the repo is <gitops_group>/<name>."
    )
    owner: str = Field(description="Owning team: a catalog Group name or ref.")
    port: int = Field(default=3000, description="The app's HTTP port.")
    description: str = Field(default="", description="The app's description.")
    system: str | None = Field(default=None, description="The catalog System it belongs to.")
    cost_center: str | None = Field(
        default=None,
        alias="costCenter",
        description="The goldpath.io/cost-center label; the owning team's name when empty.",
    )
    environments: list[Environment] | None = Field(
        default=None,
        description="Overlays to render (default all three: dev, staging, prod; [] for a "
        "base-only repo).",
    )
    image_tag: str | None = Field(
        default=None,
        alias="imageTag",
        description=(
            "Initial image tag; the AppSpec's default when unset. 'latest' is refused by the "
            "platform policy that requires explicit, immutable tags."
        ),
    )
    default_branch: str = Field(default="main", alias="defaultBranch")
    git_commit_message: str = Field(
        default="Initial GitOps configuration", alias="gitCommitMessage"
    )
    git_author_name: str | None = Field(default=None, alias="gitAuthorName")
    git_author_email: str | None = Field(default=None, alias="gitAuthorEmail")
    answers: str | None = Field(
        default=None,
        max_length=256 * 1024,
        description=(
            "The text of .goldpath/answers.yaml (the fleet:answers step's content output), "
            "committed beside the manifests so the fleet knows what made the repository."
        ),
    )


class GitopsPublishOutput(BaseModel):
    """gitops:publish outputs."""

    model_config = ConfigDict(populate_by_name=True)

    remote_url: str = Field(alias="remoteUrl", description="Clone URL of the GitOps repo (.git).")
    repo_contents_url: str = Field(alias="repoContentsUrl")
    commit_hash: str = Field(alias="commitHash")
    files: list[str] = Field(description="Paths of the committed files.")
    platform_repo_url: str | None = Field(
        default=None,
        alias="platformRepoUrl",
        description="Clone URL of the platform GitOps repo whose apps/ now lists the app.",
    )


# -- shared pieces --------------------------------------------------------------------------


def _with_git_suffix(url: str) -> str:
    return url if url.endswith(".git") else url + ".git"


def _author(name: str | None, email: str | None) -> tuple[str, str]:
    return name or DEFAULT_AUTHOR_NAME, email or DEFAULT_AUTHOR_EMAIL


def _record_delete(ctx: ActionContext, host: GitHost, info: RepoInfo) -> None:
    ctx.on_rollback(
        f"delete repository {info.full_name} on {host.host}",
        kind=UNDO_DELETE_REPO,
        params={
            "hostKind": host.kind,
            "host": host.host,
            "owner": info.owner,
            "repo": info.name,
            "repoId": info.id,
        },
    )


def _undo_delete_repo(hosts: GitHosts) -> dict[str, UndoHandler]:
    """The undo every publish action shares: delete the repository it created, by id."""

    def delete_repo(env: UndoEnv, params: Mapping[str, Any]) -> None:
        kind = params["hostKind"]
        host: GitHost = (
            hosts.local if kind == "local" else hosts.for_host(params["host"], kind=kind)
        )
        owner, repo = params["owner"], params["repo"]
        try:
            host.delete_repo(owner, repo, repo_id=params.get("repoId"))
        except RepoNotFoundError as exc:
            # Already gone, or the name now belongs to someone else: either way nothing of ours.
            env.log(f"Repository {owner}/{repo} needs no deleting: {exc.message}")
            return
        env.log(f"Deleted repository {owner}/{repo} on {host.host}")

    return {UNDO_DELETE_REPO: delete_repo}


def _ignored(ctx: ActionContext, params: BaseModel, names: tuple[str, ...]) -> None:
    fields = type(params).model_fields
    for name in names:
        if getattr(params, name) is not None:
            alias = fields[name].alias or name
            ctx.log(f"{alias} is accepted for compatibility but not applied by goldpath")


def _source(ctx: ActionContext, source_path: str | None) -> Path:
    if not source_path:
        return ctx.workspace
    folder = resolve_inside(ctx.workspace, source_path, field="input.sourcePath")
    if not folder.is_dir():
        raise ActionInputError(
            f"sourcePath {source_path!r} is not a folder of the workspace",
            errors=[FieldError("input.sourcePath", "exists", "must be a folder in the workspace")],
        )
    return folder


def _check_allowed_host(params: _PublishInput) -> None:
    if params.allowed_hosts is None:
        return
    host = parse_repo_url(params.repo_url, field="input.repoUrl").host
    allowed = [h.lower() for h in params.allowed_hosts]
    if host not in allowed:
        message = f"host {host} is not one of allowedHosts ({', '.join(allowed) or 'none'})"
        raise ActionInputError(
            f"repoUrl {message}",
            errors=[FieldError("input.repoUrl", "allowedHosts", message)],
        )


def _resolve(
    ctx: ActionContext, hosts: GitHosts, params: _PublishInput, kind: RemoteKind
) -> tuple[GitHost, str, str]:
    _check_allowed_host(params)
    host, parsed = hosts.for_repo_url(
        params.repo_url, kind=kind, field="input.repoUrl", token=params.token
    )
    if host.kind == "local":
        ctx.log(
            f"No {kind} integration is configured for {parsed.host}: publishing to the local "
            f"git host instead (development)"
        )
    return host, parsed.owner, parsed.repo


def _push_created(
    ctx: ActionContext,
    host: GitHost,
    info: RepoInfo,
    source: Path,
    *,
    branch: str,
    contents: str,
    message: str,
    author: tuple[str | None, str | None],
    what: str,
) -> tuple[str, str]:
    """Record the undo of a repository this task just created, push ``source`` to it and
    output remoteUrl, repoContentsUrl and commitHash; returns the sha and the clone URL."""
    _record_delete(ctx, host, info)
    ctx.log(f"Created {what} {info.full_name} on {host.host}")
    ctx.check_cancelled()
    author_name, author_email = _author(*author)
    sha = host.push(
        source,
        info,
        branch=branch,
        message=message,
        author_name=author_name,
        author_email=author_email,
    )
    return sha, _created_outputs(ctx, info, sha, contents=contents)


def _created_outputs(ctx: ActionContext, info: RepoInfo, sha: str, *, contents: str) -> str:
    """Output remoteUrl, repoContentsUrl and commitHash of a new repository; returns the
    clone URL."""
    remote = _with_git_suffix(info.clone_url)
    ctx.output("remoteUrl", remote)
    ctx.output("repoContentsUrl", contents)
    ctx.output("commitHash", sha)
    return remote


def _publish(
    ctx: ActionContext,
    hosts: GitHosts,
    params: _PublishInput,
    *,
    kind: RemoteKind,
    description: str,
    visibility: Visibility,
    skip_existing: bool = False,
) -> None:
    host, owner, repo = _resolve(ctx, hosts, params, kind)
    source = _source(ctx, params.source_path)
    branch = params.default_branch
    contents = host.contents_url(owner, repo, branch)
    if ctx.dry_run:
        ctx.log(f"Dry run: would create {owner}/{repo} on {host.host} and push {branch}")
        ctx.output("remoteUrl", host.clone_url(owner, repo))
        ctx.output("repoContentsUrl", contents)
        ctx.output("commitHash", _SAMPLE_SHA)
        if kind == "gitlab":
            ctx.output("projectId", "")
            ctx.output("created", True)
        return
    ctx.check_cancelled()
    try:
        info = host.create_repo(
            owner, repo, description=description, default_branch=branch, visibility=visibility
        )
    except RepoExistsError:
        if not skip_existing:
            raise
        info = host.get_repo(owner, repo)
        ctx.log(f"{owner}/{repo} already exists on {host.host}; skipExisting leaves it as it is")
        ctx.output("remoteUrl", _with_git_suffix(info.clone_url))
        ctx.output("repoContentsUrl", host.contents_url(owner, repo, info.default_branch))
        ctx.output("commitHash", "")
        ctx.output("projectId", info.id)
        ctx.output("created", False)
        return
    sha, remote = _push_created(
        ctx,
        host,
        info,
        source,
        branch=branch,
        contents=contents,
        message=params.git_commit_message,
        author=(params.git_author_name, params.git_author_email),
        what="repository",
    )
    ctx.log(f"Pushed {sha[:12]} to {branch}; clone with: git clone {remote}")
    if kind == "gitlab":
        ctx.output("projectId", info.id)
        ctx.output("created", True)


_GITLAB_IGNORED = ("set_user_as_owner", "topics", "branches", "project_variables", "sign_commit")
_GITHUB_IGNORED = tuple(
    name for name in PublishGithubInput.model_fields if name not in _PublishInput.model_fields
)


def _publish_gitlab(ctx: ActionContext, hosts: GitHosts, params: PublishGitlabInput) -> None:
    _ignored(ctx, params, _GITLAB_IGNORED)
    settings = params.settings or PublishGitlabSettings()
    _publish(
        ctx,
        hosts,
        params,
        kind="gitlab",
        description=settings.description or params.description,
        visibility=settings.visibility or params.repo_visibility,
        skip_existing=params.skip_existing,
    )


def _publish_github(ctx: ActionContext, hosts: GitHosts, params: PublishGithubInput) -> None:
    _ignored(ctx, params, _GITHUB_IGNORED)
    _publish(
        ctx,
        hosts,
        params,
        kind="github",
        description=params.description,
        visibility=params.repo_visibility,
    )


# -- gitops:publish ---------------------------------------------------------------------------

_ANSWERS_PATH = PurePosixPath(".goldpath/answers.yaml")
_GITOPS_PUBLISH = "gitops:publish"


def _input_errors(exc: ValidationError) -> list[FieldError]:
    names = {
        "image_tag": "imageTag",
        "gitops_repo_url": "name",
        "cost_center": "costCenter",
    }
    errors = []
    for err in exc.errors():
        top = str(err["loc"][0]) if err["loc"] else ""
        field = "input." + names.get(top, top) if top else "input"
        errors.append(FieldError(field, err["type"], err["msg"]))
    return errors


_NOT_IN_THE_TREE = ("answers", "default_branch", "git_commit_message", "git_author_name",
                    "git_author_email")
"""The inputs the GitOps tree is not rendered from (the answers file and the commit are
made beside it, after the verdict), so a Create can render and validate the tree while
its earlier steps make them."""


@dataclass(frozen=True, slots=True)
class _GitopsTree:
    """The app's GitOps tree rendered from the step's input, its validation under way."""

    clone_url: str
    spec: AppSpec
    files: Mapping[PurePosixPath, str]
    validation: Validation


@contextmanager
def _tree_validation_started(
    hosts: GitHosts, settings: Settings, params: GitopsPublishInput
) -> Iterator[_GitopsTree]:
    """Render the app's tree and start validating it; leaving stops the validators."""
    # Imported here: the validators load Kubernetes schemas, which portal start-up skips.
    from goldpath import gitops

    if params.name == gitops.PLATFORM_REPO:
        raise ActionInputError(
            f"gitops:publish cannot use the name {params.name!r}",
            errors=[FieldError("input.name", "reserved",
                               f"{gitops.PLATFORM_REPO!r} is the platform GitOps repo's name")],
            action=_GITOPS_PUBLISH,
        )
    group = settings.platform.gitops_group
    clone_url = _with_git_suffix(hosts.platform_host().clone_url(group, params.name))
    try:
        data: dict[str, Any] = {
            "name": params.name,
            "owner": params.owner,
            "gitops_repo_url": clone_url,
            "description": params.description,
            "system": params.system,
            "cost_center": params.cost_center or None,
            "port": params.port,
            "environments": gitops.ENVIRONMENTS
            if params.environments is None
            else tuple(params.environments),
            "platform": gitops.PlatformSpec.from_settings(settings),
        }
        if params.image_tag:
            data["image_tag"] = params.image_tag
        spec = gitops.AppSpec.model_validate(data)
    except ValidationError as exc:
        raise ActionInputError(
            f"gitops:publish cannot build the app spec for {params.name!r}",
            errors=_input_errors(exc),
            action=_GITOPS_PUBLISH,
        ) from None
    files = gitops.render_app(spec)
    tree_files: dict[PurePosixPath | str, str] = {path: text for path, text in files.items()}
    with gitops.validation_started(
        tree_files,
        kubernetes_version=spec.platform.kubernetes_version,
        tmp_root=settings.scratch_root,
        secrets_prefix=spec.platform.secrets_prefix,
    ) as validation:
        yield _GitopsTree(clone_url, spec, files, validation)


def _gitops_preparation(hosts: GitHosts, settings: Settings) -> Preparation:
    """Rendering and validating the tree, begun at the task's start (see `Preparation`)."""

    def begin(values: Mapping[str, Any]) -> AbstractContextManager[_GitopsTree]:
        params = GitopsPublishInput.model_validate(dict(values))
        return _tree_validation_started(hosts, settings, params)

    fields = GitopsPublishInput.model_fields
    ignores = tuple(name for field in _NOT_IN_THE_TREE
                    for name in (field, fields[field].alias) if name)
    return Preparation(ignores=ignores, begin=begin)


def _gitops_publish(
    ctx: ActionContext, hosts: GitHosts, settings: Settings, params: GitopsPublishInput
) -> None:
    from goldpath import gitops

    group = settings.platform.gitops_group
    host = hosts.platform_host()
    if host.kind == "local":
        ctx.log(
            f"No integration is configured for {settings.platform.git_host}: the GitOps "
            "repository goes to the local git host (development)"
        )
    contents = host.contents_url(group, params.name, params.default_branch)
    with ExitStack() as stack:
        tree = ctx.prepared()  # begun while the earlier steps ran, for this very input
        if not isinstance(tree, _GitopsTree):
            tree = stack.enter_context(_tree_validation_started(hosts, settings, params))
        clone_url, spec, files, validation = (
            tree.clone_url, tree.spec, tree.files, tree.validation,
        )
        paths = [str(p) for p in files]
        enrol: Callable[[], str] | None = None
        staged: StagedRepo | None = None
        if validation.so_far.ok:
            # While kustomize and promtool work: everything nobody sees until it is
            # published, which happens only after their verdict.
            enrol = stack.enter_context(
                platform_enrolment(ctx, host, settings, spec, branch=params.default_branch)
            )
            if not ctx.dry_run:
                staged = stack.enter_context(
                    staged_repo(host, _new_gitops_repo(group, params, files),
                                tmp_root=settings.scratch_root)
                )
        report = validation.finish()
        if not report.ok:
            for finding in report.failures:
                ctx.log(f"Validation failed: {finding}")
            raise gitops.GitopsValidationError(
                f"the GitOps manifests of {params.name} failed validation; nothing was "
                "published",
                report=report,
            )
        assert enrol is not None
        ctx.log(f"Rendered and validated {len(files)} files ({', '.join(report.checked)})")
        if ctx.dry_run:
            ctx.log(f"Dry run: would create {group}/{params.name} on {host.host}")
            ctx.output("remoteUrl", clone_url)
            ctx.output("repoContentsUrl", contents)
            ctx.output("commitHash", _SAMPLE_SHA)
            ctx.output("files", paths)
            ctx.output("platformRepoUrl", enrol())
            return
        assert staged is not None
        ctx.check_cancelled()
        info, sha = staged.publish(lambda info: _record_delete(ctx, host, info))
        ctx.log(f"Created GitOps repository {info.full_name} on {host.host}")
        remote = _created_outputs(ctx, info, sha, contents=contents)
        ctx.log(f"Committed {len(files)} files as {sha[:12]}; clone with: git clone {remote}")
        ctx.output("files", paths)
        ctx.output("platformRepoUrl", enrol())


def _new_gitops_repo(
    group: str, params: GitopsPublishInput, files: Mapping[PurePosixPath, str]
) -> NewRepo:
    content = {str(path): text.encode("utf-8") for path, text in files.items()}
    if params.answers:
        content[str(_ANSWERS_PATH)] = params.answers.encode("utf-8")
    author_name, author_email = _author(params.git_author_name, params.git_author_email)
    return NewRepo(
        owner=group,
        name=params.name,
        files=content,
        message=params.git_commit_message,
        author=GitAuthor(author_name, author_email),
        description=params.description or f"GitOps configuration of {params.name}",
        default_branch=params.default_branch,
    )


# -- the actions --------------------------------------------------------------------------------


def _planned_repo(value: Callable[[str], Any]) -> str | None:
    repo_url = value("repoUrl")
    return repo_url if isinstance(repo_url, str) and repo_url else None


def _publish_action(
    hosts: GitHosts,
    *,
    kind: Literal["GitLab project", "GitHub repository"],
    action_id: str,
    input_model: type[_PublishInput],
    output_model: type[BaseModel],
    publish: Callable[[ActionContext, GitHosts, Any], None],
) -> Action:
    def handler(ctx: ActionContext, params: _PublishInput) -> None:
        publish(ctx, hosts, params)

    return Action(
        id=action_id,
        description=(
            f"Creates a {kind} and pushes the workspace to it (the local git host in "
            "development when the host has no integration)."
        ),
        input=input_model,
        output=output_model,
        handler=handler,
        supports_dry_run=True,
        undo=_undo_delete_repo(hosts),
        creates_repo=_planned_repo,
    )


def publish_gitlab(hosts: GitHosts) -> Action:
    """``publish:gitlab``: creates a project on the host ``hosts`` resolves and pushes to it."""
    return _publish_action(
        hosts,
        kind="GitLab project",
        action_id="publish:gitlab",
        input_model=PublishGitlabInput,
        output_model=PublishGitlabOutput,
        publish=_publish_gitlab,
    )


def publish_github(hosts: GitHosts) -> Action:
    """``publish:github``: creates a repository on the host ``hosts`` resolves and pushes to it."""
    return _publish_action(
        hosts,
        kind="GitHub repository",
        action_id="publish:github",
        input_model=PublishGithubInput,
        output_model=PublishGithubOutput,
        publish=_publish_github,
    )


def gitops_publish(hosts: GitHosts, settings: Settings) -> Action:
    """``gitops:publish``: renders, validates and commits an app's GitOps repository."""
    platform = settings.platform

    def handler(ctx: ActionContext, params: GitopsPublishInput) -> None:
        _gitops_publish(ctx, hosts, settings, params)

    def planned_repo(value: Callable[[str], Any]) -> str | None:
        name = value("name")
        if not isinstance(name, str) or not name:
            return None
        return f"{platform.git_host}?owner={platform.gitops_group}&repo={name}"

    return Action(
        id=_GITOPS_PUBLISH,
        description=(
            "Renders the app's GitOps repository from its AppSpec, validates it, and commits "
            "it to <gitops_group>/<name> on the platform's git host."
        ),
        input=GitopsPublishInput,
        output=GitopsPublishOutput,
        handler=handler,
        supports_dry_run=True,
        undo={**_undo_delete_repo(hosts), **platform_repo_undo(hosts, settings)},
        creates_repo=planned_repo,
        prepare=_gitops_preparation(hosts, settings),
    )


def publish_actions(deps: ActionDeps) -> tuple[Action, ...]:
    """The publishing actions, each handed the git hosts (and settings) it uses."""
    return (
        publish_gitlab(deps.git_hosts),
        publish_github(deps.git_hosts),
        gitops_publish(deps.git_hosts, deps.settings),
    )
