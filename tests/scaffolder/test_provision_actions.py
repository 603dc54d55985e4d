"""aws:ecr:create and aws:secretsmanager:create against a real moto server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import boto3
import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from tests.scaffolder.conftest import TEST_PROVIDERS
from tests.scaffolder.test_publish_actions import ListSink
from tests.support.moto import aws, moto_endpoint

from goldpath import gitops
from goldpath.config import ConfigError, Settings, load_settings
from goldpath.providers import CI_ROLE_PATH, OIDC_AUDIENCE, AwsClients
from goldpath.providers.git import GitHosts
from goldpath.runtime import Runtime
from goldpath.scaffolder import (
    ActionContext,
    ActionRegistry,
    UndoEnv,
    UndoRecord,
    parse_template,
    run_template,
)
from goldpath.scaffolder.actions._provision import (
    TASK_TAG,
    aws_ecr_create,
    aws_secretsmanager_create,
)
from goldpath.scaffolder.errors import ActionInputError, ResourceExistsError

__all__ = ["aws", "moto_endpoint"]

APP = {"name": "payments", "owner": "group:default/team-a", "costCenter": "cc-042"}
ROLE = "arn:aws:iam::111122223333:role/goldpath-poc-external-secrets"


def _settings(
    home: Path, endpoint: str | None, aws: dict[str, Any] | None = None, **extra: Any
) -> Settings:
    aws_section: dict[str, Any] = {"endpoint_url": endpoint} if endpoint else {}
    return load_settings(
        home=home,
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 0},
        aws={**aws_section, **(aws or {})},
        **extra,
    )


def _run_once(settings: Settings, action: str, params: dict[str, Any]) -> None:
    """Run one action on a runtime of its own."""
    rt = Runtime(settings, action_providers=TEST_PROVIDERS)
    rt.prepare()
    try:
        _run(rt, action, params)
    finally:
        rt.stop()


@pytest.fixture
def runtime(aws: str, tmp_path: Path) -> Iterator[Runtime]:
    """A runtime whose AWS calls go to the moto server (aws.endpoint_url)."""
    rt = Runtime(_settings(tmp_path / "home", aws), action_providers=TEST_PROVIDERS)
    rt.prepare()
    yield rt
    rt.stop()


def _boto(endpoint: str, service: str) -> Any:
    return boto3.client(service, region_name="us-east-2", endpoint_url=endpoint)


def _run(
    runtime: Runtime,
    action_id: str,
    raw: dict[str, Any],
    *,
    task_id: str = "task-1",
    dry_run: bool = False,
) -> tuple[ActionContext, list[UndoRecord], list[str]]:
    records: list[UndoRecord] = []
    lines: list[str] = []
    action = runtime.actions.get(action_id)
    ctx = ActionContext(
        action=action,
        step_id="step",
        workspace=runtime.settings.workspace_root / task_id,
        task_id=task_id,
        dry_run=dry_run,
        logger=lines.append,
        record_undo=lambda record, _undo: records.append(record),
    )
    action.handler(ctx, action.parse_input(raw))
    return ctx, records, lines


def _undo(runtime: Runtime, records: list[UndoRecord], task_id: str = "task-1") -> list[str]:
    lines: list[str] = []
    for record in reversed(records):
        handler = runtime.actions.get(record.action_id).undo[str(record.kind)]
        handler(UndoEnv(task_id, lines.append), dict(record.params))
    return lines


def _snapshot(endpoint: str) -> dict[str, Any]:
    """Everything the provisioning steps could have touched in moto."""
    ecr, sm, iam = _boto(endpoint, "ecr"), _boto(endpoint, "secretsmanager"), _boto(endpoint, "iam")
    roles = {}
    for role in iam.list_roles()["Roles"]:
        name = role["RoleName"]
        inline = {
            policy: str(iam.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"])
            for policy in iam.list_role_policies(RoleName=name)["PolicyNames"]
        }
        tags = iam.list_role_tags(RoleName=name)["Tags"]
        roles[name] = (role["Arn"], sorted(map(str, tags)), inline)
    repos = {}
    for repo in ecr.describe_repositories()["repositories"]:
        tags = ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        repos[repo["repositoryName"]] = (repo["repositoryArn"], sorted(map(str, tags)))
    secrets = {
        s["Name"]: (s["ARN"], sorted(map(str, s.get("Tags") or [])))
        for s in sm.list_secrets()["SecretList"]
    }
    return {"repositories": repos, "secrets": secrets, "roles": roles}


def _external_secret_key(runtime: Runtime, name: str) -> str:
    """The key the app's rendered ExternalSecret reads (what gitops:publish commits)."""
    spec = gitops.AppSpec(
        name=name,
        owner="group:default/team-a",
        gitops_repo_url=f"https://git.example.com/gitops/{name}.git",
        platform=gitops.PlatformSpec.from_settings(runtime.settings),
    )
    for path, text in gitops.render_app(spec).items():
        for doc in yaml.safe_load_all(text):
            if doc and doc.get("kind") == "ExternalSecret" and "base" in str(path):
                return str(doc["spec"]["dataFrom"][0]["extract"]["key"])
    raise AssertionError("no ExternalSecret in the rendered tree")


