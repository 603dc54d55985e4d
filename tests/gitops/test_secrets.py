"""An app reads only its own Secrets Manager prefix: renderer, policy SD008, resource policy."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from goldpath.gitops import (
    PlatformSpec,
    app_secret_prefix,
    aws_cost_tags,
    external_secrets_role_arn,
    render_app,
    secret_key_allowed,
    secret_resource_policy,
    validate_tree,
)
from goldpath.platform import load_hcl
from tests.gitops.helpers import one, spec
from tests.gitops.strategies import app_names

P = PurePosixPath
Files = dict[PurePosixPath, str]
ROOT = Path(__file__).resolve().parents[2]


def _with_external_secret(
    files: Files, change: Any, path: str = "base/externalsecret.yaml"
) -> Files:
    doc = yaml.safe_load(files[P(path)])
    change(doc)
    return {**files, P(path): yaml.safe_dump(doc, sort_keys=True)}


def _sd008(files: Files, **kwargs: Any) -> list[str]:
    report = validate_tree(files, tools=False, **kwargs)
    return [f.message for f in report.findings if f.rule == "SD008"]


def test_rendered_external_secret_reads_the_apps_own_prefix() -> None:
    files = render_app(spec())
    key = one(files, "ExternalSecret")["spec"]["dataFrom"][0]["extract"]["key"]
    assert key == app_secret_prefix(PlatformSpec(), "payments") == "goldpath/apps/payments"
    assert _sd008(files) == []


def test_external_secret_reading_the_platform_secret_is_refused() -> None:
    files = _with_external_secret(
        render_app(spec()),
        lambda d: d["spec"]["dataFrom"][0]["extract"].update(key="goldpath/platform"),
    )
    messages = _sd008(files)
    assert len(messages) == 1
    assert "'goldpath/platform'" in messages[0]
    assert "goldpath/apps/payments" in messages[0]


@pytest.mark.parametrize("key", [
    "goldpath/apps/payments-admin",          # another app sharing the name's start
    "goldpath/apps",                         # the whole prefix
    "goldpath/apps/payments/../../platform",  # a spelling that climbs out
    "goldpath/apps/payments/*",              # a wildcard
    "goldpath/apps//payments",
    "arn:aws:secretsmanager:us-east-2:111122223333:secret:goldpath/platform-AbC123",
    "",
])
def test_keys_outside_the_prefix_are_refused(key: str) -> None:
    files = _with_external_secret(
        render_app(spec()), lambda d: d["spec"]["dataFrom"][0]["extract"].update(key=key)
    )
    assert _sd008(files)


def test_data_remote_ref_is_checked_like_data_from() -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["spec"]["data"] = [
            {"secretKey": "TOKEN", "remoteRef": {"key": "goldpath/apps/payments", "property": "t"}},
            {"secretKey": "DB", "remoteRef": {"key": "goldpath/apps/ledger"}},
        ]

    messages = _sd008(_with_external_secret(render_app(spec()), change))
    assert len(messages) == 1
    assert "spec.data[1].remoteRef.key" in messages[0]


def test_find_without_a_path_inside_the_prefix_is_refused() -> None:
    def change(doc: dict[str, Any]) -> None:
        doc["spec"]["dataFrom"] = [{"find": {"name": {"regexp": ".*"}}}]

    assert _sd008(_with_external_secret(render_app(spec()), change))


def test_another_secret_store_is_refused() -> None:
    files = _with_external_secret(
        render_app(spec()),
        lambda d: d["spec"].update(secretStoreRef={"kind": "SecretStore", "name": "mine"}),
    )
    assert any("secretStoreRef" in m for m in _sd008(files))


def test_overlay_patch_pointing_outside_the_prefix_is_refused() -> None:
    files = render_app(spec(environments=("dev", "prod")))
    assert _sd008(files) == []
    path = P("overlays/prod/kustomization.yaml")
    doc = yaml.safe_load(files[path])
    patch = next(p for p in doc["patches"] if p["target"]["kind"] == "ExternalSecret")
    operations = json.loads(patch["patch"])
    operations[0]["value"] = "goldpath/platform"
    patch["patch"] = json.dumps(operations)
    messages = _sd008({**files, path: yaml.safe_dump(doc, sort_keys=True)})
    assert len(messages) == 1
    assert "goldpath/platform" in messages[0]


def test_the_configured_prefix_bounds_what_an_app_reads() -> None:
    platform = PlatformSpec(secrets_prefix="acme/services")
    files = render_app(spec(platform=platform))
    assert _sd008(files, secrets_prefix="acme/services") == []
    assert _sd008(files)  # against the default prefix, acme/services/payments is outside


@given(app=app_names(), other=app_names())
def test_an_app_may_read_only_below_its_own_prefix(app: str, other: str) -> None:
    prefix = app_secret_prefix(PlatformSpec(), app)
    assert secret_key_allowed(prefix, prefix)
    assert secret_key_allowed(f"{prefix}/prod", prefix)
    assert not secret_key_allowed("goldpath/platform", prefix)
    if other != app:
        assert not secret_key_allowed(app_secret_prefix(PlatformSpec(), other), prefix)


@given(app=app_names(), environments=st.sampled_from([(), ("dev",), ("dev", "staging", "prod")]))
def test_every_rendered_external_secret_passes_sd008(
    app: str, environments: tuple[str, ...]
) -> None:
    files = render_app(spec(name=app, environments=environments))
    assert _sd008(files) == []


def test_resource_policy_lets_only_external_secrets_read() -> None:
    platform = PlatformSpec(aws_account_id="444455556666", cluster_name="prod-eks")
    policy = secret_resource_policy(platform, "payments")
    role = "arn:aws:iam::444455556666:role/prod-eks-external-secrets"
    assert external_secrets_role_arn(platform) == role
    allow = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    deny = [s for s in policy["Statement"] if s["Effect"] == "Deny"]
    assert [s["Principal"] for s in allow] == [{"AWS": role}]
    assert "secretsmanager:GetSecretValue" in allow[0]["Action"]
    assert all("*" not in a for s in allow for a in s["Action"])
    assert deny[0]["Principal"] == "*"
    assert deny[0]["Action"] == ["secretsmanager:GetSecretValue"]
    assert deny[0]["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": role}}


def test_resource_policy_role_is_the_one_terraform_creates() -> None:
    module = ROOT / "infra/terraform/modules/external-secrets/main.tf"
    parsed = load_hcl(module)
    role = next(m["role"] for m in parsed["module"] if "role" in m)
    assert role["name"] == "${var.cluster_name}-external-secrets"
    arn = external_secrets_role_arn(PlatformSpec(cluster_name="c1"))
    assert arn.endswith(":role/c1-external-secrets")


def test_cost_tags_name_app_owner_cost_center_and_goldpath() -> None:
    assert aws_cost_tags(app="payments", owner="team-pay", cost_center="cc-42") == {
        "app": "payments", "owner": "team-pay", "cost-center": "cc-42", "managed-by": "goldpath",
    }


def _with_patch(patch: object) -> Files:
    files = render_app(spec(environments=("dev", "prod")))
    path = P("overlays/prod/kustomization.yaml")
    doc = yaml.safe_load(files[path])
    text = patch if isinstance(patch, str) else json.dumps(patch)
    doc["patches"].append({"target": {"kind": "ExternalSecret"}, "patch": text})
    return {**files, path: yaml.safe_dump(doc, sort_keys=True)}


@pytest.mark.parametrize("patch", [
    # JSON 6902: an added item whose key points elsewhere
    [{"op": "add", "path": "/spec/data/-",
      "value": {"secretKey": "X", "remoteRef": {"key": "goldpath/platform"}}}],
    # JSON 6902: swapping the store
    [{"op": "replace", "path": "/spec/secretStoreRef/name", "value": "other"}],
    # JSON 6902: copying a value in from somewhere
    [{"op": "copy", "from": "/metadata/name", "path": "/spec/dataFrom/0/extract/key"}],
    # strategic merge (YAML)
    "spec:\n  dataFrom:\n    - extract:\n        key: goldpath/apps/ledger\n",
    # a patch kept in a file goldpath cannot see here
    None,
])
def test_every_patch_shape_reaching_outside_is_refused(patch: object) -> None:
    if patch is None:
        files = render_app(spec(environments=("dev", "prod")))
        path = P("overlays/prod/kustomization.yaml")
        doc = yaml.safe_load(files[path])
        doc["patches"].append({"target": {"kind": "ExternalSecret"}, "path": "es.yaml"})
        files = {**files, path: yaml.safe_dump(doc, sort_keys=True)}
    else:
        files = _with_patch(patch)
    assert _sd008(files)


@pytest.mark.parametrize("patch", ["spec: [unclosed\n", "a: 1\n---\nb: 2\n"])
def test_a_patch_that_is_not_one_yaml_document_is_refused_as_unreadable(patch: str) -> None:
    assert any("an unreadable patch" in message for message in _sd008(_with_patch(patch)))


def test_a_strategic_merge_patch_inside_the_prefix_passes() -> None:
    patch = "spec:\n  dataFrom:\n    - extract:\n        key: goldpath/apps/payments/extra\n"
    assert _sd008(_with_patch(patch)) == []

