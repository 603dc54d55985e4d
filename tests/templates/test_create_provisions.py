"""A nodejs-service Create that provisions into a real moto server on loopback (issue 12).

The Create runs every step of the built-in template through the task store and executor,
as the portal does; its AWS calls go to moto through ``aws.endpoint_url``. A failure
injected right after each new step has done its work (and at the last step) must leave
nothing behind, in moto or in git.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from starlette.applications import Starlette

from goldpath.config import Settings, load_settings
from goldpath.gitops._secrets import secret_key
from goldpath.runtime import Runtime
from goldpath.scaffolder import ACTION_PROVIDERS, Action, ActionContext, ActionDeps, ActionRegistry
from goldpath.scaffolder.errors import ScaffolderError
from tests.providers.git._fakes import FakeHostState, fake_gitlab
from tests.providers.git._server import serve
from tests.scaffolder._gitlab_settings_fake import FakeGitLabSettings, settings_routes
from tests.support.catalog import register_owners
from tests.support.moto import aws, moto_endpoint
from tests.templates._render import NODEJS
from tests.templates.conftest import BASE_PARAMETERS

__all__ = ["aws", "moto_endpoint"]

NAME = str(BASE_PARAMETERS["name"])
PARAMETERS = {**BASE_PARAMETERS, "costCenter": "cc-orders"}


def _settings(home: Path, endpoint: str) -> Settings:
    return load_settings(
        home=home,
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 0},
        aws={"endpoint_url": endpoint},
    )


def _failing_after(action_id: str) -> Any:
    """A provider: every built-in action, with ``action_id`` failing once it has done its
    work (its undo records are kept, as after a real failure later in the step)."""

    def provide(deps: ActionDeps) -> Iterable[Action]:
        registry = ActionRegistry.from_providers(deps, ACTION_PROVIDERS)
        for action in registry:
            if action.id != action_id:
                yield action
                continue
            real = action.handler

            def handler(ctx: ActionContext, params: Any, _real: Any = real) -> None:
                _real(ctx, params)
                raise ScaffolderError(f"injected failure after {ctx.action.id}")

            yield Action(
                id=action.id,
                description=action.description,
                input=action.input,
                output=action.output,
                handler=handler,
                supports_dry_run=action.supports_dry_run,
                undo=action.undo,
                creates_repo=action.creates_repo,
            )

    return provide


def _create(settings: Settings, providers: Any = None) -> dict[str, Any]:
    runtime = Runtime(settings, action_providers=providers)
    runtime.prepare()
    try:
        runtime.templates.register_builtin()
        register_owners(runtime.catalog, settings.home / "owners", str(PARAMETERS["owner"]))
        task_id = runtime.task_creator.create(NODEJS.ref, PARAMETERS)
        while runtime.task_executor.run_next("provision-tests") is not None:
            pass
        task = runtime.task_store.get(task_id)
        events = runtime.task_store.events(task_id)
        return {
            "status": str(task.status),
            "output": dict(task.output or {}),
            "error": task.error.message if task.error else None,
            "log": [str(e.body.get("message", "")) for e in events],
            "entities": [
                e["metadata"]["name"]
                for e in runtime.catalog.list_entities(filters={"kind": "Component"})
            ],
        }
    finally:
        runtime.stop()


def _boto(endpoint: str, service: str) -> Any:
    return boto3.client(service, region_name="us-east-2", endpoint_url=endpoint)


def _moto(endpoint: str) -> dict[str, Any]:
    ecr, sm = _boto(endpoint, "ecr"), _boto(endpoint, "secretsmanager")
    return {
        "repositories": sorted(
            r["repositoryName"] for r in ecr.describe_repositories()["repositories"]
        ),
        "secrets": sorted(s["Name"] for s in sm.list_secrets()["SecretList"]),
    }


def _git_repos(settings: Settings) -> list[str]:
    root = settings.git_root
    return sorted(str(p.relative_to(root)) for p in root.glob("*/*.git")) if root.exists() else []


@pytest.fixture
def settings(aws: str, tmp_path: Path) -> Settings:
    return _settings(tmp_path / "home", aws)


@pytest.fixture
def created(settings: Settings) -> Iterator[dict[str, Any]]:
    yield _create(settings)


def test_create_makes_the_ecr_repository_apps_name_with_its_settings_and_tags(
    created: dict[str, Any], aws: str
) -> None:
    assert created["status"] == "completed", created["error"]
    ecr = _boto(aws, "ecr")
    (repo,) = ecr.describe_repositories(repositoryNames=[f"apps/{NAME}"])["repositories"]
    assert repo["imageScanningConfiguration"]["scanOnPush"] is True
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["encryptionConfiguration"]["encryptionType"] == "KMS"
    policy = json.loads(
        ecr.get_lifecycle_policy(repositoryName=f"apps/{NAME}")["lifecyclePolicyText"]
    )
    assert policy["rules"][0]["selection"]["countNumber"] == 30
    tags = {
        t["Key"]: t["Value"]
        for t in ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
    }
    assert {k: tags[k] for k in ("app", "owner", "cost-center", "managed-by")} == {
        "app": NAME,
        "owner": "team-orders",
        "cost-center": "cc-orders",
        "managed-by": "goldpath",
    }


def test_create_makes_the_tagged_secret_the_external_secret_reads(
    created: dict[str, Any], settings: Settings, aws: str
) -> None:
    assert created["status"] == "completed", created["error"]
    from goldpath import gitops

    spec = gitops.AppSpec(
        name=NAME,
        owner=str(PARAMETERS["owner"]),
        gitops_repo_url="https://example.com/x.git",
        platform=gitops.PlatformSpec.from_settings(settings),
    )
    sm = _boto(aws, "secretsmanager")
    described = sm.describe_secret(SecretId=secret_key(spec))
    tags = {t["Key"]: t["Value"] for t in described["Tags"]}
    assert tags["cost-center"] == "cc-orders" and tags["managed-by"] == "goldpath"
    assert tags["app"] == NAME and tags["owner"] == "team-orders"
    policy = json.loads(sm.get_resource_policy(SecretId=described["ARN"])["ResourcePolicy"])
    assert policy == gitops.secret_resource_policy(spec.platform, NAME)
    role = gitops.external_secrets_role_arn(spec.platform)
    assert role == "arn:aws:iam::111122223333:role/goldpath-poc-external-secrets"


def test_create_links_the_repository_the_secret_and_logs_the_skipped_gitlab_step(
    created: dict[str, Any],
) -> None:
    links = {link["title"]: link.get("url") for link in created["output"]["links"]}
    assert "/ecr/repositories/private/" in links["ECR repository"]
    assert f"apps/{NAME}" in links["ECR repository"]
    assert "/secretsmanager/secret?name=" in links["Secret"]
    assert "CI/CD settings" not in links  # the local git host has none: no link at all
    assert any(line.startswith("Created the ECR repository") for line in created["log"])
    assert any(line.startswith("Created the Secrets Manager secret") for line in created["log"])
    skipped = [line for line in created["log"] if line.startswith("Skipped:")]
    assert len(skipped) == 1 and "local git host" in skipped[0]


def test_gitops_labels_carry_the_same_cost_center_as_the_aws_tags(
    created: dict[str, Any], settings: Settings
) -> None:
    import subprocess

    bare = settings.git_root / settings.platform.gitops_group / f"{NAME}.git"
    text = subprocess.run(
        ["git", "--git-dir", str(bare), "show", "main:base/deployment.yaml"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "goldpath.io/cost-center: cc-orders" in text


@pytest.mark.parametrize(
    "failing",
    ["aws:ecr:create", "aws:secretsmanager:create", "gitlab:project:configure", "catalog:register"],
)
def test_a_failure_at_each_new_step_leaves_nothing_in_moto_or_git(
    settings: Settings, aws: str, failing: str
) -> None:
    _boto(aws, "ecr").create_repository(repositoryName="apps/someone-else")
    before = _moto(aws)
    result = _create(settings, providers=(_failing_after(failing),))
    assert result["status"] == "failed"
    assert f"injected failure after {failing}" in str(result["error"])
    assert _moto(aws) == before
    assert _git_repos(settings) == []
    assert NAME not in result["entities"]


def test_without_aws_the_create_completes_and_says_the_aws_steps_were_skipped(
    tmp_path: Path, aws: str
) -> None:
    settings = load_settings(
        home=tmp_path / "plain", catalog={"refresh_enabled": False}, scaffolder={"workers": 0}
    )
    result = _create(settings)
    assert result["status"] == "completed", result["error"]
    skipped = [line for line in result["log"] if line.startswith("Skipped:")]
    assert len(skipped) == 3
    assert _moto(aws) == {"repositories": [], "secrets": []}
    links = {link["title"]: link.get("url") for link in result["output"]["links"]}
    assert "ECR repository" not in links and "Secret" not in links  # skipped: no links


# -- the same Create on GitLab (fakes of its documented APIs) -------------------------------

GITLAB_TOKEN = "glpat-CreateIntegrationT0ken"


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[tuple[str, FakeHostState, FakeGitLabSettings]]:
    """GitLab: projects and git over HTTP (tests/providers/git/_fakes.py) plus the CI/CD
    settings APIs (tests/scaffolder/_gitlab_settings_fake.py), on one loopback server."""
    projects = FakeHostState(root=tmp_path / "gitlab-repos", token=GITLAB_TOKEN)
    projects.namespaces.update({"apps": 11, "gitops": 12})

    def known(path: str) -> int | None:
        found = projects.projects.get(path)
        return found.id if found is not None else None

    settings_state = FakeGitLabSettings(token=GITLAB_TOKEN, known=known)

    def make(_base: str) -> Starlette:
        return Starlette(routes=[*settings_routes(settings_state), *fake_gitlab(projects).routes])

    with serve(make) as base_url:
        yield base_url, projects, settings_state


def _gitlab_settings(home: Path, endpoint: str, base_url: str) -> Settings:
    return load_settings(
        home=home,
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 0},
        aws={"endpoint_url": endpoint},
        integrations={
            "gitlab": [
                {
                    "host": "gitlab.example.com",
                    "token": GITLAB_TOKEN,
                    "api_base_url": f"{base_url}/api/v4",
                }
            ]
        },
    )


def test_on_gitlab_the_create_configures_the_project_for_its_pipeline(
    aws: str, tmp_path: Path, gitlab: tuple[str, FakeHostState, FakeGitLabSettings]
) -> None:
    base_url, projects, state = gitlab
    result = _create(_gitlab_settings(tmp_path / "home", aws, base_url))
    assert result["status"] == "completed", result["error"]
    # The platform GitOps repo (made by this first Create) lists the app for Argo CD.
    assert sorted(projects.projects) == [f"apps/{NAME}", f"gitops/{NAME}", "gitops/platform"]
    assert any(f"apps/{NAME}/" in line and "platform repo" in line for line in result["log"])
    variables = state.variables[f"apps/{NAME}"]
    assert variables["ECR_REPOSITORY"]["value"] == f"apps/{NAME}"
    assert variables["APP_SECRET_NAME"]["value"] == f"goldpath/apps/{NAME}"
    (token,) = state.active_tokens(f"gitops/{NAME}")
    assert token.scopes == ["write_repository"]
    assert variables["GITOPS_DEPLOY_TOKEN"]["value"] == token.token
    assert variables["GITOPS_DEPLOY_TOKEN"]["masked"] is True
    assert "main" in state.protected[f"apps/{NAME}"]
    assert token.token not in " ".join(result["log"]) + json.dumps(result["output"])
    links = {link["title"]: link.get("url") for link in result["output"]["links"]}
    assert links["CI/CD settings"] == f"{base_url}/apps/{NAME}/-/settings/ci_cd"


@pytest.mark.parametrize(
    "failing",
    [
        "aws:ecr:create",
        "gitlab:project:configure",
        "catalog:register",
    ],
)
def test_on_gitlab_a_failure_at_each_new_step_leaves_nothing_behind(
    aws: str,
    tmp_path: Path,
    gitlab: tuple[str, FakeHostState, FakeGitLabSettings],
    failing: str,
) -> None:
    base_url, projects, state = gitlab
    before = _moto(aws)
    settings = _gitlab_settings(tmp_path / "home", aws, base_url)
    result = _create(settings, providers=(_failing_after(failing),))
    assert result["status"] == "failed"
    assert f"injected failure after {failing}" in str(result["error"])
    assert _moto(aws) == before
    assert projects.projects == {}
    assert not any(state.active_tokens(path) for path in state.projects)
    assert NAME not in result["entities"]


def test_preview_says_what_would_be_provisioned_and_touches_nothing(
    settings: Settings, aws: str
) -> None:
    runtime = Runtime(settings)
    runtime.prepare()
    try:
        runtime.templates.register_builtin()
        register_owners(runtime.catalog, settings.home / "owners", str(PARAMETERS["owner"]))
        result = runtime.dry_runner.preview(NODEJS.ref, PARAMETERS)
    finally:
        runtime.stop()
    assert result.status == "completed", result.error
    log = " ".join(str(line) for line in result.log)
    assert f"Dry run: would create the ECR repository apps/{NAME}" in log
    assert f"Dry run: would create the secret goldpath/apps/{NAME}" in log
    assert _moto(aws) == {"repositories": [], "secrets": []}
    assert _git_repos(settings) == []


def test_make_moto_serves_a_local_aws_and_the_demo_gets_credentials_for_it() -> None:
    import subprocess

    repo = Path(__file__).resolve().parents[2]
    planned = subprocess.run(
        ["make", "-n", "moto"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout
    assert "moto_server -H 127.0.0.1 -p 5000" in planned
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    database = subprocess.run(
        ["make", "-n", "-p", "help"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env={**env, "GOLDPATH_AWS__ENDPOINT_URL": "http://127.0.0.1:5000"},
    ).stdout
    assert "AWS_ACCESS_KEY_ID = moto" in database.splitlines()
    without = subprocess.run(
        ["make", "-n", "-p", "help"], cwd=repo, capture_output=True, text=True, check=True, env=env
    ).stdout
    assert "AWS_ACCESS_KEY_ID = moto" not in without.splitlines()