# -- aws:ecr:create ---------------------------------------------------------------------------


def test_ecr_create_makes_apps_name_scanned_immutable_encrypted_and_tagged(
    runtime: Runtime, aws: str
) -> None:
    ctx, records, lines = _run(runtime, "aws:ecr:create", {**APP, "keepImages": 15})
    ecr = _boto(aws, "ecr")
    repo = ecr.describe_repositories(repositoryNames=["apps/payments"])["repositories"][0]
    assert repo["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo["imageTagMutability"] == "IMMUTABLE"
    assert repo["encryptionConfiguration"]["encryptionType"] == "KMS"
    tags = {
        t["Key"]: t["Value"]
        for t in ecr.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
    }
    assert tags == {
        "app": "payments",
        "owner": "team-a",
        "cost-center": "cc-042",
        "managed-by": "goldpath",
        TASK_TAG: "task-1",
    }
    policy = json.loads(
        ecr.get_lifecycle_policy(repositoryName="apps/payments")["lifecyclePolicyText"]
    )
    (rule,) = policy["rules"]
    assert rule["selection"] == {
        "tagStatus": "any",
        "countType": "imageCountMoreThan",
        "countNumber": 15,
    }
    assert rule["action"] == {"type": "expire"}
    assert ctx.outputs["repositoryName"] == "apps/payments"
    assert ctx.outputs["repositoryUri"] == repo["repositoryUri"]
    assert ctx.outputs["consoleUrl"].startswith("https://us-east-2.console.aws.amazon.com/ecr/")
    assert ctx.outputs["created"] is True
    assert [r.kind for r in records] == ["delete-ecr-repository", "delete-ci-push-role"]
    assert any("Created the ECR repository apps/payments" in line for line in lines)


def test_cost_center_defaults_to_the_owning_team(runtime: Runtime, aws: str) -> None:
    _run(runtime, "aws:ecr:create", {"name": "orders", "owner": "group:default/team-b"})
    ecr = _boto(aws, "ecr")
    arn = ecr.describe_repositories(repositoryNames=["apps/orders"])["repositories"][0][
        "repositoryArn"
    ]
    tags = {t["Key"]: t["Value"] for t in ecr.list_tags_for_resource(resourceArn=arn)["tags"]}
    assert tags["cost-center"] == "team-b"


def test_invalid_cost_center_is_refused_naming_the_field_and_creates_nothing(
    runtime: Runtime, aws: str
) -> None:
    with pytest.raises(ActionInputError) as caught:
        _run(runtime, "aws:ecr:create", {**APP, "costCenter": "no spaces allowed!"})
    assert [e.field for e in caught.value.errors] == ["input.costCenter"]
    assert _snapshot(aws)["repositories"] == {}


def test_rerun_of_the_step_in_the_same_task_finds_the_repository_it_made(
    runtime: Runtime, aws: str
) -> None:
    _run(runtime, "aws:ecr:create", APP)
    ctx, records, lines = _run(runtime, "aws:ecr:create", {**APP, "keepImages": 5})
    assert list(_snapshot(aws)["repositories"]) == ["apps/payments"]
    assert ctx.outputs["created"] is False
    assert any("this task created earlier" in line for line in lines)
    policy = _boto(aws, "ecr").get_lifecycle_policy(repositoryName="apps/payments")
    assert json.loads(policy["lifecyclePolicyText"])["rules"][0]["selection"]["countNumber"] == 5
    assert [r.kind for r in records] == ["delete-ecr-repository", "delete-ci-push-role"]
    assert list(_snapshot(aws)["roles"]) == ["goldpath-ci-payments"]
    assert any("IAM role goldpath-ci-payments this task created earlier" in line
               for line in lines)


def test_a_repository_that_existed_before_is_refused_saying_what_exists(
    runtime: Runtime, aws: str
) -> None:
    ecr = _boto(aws, "ecr")
    arn = ecr.create_repository(
        repositoryName="apps/payments", tags=[{"Key": "team", "Value": "legacy"}]
    )["repository"]["repositoryArn"]
    before = _snapshot(aws)
    with pytest.raises(ResourceExistsError) as caught:
        _run(runtime, "aws:ecr:create", APP)
    assert arn in caught.value.message
    assert "team=legacy" in caught.value.message
    assert _snapshot(aws) == before


def test_rollback_deletes_the_repository_the_task_made(runtime: Runtime, aws: str) -> None:
    _, records, _ = _run(runtime, "aws:ecr:create", APP)
    lines = _undo(runtime, records)
    assert _snapshot(aws)["repositories"] == {}
    assert _snapshot(aws)["roles"] == {}
    assert lines == ["Deleted the IAM role goldpath-ci-payments",
                     "Deleted the ECR repository apps/payments"]


def test_another_tasks_undo_never_deletes_this_repository(runtime: Runtime, aws: str) -> None:
    _, records, _ = _run(runtime, "aws:ecr:create", APP, task_id="task-1")
    lines: list[str] = []
    for record in reversed(records):
        handler = runtime.actions.get("aws:ecr:create").undo[str(record.kind)]
        handler(UndoEnv("task-2", lines.append), {**record.params, "taskId": "task-2"})
    assert list(_snapshot(aws)["repositories"]) == ["apps/payments"]
    assert list(_snapshot(aws)["roles"]) == ["goldpath-ci-payments"]
    assert lines == [
        "IAM role goldpath-ci-payments left untouched: this task did not create it",
        "ECR repository apps/payments left untouched: this task did not create it",
    ]


def test_the_pipeline_role_trusts_only_the_apps_project_on_main_and_pushes_only_its_repository(
    runtime: Runtime, aws: str
) -> None:
    ctx, _, lines = _run(runtime, "aws:ecr:create", APP)
    iam = _boto(aws, "iam")
    role = iam.get_role(RoleName="goldpath-ci-payments")["Role"]
    account = role["Arn"].split(":")[4]
    assert ctx.outputs["pushRoleArn"] == role["Arn"]
    assert role["Path"] == CI_ROLE_PATH
    assert role["PermissionsBoundary"]["PermissionsBoundaryArn"] == (
        f"arn:aws:iam::{account}:policy/ecr-apps-push")
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
    (statement,) = trust["Statement"]
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::{account}:oidc-provider/gitlab.example.com"}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == {"StringEquals": {
        "gitlab.example.com:aud": OIDC_AUDIENCE,
        "gitlab.example.com:sub": "project_path:apps/payments:ref_type:branch:ref:main",
    }}
    listed = iam.list_role_tags(RoleName="goldpath-ci-payments")["Tags"]
    tags = {t["Key"]: t["Value"] for t in listed}
    assert tags == {"app": "payments", "owner": "team-a", "cost-center": "cc-042",
                    "managed-by": "goldpath", TASK_TAG: "task-1"}
    (policy_name,) = iam.list_role_policies(RoleName="goldpath-ci-payments")["PolicyNames"]
    document = iam.get_role_policy(RoleName="goldpath-ci-payments",
                                   PolicyName=policy_name)["PolicyDocument"]
    document = json.loads(unquote(document)) if isinstance(document, str) else document
    # the policy the app's GitOps repository documents (iam/ecr-policy.json)
    assert document == gitops.ecr_push_policy(ctx.outputs["repositoryArn"])
    resources = {json.dumps(s["Resource"]) for s in document["Statement"]}
    assert resources == {'"*"', json.dumps([ctx.outputs["repositoryArn"]])}
    star = next(s for s in document["Statement"] if s["Resource"] == "*")
    assert star["Action"] == ["ecr:GetAuthorizationToken"]
    assert any("only pipelines of apps/payments on main may assume it" in line for line in lines)


