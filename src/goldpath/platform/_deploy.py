"""``deploy-portal``: clone, build for linux/amd64, push to ECR, apply, roll out, smoke-check."""

from __future__ import annotations

import base64
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx

from goldpath.config import PlatformSettings
from goldpath.errors import FieldError, InvalidInputError
from goldpath.platform._manifests import (
    dump_manifests,
    load_kustomize_base,
    portal_values,
    render_portal_manifests,
)
from goldpath.platform._runner import INSTALL_HINTS, CommandResult, CommandRunner
from goldpath.platform.errors import (
    AppBranchNotFoundError,
    AppRepoNotFoundError,
    CommandFailedError,
    KubeContextError,
    RolloutTimeoutError,
    SmokeCheckError,
    ToolMissingError,
)
from goldpath.providers._aws import AwsNotFoundError, aws_client, aws_errors
from goldpath.providers.git import GitCommandError, run_git
from goldpath.redaction import redact_text

__all__ = [
    "DeployOptions",
    "DeployResult",
    "EcrRegistry",
    "HealthChecker",
    "HttpHealthChecker",
    "ImageRegistry",
    "PortalDeployer",
    "public_url",
]

PORTAL_REPOSITORY = "goldpath"
PORTAL_NAMESPACE = "goldpath"
PORTAL_DEPLOYMENT = "goldpath"
DOCKERFILE = "deploy/portal/Dockerfile"
BASE_DIR = "deploy/portal/base"
_TAG = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")
_BRANCH = re.compile(r"^(?!-)[A-Za-z0-9._/-]{1,200}$")


def public_url(url: str) -> str:
    """``url`` with the user-info part (``user:token@``) masked."""
    return redact_text(url, urls=True)


def _url_secrets(url: str) -> list[str]:
    parts = urlsplit(url)
    return [s for s in (parts.username, parts.password) if s] if parts.scheme else []


class ImageRegistry(Protocol):
    """Where the portal image is pushed (ECR in production)."""

    def ensure_repository(self, name: str) -> str:
        """Create the repository if needed; return its URI."""
        ...

    def login_password(self) -> str:
        """A short-lived password for ``docker login`` as user AWS."""
        ...


class EcrRegistry:
    """ECR through boto3: scan-on-push, immutable tags, KMS encryption, like Terraform's."""

    def __init__(self, *, region: str, endpoint_url: str | None = None) -> None:
        self._ecr = aws_client("ecr", region=region, endpoint_url=endpoint_url)

    def ensure_repository(self, name: str) -> str:
        """Create the repository if needed; return its URI."""
        try:
            with aws_errors("ecr:DescribeRepositories", repository=name):
                found = self._ecr.describe_repositories(repositoryNames=[name])["repositories"]
            return str(found[0]["repositoryUri"])
        except AwsNotFoundError:
            pass  # created below
        with aws_errors("ecr:CreateRepository", repository=name):
            created = self._ecr.create_repository(
                repositoryName=name,
                imageTagMutability="IMMUTABLE",
                imageScanningConfiguration={"scanOnPush": True},
                encryptionConfiguration={"encryptionType": "KMS"},
            )
        return str(created["repository"]["repositoryUri"])

    def login_password(self) -> str:
        """A short-lived password for ``docker login`` as user AWS."""
        with aws_errors("ecr:GetAuthorizationToken"):
            data = self._ecr.get_authorization_token()["authorizationData"][0]
        _user, _, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
        return password


class HealthChecker(Protocol):
    """Checks that a URL answers 200."""

    def check(self, url: str) -> None:
        """Return when ``url`` answers 200; raise SmokeCheckError otherwise."""
        ...


