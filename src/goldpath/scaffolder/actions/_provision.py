"""AWS provisioning steps of a Create: ``aws:ecr:create`` (the app's ECR repository and the
IAM role its pipeline pushes with) and ``aws:secretsmanager:create``.

Each step finds its resource by name first. A resource that carries this task's
``goldpath-task`` tag is one this task made on an earlier run of the step (a crash between
AWS's answer and the task log): the step completes its settings instead of failing or
making a second one. Any other resource of that name existed before the task, so the step
refuses with an error that says what exists, and neither uses nor deletes it.

The undo is recorded *before* the resource is created and deletes only a resource that
carries this task's tag, so a rollback (also by another worker after a crash) removes
exactly what the task made and never something that was there before it.

Without AWS (the embedded default: ``settings.provisions_aws`` is false) both steps log
one line saying they are skipped and why, and output empty values (output links with an
empty URL are not shown).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar
from urllib.parse import quote

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from goldpath.errors import FieldError
from goldpath.providers import (
    CI_ROLE_PREFIX,
    CiPushRoles,
    EcrRepositories,
    EcrRepository,
    SecretsManagerSecrets,
    ci_trust_policy,
    keep_last_images_policy,
)
from goldpath.scaffolder._actions import (
    Action,
    ActionContext,
    ActionDeps,
    ActionInput,
    UndoEnv,
    UndoHandler,
)
from goldpath.scaffolder.errors import ActionInputError, ResourceExistsError

if TYPE_CHECKING:
    from goldpath.config import Settings
    from goldpath.gitops import AppSpec
    from goldpath.providers import AwsClients
    from goldpath.providers.git import GitHosts

__all__ = [
    "TASK_TAG",
    "aws_ecr_create",
    "ci_role_name",
    "aws_secretsmanager_create",
    "provision_tags",
    "provision_actions",
]

TASK_TAG = "goldpath-task"
UNDO_DELETE_ECR = "delete-ecr-repository"
UNDO_DELETE_CI_ROLE = "delete-ci-push-role"
UNDO_DELETE_SECRET = "delete-secret"
_TAG_VALUE = re.compile(r"^[A-Za-z0-9 _.:/=+\-@]{1,256}$")


def provision_tags(spec: AppSpec, *, task_id: str) -> dict[str, str]:
    """The app's cost tags (``gitops.aws_cost_tags``) and the task that made the resource."""
    from goldpath import gitops

    tags = gitops.aws_cost_tags(
        app=spec.name, owner=spec.team, cost_center=spec.cost_center or spec.team
    )
    return {**tags, TASK_TAG: task_id}


# -- inputs and outputs -------------------------------------------------------------------


class _AppInput(ActionInput):
    name: str = Field(description="The app's name (a DNS label).")
    owner: str = Field(description="Owning team: a catalog Group name or ref.")
    cost_center: str | None = Field(
        default=None,
        alias="costCenter",
        description="The cost-center tag; the owning team's name when empty.",
    )


class AwsEcrCreateInput(_AppInput):
    """aws:ecr:create input."""

    keep_images: int = Field(
        default=30, ge=1, le=10000, alias="keepImages", description="Images the lifecycle keeps."
    )
    kms_key: str | None = Field(
        default=None,
        alias="kmsKey",
        pattern=r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$",
        description="KMS key ARN; AWS's managed ECR key when unset.",
    )
    default_branch: str = Field(
        default="main",
        alias="defaultBranch",
        pattern=r"^[A-Za-z0-9._/-]{1,200}$",
        description="The branch of the app's project whose pipelines may push images.",
    )


class AwsEcrCreateOutput(BaseModel):
    """aws:ecr:create outputs (empty strings when the step was skipped)."""

    model_config = ConfigDict(populate_by_name=True)

    repository_name: str = Field(alias="repositoryName")
    repository_uri: str = Field(alias="repositoryUri")
    repository_arn: str = Field(alias="repositoryArn")
    console_url: str = Field(alias="consoleUrl")
    push_role_arn: str = Field(alias="pushRoleArn")
    created: bool
    skipped: bool