def test_another_default_branch_is_the_one_the_role_trusts(runtime: Runtime, aws: str) -> None:
    _run(runtime, "aws:ecr:create", {**APP, "defaultBranch": "trunk"})
    trust = _boto(aws, "iam").get_role(RoleName="goldpath-ci-payments")["Role"][
        "AssumeRolePolicyDocument"]
    trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
    condition = trust["Statement"][0]["Condition"]["StringEquals"]
    assert condition["gitlab.example.com:sub"].endswith(":ref_type:branch:ref:trunk")


def test_a_gitlab_served_under_a_path_is_the_issuer_the_role_trusts(
    aws: str, tmp_path: Path
) -> None:
    # GitLab's ID tokens name its external URL as their issuer, path included, and IAM
    # names the provider (and the condition keys) by that URL without its scheme.
    _run_once(_settings(tmp_path / "home", aws, {"ci_oidc_issuer": "https://example.com/gitlab"}),
              "aws:ecr:create", APP)
    role = _boto(aws, "iam").get_role(RoleName="goldpath-ci-payments")["Role"]
    trust = role["AssumeRolePolicyDocument"]
    trust = json.loads(unquote(trust)) if isinstance(trust, str) else trust
    (statement,) = trust["Statement"]
    account = role["Arn"].split(":")[4]
    assert statement["Principal"] == {
        "Federated": f"arn:aws:iam::{account}:oidc-provider/example.com/gitlab"}
    assert set(statement["Condition"]["StringEquals"]) == {
        "example.com/gitlab:aud", "example.com/gitlab:sub"}