class HttpHealthChecker:
    """GET with a few retries (the ALB takes a moment to register new targets)."""

    def __init__(
        self,
        *,
        attempts: int = 10,
        delay_seconds: float = 6.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._attempts = attempts
        self._delay = delay_seconds
        self._transport = transport
        self._sleep = sleep or time.sleep

    def check(self, url: str) -> None:
        """Return when ``url`` answers 200; raise SmokeCheckError after the last attempt."""
        last = "no answer"
        with httpx.Client(transport=self._transport, timeout=10, follow_redirects=False) as client:
            for attempt in range(self._attempts):
                try:
                    response = client.get(url)
                    if response.status_code == 200:
                        return
                    last = f"HTTP {response.status_code}"
                except httpx.HTTPError as exc:
                    last = type(exc).__name__
                if attempt + 1 < self._attempts:
                    self._sleep(self._delay)
        raise SmokeCheckError(
            f"{url} did not answer 200 ({last}); check the Ingress "
            "(`kubectl describe ingress goldpath -n goldpath`), the wildcard DNS record and "
            "the certificate",
            url=url,
        )


@dataclass(frozen=True, slots=True)
class DeployOptions:
    """What to deploy and how."""

    app_repo: str
    app_branch: str = "main"
    image_tag: str | None = None
    dry_run: bool = False
    platform_secret: str = "goldpath/platform"
    role_arn: str | None = None
    rollout_timeout_seconds: int = 300

    @property
    def public_repo(self) -> str:
        """The repository URL with any credentials in it masked, for messages."""
        return public_url(self.app_repo)

    def validate(self) -> None:
        """Refuse an empty repo, a bad branch name or a bad image tag, naming the field."""
        problems: list[FieldError] = []
        if not self.app_repo.strip():
            problems.append(FieldError(field="app_repo", rule="required", message="is empty"))
        if not _BRANCH.match(self.app_branch) or ".." in self.app_branch:
            problems.append(
                FieldError(
                    field="app_branch",
                    rule="git-branch",
                    message=f"{self.app_branch!r} is not a branch name",
                )
            )
        if self.image_tag is not None and not _TAG.match(self.image_tag):
            problems.append(
                FieldError(
                    field="image_tag",
                    rule="docker-tag",
                    message=f"{self.image_tag!r} is not a valid image tag",
                )
            )
        if problems:
            raise InvalidInputError("deploy-portal options are not valid", errors=problems)


@dataclass
class DeployResult:
    """The plan, the rendered manifests and what ran."""

    image: str
    plan: list[str]
    manifests: str
    dry_run: bool
    commit: str
    executed: list[str] = field(default_factory=list)


class PortalDeployer:
    """Runs the deploy steps through injected interfaces (runner, registry, health checker)."""

    def __init__(
        self,
        platform: PlatformSettings,
        *,
        runner: CommandRunner,
        registry: ImageRegistry,
        health: HealthChecker,
        echo: Callable[[str], None] = lambda _line: None,
    ) -> None:
        self._platform = platform
        self._runner = runner
        self._registry = registry
        self._health = health
        self._echo = echo

    def _run(
        self,
        step: str,
        args: Sequence[str],
        *,
        remedy: str,
        secrets: Sequence[str] = (),
        **kwargs: Any,
    ) -> CommandResult:
        result = self._runner.run(args, **kwargs)
        if not result.ok:
            detail = redact_text((result.stderr or result.stdout).strip(), secrets)
            tail = detail.splitlines()[-1] if detail else f"exit code {result.returncode}"
            raise CommandFailedError(f"{step} failed: {tail}; {remedy}", step=step)
        return result

    def _clone(self, options: DeployOptions, into: Path) -> str:
        # git through goldpath's one git entry point, with the operator's own credentials
        secrets = _url_secrets(options.app_repo)
        try:
            heads = run_git(
                ["ls-remote", "--heads", "--", options.app_repo], secrets=secrets, operator=True
            ).decode("utf-8", "replace")
        except GitCommandError as exc:
            if "exit_code" not in exc.context:  # git itself is missing, or timed out
                raise ToolMissingError(
                    f"{exc.message}: {INSTALL_HINTS['git']}", tool="git"
                ) from None
            raise AppRepoNotFoundError(
                f"repository {options.public_repo} cannot be read: check the URL and your access "
                "(git credentials or token)",
                repo=options.public_repo,
            ) from None
        branches = sorted(
            line.split("refs/heads/", 1)[1] for line in heads.splitlines() if "refs/heads/" in line
        )
        if options.app_branch not in branches:
            available = ", ".join(branches[:10]) or "none"
            raise AppBranchNotFoundError(
                f"branch {options.app_branch!r} does not exist in {options.public_repo} "
                f"(branches: {available})",
                repo=options.public_repo,
                branch=options.app_branch,
            )
        clone = [
            *("clone", "--quiet", "--depth", "1", "--single-branch"),
            *("--branch", options.app_branch, "--", options.app_repo, str(into)),
        ]
        reachable = f"check that {options.public_repo} is reachable"
        self._git("git clone", clone, remedy=reachable, secrets=secrets)
        head = ["-C", str(into), "rev-parse", "--short=12", "HEAD"]
        return self._git("git rev-parse", head, remedy="the clone is damaged")

    def _git(
        self, step: str, args: Sequence[str], *, remedy: str, secrets: Sequence[str] = ()
    ) -> str:
        try:
            return run_git(args, secrets=secrets, operator=True).decode("utf-8", "replace").strip()
        except GitCommandError as exc:
            detail = str(exc.context.get("stderr") or "")
            tail = detail.splitlines()[-1] if detail else exc.message
            raise CommandFailedError(f"{step} failed: {tail}; {remedy}", step=step) from None

    def _check_tools(self) -> None:
        buildx = self._runner.run(["docker", "buildx", "version"])
        if not buildx.ok:
            raise ToolMissingError(
                "docker buildx is not available: install the Docker buildx plugin "
                "(https://docs.docker.com/build/install-buildx/) and start the Docker daemon",
                tool="docker buildx",
            )
        context = self._runner.run(["kubectl", "config", "current-context"])
        if not context.ok or not context.stdout.strip():
            raise KubeContextError(
                "kubectl has no current context: run `aws eks update-kubeconfig --name "
                f"{self._platform.cluster_name} --region {self._platform.aws_region}`",
                cluster=self._platform.cluster_name,
            )

    def deploy(self, options: DeployOptions) -> DeployResult:
        """Deploy the portal (or, with ``dry_run``, print the plan and change nothing)."""
        options.validate()
        with tempfile.TemporaryDirectory(prefix="goldpath-deploy-") as workdir:
            checkout = Path(workdir) / "app"
            self._echo(f"cloning {options.public_repo} ({options.app_branch})")
            commit = self._clone(options, checkout)
            tag = options.image_tag or commit
            repository_uri = f"{self._platform.ecr_registry}/{PORTAL_REPOSITORY}"
            image = f"{repository_uri}:{tag}"
            base_dir = checkout / BASE_DIR
            if not (base_dir / "kustomization.yaml").is_file():
                raise AppRepoNotFoundError(
                    f"{options.public_repo} ({options.app_branch}) has no "
                    f"{BASE_DIR}/kustomization.yaml; is it the goldpath repository?",
                    repo=options.public_repo,
                )
            values = portal_values(
                self._platform,
                image=image,
                platform_secret=options.platform_secret,
                role_arn=options.role_arn,
            )
            manifests = dump_manifests(
                render_portal_manifests(load_kustomize_base(base_dir), values)
            )
            health_url = f"https://{values.host}/healthz"
            plan = [
                f"ensure ECR repository {PORTAL_REPOSITORY} (scan on push, immutable tags)",
                f"docker login {self._platform.ecr_registry} (ECR token through stdin)",
                f"docker buildx build --platform linux/amd64 -f {DOCKERFILE} -t {image} --push .",
                "kubectl apply --server-side --force-conflicts --field-manager goldpath -f -",
                f"kubectl rollout status deployment/{PORTAL_DEPLOYMENT} -n {PORTAL_NAMESPACE} "
                f"--timeout={options.rollout_timeout_seconds}s",
                f"GET {health_url} expecting 200",
            ]
            result = DeployResult(
                image=image, plan=plan, manifests=manifests, dry_run=options.dry_run, commit=commit
            )
            if options.dry_run:
                return result

            self._check_tools()
            self._echo(f"ensuring ECR repository {PORTAL_REPOSITORY}")
            self._registry.ensure_repository(PORTAL_REPOSITORY)
            password = self._registry.login_password()
            self._run(
                "docker login",
                [
                    "docker",
                    "login",
                    "--username",
                    "AWS",
                    "--password-stdin",
                    self._platform.ecr_registry,
                ],
                input=password,
                secrets=[password],
                remedy="check that your AWS credentials may call ecr:GetAuthorizationToken",
            )
            result.executed.append("docker login")
            self._echo(f"building and pushing {image} for linux/amd64")
            self._run(
                "docker buildx build",
                [
                    "docker",
                    "buildx",
                    "build",
                    "--platform",
                    "linux/amd64",
                    "-f",
                    DOCKERFILE,
                    "-t",
                    image,
                    "--push",
                    ".",
                ],
                cwd=checkout,
                remedy="read the build output above; an existing tag cannot be pushed again "
                "(immutable tags), pass another --image-tag",
            )
            result.executed.append("docker buildx build")
            self._echo("applying manifests (server-side)")
            self._run(
                "kubectl apply",
                [
                    "kubectl",
                    "apply",
                    "--server-side",
                    "--force-conflicts",
                    "--field-manager",
                    "goldpath",
                    "-f",
                    "-",
                ],
                input=manifests,
                remedy="check the cluster is reachable and External Secrets' CRDs are "
                "installed (phase 3)",
            )
            result.executed.append("kubectl apply")
            self._echo("waiting for the rollout")
            rollout = self._runner.run(
                [
                    "kubectl",
                    "rollout",
                    "status",
                    f"deployment/{PORTAL_DEPLOYMENT}",
                    "-n",
                    PORTAL_NAMESPACE,
                    f"--timeout={options.rollout_timeout_seconds}s",
                ],
                timeout=options.rollout_timeout_seconds + 30,
            )
            if not rollout.ok:
                raise RolloutTimeoutError(
                    f"deployment/{PORTAL_DEPLOYMENT} did not become ready within "
                    f"{options.rollout_timeout_seconds}s: run "
                    f"`kubectl describe pods -n {PORTAL_NAMESPACE}` "
                    f"and `kubectl logs -n {PORTAL_NAMESPACE} deployment/{PORTAL_DEPLOYMENT}` "
                    "(image pull errors, missing secrets, failing /healthz)",
                    deployment=PORTAL_DEPLOYMENT,
                )
            result.executed.append("kubectl rollout status")
            self._echo(f"smoke check {health_url}")
            self._health.check(health_url)
            result.executed.append("smoke check")
            return result