class AwsSecretCreateInput(_AppInput):
    """aws:secretsmanager:create input."""

    environment: str | None = Field(
        default=None,
        pattern=r"^(dev|staging|prod)$",
        description="The overlay whose secret to make (<prefix>/<app>/<env>); the base when unset.",
    )
    kms_key_id: str | None = Field(
        default=None, alias="kmsKeyId", description="KMS key; Secrets Manager's default if unset."
    )
    description: str = Field(default="", description="The secret's description.")


class AwsSecretCreateOutput(BaseModel):
    """aws:secretsmanager:create outputs (empty strings when the step was skipped)."""

    model_config = ConfigDict(populate_by_name=True)

    secret_name: str = Field(alias="secretName")
    secret_arn: str = Field(alias="secretArn")
    console_url: str = Field(alias="consoleUrl")
    created: bool
    skipped: bool


# -- shared pieces ------------------------------------------------------------------------


def _app_spec(
    ctx: ActionContext, settings: Settings, hosts: GitHosts, params: _AppInput
) -> AppSpec:
    """The app's AppSpec: the same validation and names as its GitOps repository."""
    from goldpath import gitops

    platform = settings.platform
    try:
        clone_url = hosts.platform_host().clone_url(platform.gitops_group, params.name)
        return gitops.AppSpec(
            name=params.name,
            owner=params.owner,
            cost_center=params.cost_center or None,
            gitops_repo_url=clone_url,
            platform=gitops.PlatformSpec.from_settings(settings),
        )
    except ValidationError as exc:
        aliases = {"cost_center": "costCenter"}
        errors = [
            FieldError(
                "input." + aliases.get(str(err["loc"][0]), str(err["loc"][0]))
                if err["loc"]
                else "input",
                err["type"],
                err["msg"],
            )
            for err in exc.errors()
        ]
        raise ActionInputError(
            f"{ctx.action.id} cannot use the app facts of {params.name!r}",
            errors=errors,
            action=ctx.action.id,
        ) from None


def _check_tags(ctx: ActionContext, tags: Mapping[str, str]) -> None:
    bad = [key for key, value in tags.items() if not _TAG_VALUE.match(value)]
    if bad:
        fields = {"owner": "input.owner", "cost-center": "input.costCenter", "app": "input.name"}
        raise ActionInputError(
            f"{ctx.action.id}: tag values must be 1-256 letters, digits, spaces or _.:/=+-@",
            errors=[
                FieldError(fields.get(key, "input"), "tag", f"{key} is not a valid AWS tag value")
                for key in bad
            ],
            action=ctx.action.id,
        )


def _describe(tags: Mapping[str, str]) -> str:
    shown = ", ".join(f"{k}={v}" for k, v in sorted(tags.items())) or "no tags"
    return f"tags: {shown}"


class _Tagged(Protocol):
    @property
    def tags(self) -> Mapping[str, str]: ...


class _Owned(_Tagged, Protocol):
    @property
    def arn(self) -> str: ...


def _claim(
    ctx: ActionContext, what: str, name: str, found: _Owned | None, kind: str, *, state: str = ""
) -> None:
    """Refuse a resource of that name this task did not make (naming it; it is neither used
    nor deleted), then record the undo, before the call that makes the resource: a crash
    right after AWS answers still leaves an undo that finds it by its task tag."""
    if found is not None and found.tags.get(TASK_TAG) != ctx.task_id:
        raise ResourceExistsError(
            f"the {what} {name} already exists ({state}{found.arn}, {_describe(found.tags)}); "
            "this Create did not make it and neither uses nor deletes it: remove it, or "
            "choose another name",
            resource=found.arn,
        )
    ctx.on_rollback(f"delete {what} {name}", kind=kind,
                    params={"name": name, "taskId": ctx.task_id})


def _skipped(ctx: ActionContext, what: str, settings: Settings) -> bool:
    if settings.provisions_aws:
        return False
    ctx.log(
        f"Skipped: no AWS is configured, so {what} is not created (set aws.endpoint_url, "
        "GOLDPATH_AWS__ENDPOINT_URL for a local moto server, or aws.provision; production "
        "always provisions)"
    )
    return True