@pytest.mark.parametrize("issuer", ["http://example.com", "https://example.com/", "example.com"])
def test_an_issuer_that_is_not_an_https_url_is_refused_naming_the_setting(
    tmp_path: Path, issuer: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(home=tmp_path / "home", aws={"ci_oidc_issuer": issuer})
    assert "aws.ci_oidc_issuer" in str(raised.value)


def test_a_role_that_existed_before_is_refused_and_the_repository_is_rolled_back(
    runtime: Runtime, aws: str
) -> None:
    _boto(aws, "iam").create_role(
        RoleName="goldpath-ci-payments", AssumeRolePolicyDocument="{}",
        Tags=[{"Key": "team", "Value": "legacy"}],
    )
    before = _snapshot(aws)
    records: list[UndoRecord] = []
    with pytest.raises(ResourceExistsError) as caught:
        action = runtime.actions.get("aws:ecr:create")
        ctx = ActionContext(
            action=action, step_id="step", workspace=runtime.settings.workspace_root / "t",
            task_id="task-1", logger=lambda _line: None,
            record_undo=lambda record, _undo: records.append(record),
        )
        action.handler(ctx, action.parse_input(APP))
    assert "the IAM role goldpath-ci-payments already exists" in caught.value.message
    assert "team=legacy" in caught.value.message
    # the repository made before the refusal goes with the task's rollback; the role stays
    _undo(runtime, records)
    assert _snapshot(aws) == before


def test_ecr_dry_run_calls_no_aws(runtime: Runtime, aws: str) -> None:
    ctx, records, lines = _run(runtime, "aws:ecr:create", APP, dry_run=True)
    assert ctx.outputs["repositoryName"] == "apps/payments"
    assert records == []
    assert lines[0].startswith("Dry run: would create the ECR repository apps/payments")
    assert lines[1].startswith("Dry run: would create the IAM role goldpath-ci-payments")
    assert ctx.outputs["pushRoleArn"] == ""
    assert _snapshot(aws)["repositories"] == {}
    assert _snapshot(aws)["roles"] == {}


# -- aws:secretsmanager:create ---------------------------------------------------------------


def test_secret_is_made_at_the_key_the_external_secret_reads_tagged_and_locked_to_eso(
    runtime: Runtime, aws: str
) -> None:
    ctx, records, lines = _run(runtime, "aws:secretsmanager:create", APP)
    key = _external_secret_key(runtime, "payments")
    assert key == "goldpath/apps/payments"
    assert ctx.outputs["secretName"] == key
    sm = _boto(aws, "secretsmanager")
    described = sm.describe_secret(SecretId=key)
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {
        "app": "payments",
        "owner": "team-a",
        "cost-center": "cc-042",
        "managed-by": "goldpath",
        TASK_TAG: "task-1",
    }
    policy = json.loads(sm.get_resource_policy(SecretId=key)["ResourcePolicy"])
    allow, deny = policy["Statement"]
    assert allow["Effect"] == "Allow" and allow["Principal"] == {"AWS": ROLE}
    assert "secretsmanager:GetSecretValue" in allow["Action"]
    assert deny["Effect"] == "Deny" and deny["Principal"] == "*"
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": ROLE}}
    assert json.loads(sm.get_secret_value(SecretId=key)["SecretString"]) == {}
    assert ctx.outputs["secretArn"] == described["ARN"]
    assert [r.kind for r in records] == ["delete-secret"]
    assert not any("{}" in line for line in lines)


def test_the_reader_is_the_role_terraform_makes_for_the_cluster(aws: str, tmp_path: Path) -> None:
    _run_once(_settings(tmp_path / "home", aws, platform={"cluster_name": "prod-eks"}),
              "aws:secretsmanager:create", APP)
    sm = _boto(aws, "secretsmanager")
    policy = json.loads(sm.get_resource_policy(SecretId="goldpath/apps/payments")["ResourcePolicy"])
    role = "arn:aws:iam::111122223333:role/prod-eks-external-secrets"
    assert policy["Statement"][0]["Principal"] == {"AWS": role}
    assert policy["Statement"][1]["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": role}}


