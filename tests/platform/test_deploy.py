"""deploy-portal: real git clones of local repos, ECR on moto, docker/kubectl scripted."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx
import pytest
import yaml

from goldpath.config import PlatformSettings
from goldpath.errors import InvalidInputError
from goldpath.platform import (
    AppBranchNotFoundError,
    AppRepoNotFoundError,
    CommandFailedError,
    KubeContextError,
    RolloutTimeoutError,
    SmokeCheckError,
    ToolMissingError,
)
from goldpath.platform._deploy import (
    DeployOptions,
    EcrRegistry,
    HttpHealthChecker,
    PortalDeployer,
)
from goldpath.platform._runner import SubprocessRunner
from tests.platform._fakes import ScriptedRunner, fail

REPO = Path(__file__).resolve().parents[2]
PLATFORM = PlatformSettings(domain="platform.example.org", aws_account_id="123456789012")


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture
def app_repo(tmp_path: Path) -> str:
    """A bare repository with a main branch carrying deploy/portal like this repository."""
    work = tmp_path / "work"
    shutil.copytree(REPO / "deploy" / "portal", work / "deploy" / "portal")
    (work / "pyproject.toml").write_text("[project]\nname = 'goldpath'\n")
    _git("init", "-q", "-b", "main", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@example.org", "add", ".", cwd=work)
    _git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "init", cwd=work)
    bare = tmp_path / "goldpath.git"
    _git("clone", "-q", "--bare", str(work), str(bare), cwd=tmp_path)
    return str(bare)


class _Health:
    def __init__(self) -> None:
        self.urls: list[str] = []

    def check(self, url: str) -> None:
        self.urls.append(url)


class _Registry:
    def __init__(self) -> None:
        self.repositories: list[str] = []

    def ensure_repository(self, name: str) -> str:
        self.repositories.append(name)
        return f"{PLATFORM.ecr_registry}/{name}"

    def login_password(self) -> str:
        return "s3cr3t-password"


def _deployer(runner: ScriptedRunner, health: _Health | None = None) -> PortalDeployer:
    return PortalDeployer(PLATFORM, runner=runner, registry=_Registry(), health=health or _Health())


def test_missing_branch_fails_naming_the_branch(app_repo: str) -> None:
    with pytest.raises(AppBranchNotFoundError, match="'release-9'") as info:
        _deployer(ScriptedRunner()).deploy(DeployOptions(app_repo=app_repo, app_branch="release-9"))
    assert "main" in info.value.message  # lists the branches that exist


def test_missing_repo_fails_naming_the_repo(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.git")
    with pytest.raises(AppRepoNotFoundError, match="nope.git"):
        _deployer(ScriptedRunner()).deploy(DeployOptions(app_repo=missing))


def test_bad_options_are_refused_naming_each_field() -> None:
    with pytest.raises(InvalidInputError) as info:
        DeployOptions(app_repo=" ", app_branch="-x", image_tag="bad tag").validate()
    assert {e.field for e in info.value.errors} == {"app_repo", "app_branch", "image_tag"}


def test_dry_run_returns_plan_and_manifests_and_runs_no_docker_or_kubectl(app_repo: str) -> None:
    runner = ScriptedRunner()
    result = _deployer(runner).deploy(DeployOptions(app_repo=app_repo, dry_run=True))
    assert runner.commands("docker") == [] and runner.commands("kubectl") == []
    assert any("--platform linux/amd64" in step for step in result.plan)
    assert any("--server-side --force-conflicts" in step for step in result.plan)
    documents = list(yaml.safe_load_all(result.manifests))
    [deployment] = [d for d in documents if d["kind"] == "Deployment"]
    image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == f"123456789012.dkr.ecr.us-east-2.amazonaws.com/goldpath:{result.commit}"
    [ingress] = [d for d in documents if d["kind"] == "Ingress"]
    assert ingress["spec"]["rules"][0]["host"] == "backstage.platform.example.org"


def test_deploy_builds_amd64_applies_server_side_waits_and_smoke_checks(app_repo: str) -> None:
    runner = ScriptedRunner()
    health = _Health()
    result = _deployer(runner, health).deploy(DeployOptions(app_repo=app_repo, image_tag="v1"))
    docker = runner.commands("docker")
    kubectl = runner.commands("kubectl")
    assert docker[1][:3] == ("docker", "login", "--username")
    build = docker[2]
    assert build[:3] == ("docker", "buildx", "build")
    assert build[build.index("--platform") + 1] == "linux/amd64"
    assert result.image.endswith("/goldpath:v1") and result.image in build
    apply = kubectl[1]
    assert "--server-side" in apply and "--force-conflicts" in apply
    applied = next(stdin for args, stdin in runner.calls if args == apply)
    assert applied is not None and result.image in applied
    assert kubectl[2][:3] == ("kubectl", "rollout", "status")
    assert health.urls == ["https://backstage.platform.example.org/healthz"]
    assert result.executed[-1] == "smoke check"


def test_login_password_goes_through_stdin_and_never_into_errors(app_repo: str) -> None:
    runner = ScriptedRunner()
    runner.on(["docker", "login"], lambda a, i: fail(a, f"denied for password {i}"))
    with pytest.raises(CommandFailedError) as info:
        _deployer(runner).deploy(DeployOptions(app_repo=app_repo))
    login = next((args, stdin) for args, stdin in runner.calls if args[:2] == ("docker", "login"))
    assert "s3cr3t-password" not in " ".join(login[0]) and login[1] == "s3cr3t-password"
    assert "s3cr3t-password" not in str(info.value)


def test_rollout_timeout_is_actionable(app_repo: str) -> None:
    runner = ScriptedRunner()
    runner.on(
        ["kubectl", "rollout"],
        lambda a, i: fail(a, 'error: deployment "goldpath" exceeded its progress deadline'),
    )
    with pytest.raises(RolloutTimeoutError, match="kubectl describe pods -n goldpath"):
        _deployer(runner).deploy(DeployOptions(app_repo=app_repo))


def test_no_kubectl_context_names_the_fix(app_repo: str) -> None:
    runner = ScriptedRunner()
    runner.on(
        ["kubectl", "config", "current-context"],
        lambda a, i: fail(a, "error: current-context is not set"),
    )
    with pytest.raises(KubeContextError, match="aws eks update-kubeconfig --name goldpath-poc"):
        _deployer(runner).deploy(DeployOptions(app_repo=app_repo))
    assert runner.commands("kubectl") == [("kubectl", "config", "current-context")]


def test_missing_buildx_is_reported_before_anything_is_pushed(app_repo: str) -> None:
    runner = ScriptedRunner()
    runner.on(["docker", "buildx"], lambda a, i: fail(a, "docker: unknown command: docker buildx"))
    registry = _Registry()
    deployer = PortalDeployer(PLATFORM, runner=runner, registry=registry, health=_Health())
    with pytest.raises(ToolMissingError, match="buildx"):
        deployer.deploy(DeployOptions(app_repo=app_repo))
    assert registry.repositories == []


def test_real_docker_cli_without_buildx_or_daemon_gives_an_actionable_error(
    app_repo: str,
) -> None:
    deployer = PortalDeployer(
        PLATFORM, runner=SubprocessRunner(), registry=_Registry(), health=_Health()
    )
    if shutil.which("docker") and (
        subprocess.run(["docker", "buildx", "version"], capture_output=True).returncode == 0
    ):
        pytest.skip("this machine has a working docker buildx; the missing-tool path cannot occur")
    with pytest.raises(ToolMissingError, match="docker"):
        deployer.deploy(DeployOptions(app_repo=app_repo))


def test_runner_names_a_missing_tool_and_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ToolMissingError, match="kubectl is not installed.*update-kubeconfig"):
        SubprocessRunner().run(["kubectl", "version"])


def test_smoke_check_retries_then_names_the_url() -> None:
    attempts: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url))
        return httpx.Response(503)

    checker = HttpHealthChecker(
        attempts=3, transport=httpx.MockTransport(handler), sleep=lambda _s: None
    )
    with pytest.raises(SmokeCheckError, match="https://backstage.x.org/healthz.*HTTP 503"):
        checker.check("https://backstage.x.org/healthz")
    assert len(attempts) == 3


def test_smoke_check_passes_once_the_portal_answers() -> None:
    answers = iter([503, 200])
    checker = HttpHealthChecker(
        attempts=3,
        transport=httpx.MockTransport(lambda r: httpx.Response(next(answers))),
        sleep=lambda _s: None,
    )
    checker.check("https://backstage.x.org/healthz")


def test_ecr_repository_is_created_once_with_scan_and_immutable_tags(aws: str) -> None:
    registry = EcrRegistry(region="us-east-2")
    first = registry.ensure_repository("goldpath")
    second = registry.ensure_repository("goldpath")
    assert first == second and first.endswith("/goldpath")
    import boto3

    [repo] = boto3.client("ecr", region_name="us-east-2").describe_repositories()["repositories"]
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    assert registry.login_password()


def test_credentials_in_the_repo_url_never_reach_an_error(tmp_path: Path) -> None:
    url = f"file://user:t0ps3cret@localhost{tmp_path}/missing.git"
    with pytest.raises(AppRepoNotFoundError) as info:
        _deployer(ScriptedRunner()).deploy(DeployOptions(app_repo=url))
    assert "t0ps3cret" not in str(info.value) and "t0ps3cret" not in repr(info.value.context)
    assert "***@localhost" in str(info.value)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "https://oauth2:glpat-x@gitlab.example.com/p/g.git",
            "https://***@gitlab.example.com/p/g.git",
        ),
        ("https://gitlab.example.com/p/g.git", "https://gitlab.example.com/p/g.git"),
        ("/srv/git/goldpath.git", "/srv/git/goldpath.git"),
    ],
)
def test_public_url_masks_user_info_only(url: str, shown: str) -> None:
    from goldpath.platform._deploy import public_url

    assert public_url(url) == shown


def test_git_goes_through_the_one_git_entry_point(app_repo: str) -> None:
    runner = ScriptedRunner()
    result = _deployer(runner).deploy(DeployOptions(app_repo=app_repo, dry_run=True))
    assert runner.commands("git") == []  # ls-remote, clone and rev-parse ran through run_git
    assert len(result.commit) == 12


def test_the_operators_git_keeps_their_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goldpath.providers.git import GitCommandError, run_git

    home = tmp_path / "operator-home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = The Operator\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    shown = run_git(["config", "--get", "user.name"], operator=True).decode().strip()
    assert shown == "The Operator"
    with pytest.raises(GitCommandError, match="exit 1"):  # goldpath's own git reads no user config
        run_git(["config", "--get", "user.name"])