def _console(settings: Settings, path: str) -> str:
    region = settings.platform.aws_region
    joiner = "&" if "?" in path else "?"
    return f"https://{region}.console.aws.amazon.com/{path}{joiner}region={region}"


# -- aws:ecr:create -------------------------------------------------------------------------


def _ecr_outputs(
    ctx: ActionContext, settings: Settings, repo: EcrRepository, created: bool, role_arn: str
) -> None:
    account = settings.platform.aws_account_id
    ctx.output("repositoryName", repo.name)
    ctx.output("repositoryUri", repo.uri)
    ctx.output("repositoryArn", repo.arn)
    ctx.output("consoleUrl", _console(settings, f"ecr/repositories/private/{account}/{repo.name}"))
    ctx.output("pushRoleArn", role_arn)
    ctx.output("created", created)
    ctx.output("skipped", False)


def ci_role_name(app: str) -> str:
    """The IAM role an app's pipeline pushes its images with."""
    return f"{CI_ROLE_PREFIX}{app}"


def _ci_push_role(
    ctx: ActionContext,
    roles: CiPushRoles,
    settings: Settings,
    repo: EcrRepository,
    params: AwsEcrCreateInput,
    tags: Mapping[str, str],
) -> str:
    """The role only the app's own pipelines (its project, its default branch) may assume,
    allowed to push to ``repo`` only; made under the platform's permissions boundary."""
    name = ci_role_name(params.name)
    found = roles.find(name)
    _claim(ctx, "IAM role", name, found, UNDO_DELETE_CI_ROLE)
    # The account and partition the repository is in (the same as the role's).
    _, partition, _, _, account, _ = repo.arn.split(":", 5)
    platform = settings.platform
    # IAM names an OIDC provider by its issuer URL without the scheme, path included.
    issuer = settings.aws.ci_oidc_issuer.removeprefix("https://") or platform.git_host
    project = f"{platform.app_group}/{params.name}"
    if found is None:
        found = roles.create(
            name,
            trust=ci_trust_policy(
                provider_arn=f"arn:{partition}:iam::{account}:oidc-provider/{issuer}",
                issuer=issuer,
                project_path=project,
                branch=params.default_branch,
            ),
            boundary_arn=f"arn:{partition}:iam::{account}:policy/"
            f"{settings.aws.ci_permissions_boundary}",
            description=f"Pushes images of {project} to {repo.name} (goldpath)",
            tags=dict(tags),
        )
        ctx.log(
            f"Created the IAM role {name}: only pipelines of {project} on "
            f"{params.default_branch} may assume it (GitLab OIDC at {issuer}), and it may push "
            f"to {repo.name} only"
        )
    else:
        ctx.log(f"Found the IAM role {name} this task created earlier; completing it")
    from goldpath import gitops

    roles.put_push_policy(name, gitops.ecr_push_policy(repo.arn))
    return found.arn