def test_an_environment_secret_uses_the_overlay_key(runtime: Runtime, aws: str) -> None:
    ctx, _, _ = _run(runtime, "aws:secretsmanager:create", {**APP, "environment": "prod"})
    assert ctx.outputs["secretName"] == "goldpath/apps/payments/prod"


def test_a_secret_that_existed_before_is_refused_and_survives(runtime: Runtime, aws: str) -> None:
    sm = _boto(aws, "secretsmanager")
    arn = sm.create_secret(Name="goldpath/apps/payments", SecretString="keep me")["ARN"]
    with pytest.raises(ResourceExistsError) as caught:
        _run(runtime, "aws:secretsmanager:create", APP)
    assert arn in caught.value.message
    assert "keep me" not in caught.value.message
    assert sm.get_secret_value(SecretId=arn)["SecretString"] == "keep me"


def test_secret_rerun_and_rollback(runtime: Runtime, aws: str) -> None:
    _run(runtime, "aws:secretsmanager:create", APP)
    ctx, records, _ = _run(runtime, "aws:secretsmanager:create", APP)
    assert ctx.outputs["created"] is False
    assert list(_snapshot(aws)["secrets"]) == ["goldpath/apps/payments"]
    _undo(runtime, records)
    assert _snapshot(aws)["secrets"] == {}
    # deleted without a recovery window: the same name can be made again at once
    _run(runtime, "aws:secretsmanager:create", APP, task_id="task-2")
    assert list(_snapshot(aws)["secrets"]) == ["goldpath/apps/payments"]


# -- no AWS: skipped, never faked ---------------------------------------------------------


def test_without_aws_both_steps_are_skipped_with_one_clear_line(aws: str, tmp_path: Path) -> None:
    rt = Runtime(_settings(tmp_path / "home", None), action_providers=TEST_PROVIDERS)
    rt.prepare()
    try:
        assert not rt.settings.provisions_aws
        for action_id in ("aws:ecr:create", "aws:secretsmanager:create"):
            ctx, records, lines = _run(rt, action_id, APP)
            assert records == []
            assert len(lines) == 1 and lines[0].startswith("Skipped: no AWS is configured")
            assert ctx.outputs["skipped"] is True
            assert ctx.outputs.get("pushRoleArn", "") == ""
    finally:
        rt.stop()
    assert _snapshot(aws) == {"repositories": {}, "secrets": {}, "roles": {}}


def test_goldpath_aws_endpoint_url_points_goldpath_at_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOLDPATH_AWS__ENDPOINT_URL", "http://127.0.0.1:5999")
    settings = load_settings(home=tmp_path / "home")
    assert settings.aws_endpoint_url == "http://127.0.0.1:5999"
    assert settings.provisions_aws
    assert Runtime(settings).aws.endpoint_url == "http://127.0.0.1:5999"


def test_production_provisions_and_an_explicit_switch_wins(tmp_path: Path) -> None:
    assert Settings(home=tmp_path, env="production").provisions_aws
    assert not Settings(home=tmp_path, env="production", aws={"provision": False}).provisions_aws
    assert not Settings(home=tmp_path).provisions_aws


# -- rollback after any prefix leaves moto as it was -----------------------------------------


def _template(steps: list[str], fail_at: int) -> Any:
    made: list[dict[str, Any]] = []
    for index, action in enumerate(steps):
        if index == fail_at:
            made.append({"id": "boom", "action": "test:fail", "input": {}})
        made.append({"id": f"s{index}", "action": action, "input": dict(APP)})
    if fail_at >= len(steps):
        made.append({"id": "boom", "action": "test:fail", "input": {}})
    return parse_template(
        {
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "provision-test"},
            "spec": {"parameters": [], "steps": made},
        }
    )


@hyp_settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.sampled_from(["aws:ecr:create", "aws:secretsmanager:create"]),
        min_size=1,
        max_size=3,
    ),
    fail_at=st.integers(min_value=0, max_value=3),
    existing=st.sets(st.sampled_from(["repository", "secret", "other-repository", "role"])),
)
def test_rollback_after_any_prefix_of_steps_leaves_moto_as_it_was(
    runtime: Runtime,
    moto_endpoint: str,
    tmp_path_factory: pytest.TempPathFactory,
    steps: list[str],
    fail_at: int,
    existing: set[str],
) -> None:
    httpx.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    if "repository" in existing:
        _boto(moto_endpoint, "ecr").create_repository(repositoryName="apps/payments")
    if "other-repository" in existing:
        _boto(moto_endpoint, "ecr").create_repository(repositoryName="apps/other")
    if "role" in existing:
        _boto(moto_endpoint, "iam").create_role(
            RoleName="goldpath-ci-payments", AssumeRolePolicyDocument="{}"
        )
    if "secret" in existing:
        _boto(moto_endpoint, "secretsmanager").create_secret(
            Name="goldpath/apps/payments", SecretString="theirs"
        )
    before = _snapshot(moto_endpoint)
    outcome = run_template(
        _template(steps, min(fail_at, len(steps))),
        {},
        registry=runtime.actions,
        workspace=tmp_path_factory.mktemp("ws"),
        task_id="prop-task",
        sink=ListSink(),
        settings=runtime.settings,
    )
    assert outcome.status == "failed"
    assert outcome.rollback is not None and outcome.rollback.failed == []
    assert _snapshot(moto_endpoint) == before


def test_the_factories_use_the_aws_clients_they_are_handed(aws: str, tmp_path: Path) -> None:
    # provision on, but no endpoint in the settings: only the injected clients reach moto
    settings = load_settings(home=tmp_path / "home", aws={"provision": True})
    clients = AwsClients(region="us-east-2", endpoint_url=aws)
    hosts = GitHosts(settings)
    registry = ActionRegistry(
        [
            aws_ecr_create(clients, settings, hosts),
            aws_secretsmanager_create(clients, settings, hosts),
        ]
    )
    for action in registry:
        ctx = ActionContext(action=action, step_id="s", workspace=tmp_path / "ws", task_id="t")
        action.handler(ctx, action.parse_input(APP))
    snapshot = _snapshot(aws)
    assert list(snapshot["repositories"]) == ["apps/payments"]
    assert list(snapshot["secrets"]) == ["goldpath/apps/payments"]


def test_the_reader_role_is_named_as_terraform_names_it(tmp_path: Path) -> None:
    module = Path(__file__).resolve().parents[2] / "infra/terraform/modules/external-secrets"
    text = (module / "main.tf").read_text(encoding="utf-8")
    assert 'name              = "${var.cluster_name}-external-secrets"' in text
    settings = Settings(
        home=tmp_path, platform={"cluster_name": "c1", "aws_account_id": "123456789012"}
    )
    platform = gitops.PlatformSpec.from_settings(settings)
    role = "arn:aws:iam::123456789012:role/c1-external-secrets"
    assert gitops.external_secrets_role_arn(platform) == role


def test_the_actions_are_listed_with_their_backstage_input_names(runtime: Runtime) -> None:
    ecr = runtime.actions.get("aws:ecr:create").schema()
    secret = runtime.actions.get("aws:secretsmanager:create").schema()
    gitlab = runtime.actions.get("gitlab:project:configure").schema()
    assert {"name", "owner", "costCenter", "keepImages", "kmsKey", "defaultBranch"} == set(
        ecr["schema"]["input"]["properties"]
    )
    assert {"repositoryName", "repositoryUri", "consoleUrl", "pushRoleArn"} <= set(
        ecr["schema"]["output"]["properties"]
    )
    assert "kmsKeyId" in secret["schema"]["input"]["properties"]
    assert {"repoUrl", "projectVariables", "gitopsRepoUrl", "protectDefaultBranch"} <= set(
        gitlab["schema"]["input"]["properties"]
    )
    assert all(a["supportsDryRun"] for a in (ecr, secret, gitlab))