def _ecr_create(
    ctx: ActionContext,
    repos: EcrRepositories,
    roles: CiPushRoles,
    settings: Settings,
    hosts: GitHosts,
    params: AwsEcrCreateInput,
) -> None:
    from goldpath.gitops._names import ecr_repository_name

    spec = _app_spec(ctx, settings, hosts, params)
    name = ecr_repository_name(spec.name)
    tags = provision_tags(spec, task_id=ctx.task_id)
    _check_tags(ctx, tags)
    if _skipped(ctx, f"the ECR repository {name}", settings):
        for key in ("repositoryName", "repositoryUri", "repositoryArn", "consoleUrl",
                    "pushRoleArn"):
            ctx.output(key, "")
        ctx.output("created", False)
        ctx.output("skipped", True)
        return
    if ctx.dry_run:
        ctx.log(
            f"Dry run: would create the ECR repository {name} (scan on push, immutable tags, "
            f"KMS encryption, keeping the last {params.keep_images} images), {_describe(tags)}"
        )
        registry = settings.platform.ecr_registry
        ctx.output("repositoryName", name)
        ctx.output("repositoryUri", f"{registry}/{name}")
        ctx.output("repositoryArn", "")
        ctx.output("consoleUrl", "")
        ctx.output("pushRoleArn", "")
        ctx.log(
            f"Dry run: would create the IAM role {ci_role_name(params.name)} that only "
            f"pipelines of {settings.platform.app_group}/{params.name} on "
            f"{params.default_branch} may assume, allowed to push to {name} only"
        )
        ctx.output("created", True)
        ctx.output("skipped", False)
        return
    ctx.check_cancelled()
    found = repos.find(name)
    _claim(ctx, "ECR repository", name, found, UNDO_DELETE_ECR)
    created = found is None
    if found is None:
        found = repos.create(name, tags=tags, kms_key=params.kms_key)
        ctx.log(
            f"Created the ECR repository {name} ({found.uri}): scan on push, "
            f"{found.tag_mutability} tags, {found.encryption_type} encryption, {_describe(tags)}"
        )
    else:
        ctx.log(f"Found the ECR repository {name} this task created earlier; completing it")
    repos.put_lifecycle_policy(name, keep_last_images_policy(params.keep_images))
    ctx.log(f"Set the lifecycle policy of {name}: keep the last {params.keep_images} images")
    ctx.check_cancelled()
    role_arn = _ci_push_role(ctx, roles, settings, found, params, tags)
    _ecr_outputs(ctx, settings, found, created, role_arn)


_Found = TypeVar("_Found", bound=_Tagged)


def _undo_delete_tagged(
    kind: str,
    what: str,
    find: Callable[[str], _Found | None],
    delete: Callable[[_Found], None],
) -> dict[str, UndoHandler]:
    """An undo that deletes the resource ``params["name"]`` only when it carries the
    task's tag: one that is gone needs nothing, one that another task or a person made is
    left alone."""

    def undo(env: UndoEnv, params: Mapping[str, Any]) -> None:
        name = str(params["name"])
        found = find(name)
        if found is None:
            env.log(f"{what} {name} needs no deleting: it does not exist")
            return
        if found.tags.get(TASK_TAG) != params["taskId"]:
            env.log(f"{what} {name} left untouched: this task did not create it")
            return
        delete(found)
        env.log(f"Deleted the {what} {name}")

    return {kind: undo}


def _undo_delete_ecr(repos: EcrRepositories) -> dict[str, UndoHandler]:
    return _undo_delete_tagged(UNDO_DELETE_ECR, "ECR repository", repos.find,
                               lambda repo: repos.delete(repo.name))


def _undo_delete_ci_role(roles: CiPushRoles) -> dict[str, UndoHandler]:
    return _undo_delete_tagged(UNDO_DELETE_CI_ROLE, "IAM role", roles.find,
                               lambda role: roles.delete(role.name))


def aws_ecr_create(aws: AwsClients, settings: Settings, hosts: GitHosts) -> Action:
    """``aws:ecr:create``: the app's ECR repository ``apps/<name>``, tagged, with its policy."""
    repos = EcrRepositories(aws)
    roles = CiPushRoles(aws)

    def handler(ctx: ActionContext, params: AwsEcrCreateInput) -> None:
        _ecr_create(ctx, repos, roles, settings, hosts, params)

    return Action(
        id="aws:ecr:create",
        description=(
            "Creates the app's ECR repository apps/<name>: scan on push, immutable tags, KMS "
            "encryption, a lifecycle policy keeping the last N images, and the app, owner, "
            "cost-center and managed-by tags; and the IAM role goldpath-ci-<name> its "
            "pipeline pushes with (GitLab OIDC: only the app's project on its default "
            "branch may assume it, and it may push to that repository only), so no AWS "
            "keys are stored in CI. Skipped (with a log line) when AWS is not configured."
        ),
        input=AwsEcrCreateInput,
        output=AwsEcrCreateOutput,
        handler=handler,
        supports_dry_run=True,
        undo={**_undo_delete_ecr(repos), **_undo_delete_ci_role(roles)},
    )


# -- aws:secretsmanager:create ----------------------------------------------------------------


def _secret_create(
    ctx: ActionContext,
    secrets: SecretsManagerSecrets,
    settings: Settings,
    hosts: GitHosts,
    params: AwsSecretCreateInput,
) -> None:
    from goldpath import gitops
    from goldpath.gitops._secrets import secret_key

    spec = _app_spec(ctx, settings, hosts, params)
    name = secret_key(spec, params.environment)
    tags = provision_tags(spec, task_id=ctx.task_id)
    _check_tags(ctx, tags)
    if _skipped(ctx, f"the Secrets Manager secret {name}", settings):
        for key in ("secretName", "secretArn", "consoleUrl"):
            ctx.output(key, "")
        ctx.output("created", False)
        ctx.output("skipped", True)
        return
    role = gitops.external_secrets_role_arn(spec.platform)
    console = _console(settings, f"secretsmanager/secret?name={quote(name, safe='')}")
    if ctx.dry_run:
        ctx.log(
            f"Dry run: would create the secret {name}, readable only by {role}, {_describe(tags)}"
        )
        ctx.output("secretName", name)
        ctx.output("secretArn", "")
        ctx.output("consoleUrl", "")
        ctx.output("created", True)
        ctx.output("skipped", False)
        return
    ctx.check_cancelled()
    found = secrets.find(name)
    scheduled = found is not None and found.scheduled_for_deletion
    _claim(ctx, "Secrets Manager secret", name, found, UNDO_DELETE_SECRET,
           state="scheduled for deletion, " if scheduled else "")
    created = found is None
    if found is None:
        found = secrets.create(
            name,
            description=params.description or f"Secrets of {spec.name} (goldpath)",
            tags=tags,
            # An empty JSON object: the ExternalSecret extracts its keys once they are set.
            initial_value="{}",
            kms_key_id=params.kms_key_id,
        )
        ctx.log(f"Created the Secrets Manager secret {name}, {_describe(tags)}")
    else:
        ctx.log(f"Found the secret {name} this task created earlier; completing it")
    secrets.put_resource_policy(found.arn, gitops.secret_resource_policy(spec.platform, spec.name))
    ctx.log(f"Set the resource policy of {name}: only {role} may read it")
    ctx.output("secretName", name)
    ctx.output("secretArn", found.arn)
    ctx.output("consoleUrl", console)
    ctx.output("created", created)
    ctx.output("skipped", False)


def _undo_delete_secret(secrets: SecretsManagerSecrets) -> dict[str, UndoHandler]:
    return _undo_delete_tagged(UNDO_DELETE_SECRET, "Secrets Manager secret", secrets.find,
                               lambda secret: secrets.delete(secret.arn))


def aws_secretsmanager_create(aws: AwsClients, settings: Settings, hosts: GitHosts) -> Action:
    """``aws:secretsmanager:create``: the app's secret at ``<prefix>/<app>``, readable only by
    the External Secrets role."""
    secrets = SecretsManagerSecrets(aws)

    def handler(ctx: ActionContext, params: AwsSecretCreateInput) -> None:
        _secret_create(ctx, secrets, settings, hosts, params)

    return Action(
        id="aws:secretsmanager:create",
        description=(
            "Creates the app's Secrets Manager secret at the key its ExternalSecret reads "
            "(<platform.secrets_prefix>/<name>), tagged, with a resource policy that lets only "
            "the External Secrets role read it. Skipped (with a log line) when AWS is not "
            "configured."
        ),
        input=AwsSecretCreateInput,
        output=AwsSecretCreateOutput,
        handler=handler,
        supports_dry_run=True,
        undo=_undo_delete_secret(secrets),
    )


def provision_actions(deps: ActionDeps) -> tuple[Action, ...]:
    """The provisioning actions, each handed the AWS clients, settings and git hosts it uses."""
    return (
        aws_ecr_create(deps.aws, deps.settings, deps.git_hosts),
        aws_secretsmanager_create(deps.aws, deps.settings, deps.git_hosts),
    )
