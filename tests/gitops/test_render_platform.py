"""The platform renderer: cluster roles, platform namespaces, their policies, the secret store."""

from __future__ import annotations

from pathlib import PurePosixPath

import yaml
from hypothesis import given, settings

from goldpath.gitops import PlatformSpec, render_platform, validate_tree
from tests.gitops.helpers import of_kind, one
from tests.gitops.strategies import platforms


def test_cluster_roles_admin_and_developer_readonly_without_secrets() -> None:
    roles = {r["metadata"]["name"]: r for r in of_kind(render_platform(PlatformSpec()),
                                                        "ClusterRole")}
    assert set(roles) == {"platform-admin", "developer-readonly"}
    readonly = roles["developer-readonly"]["rules"]
    assert all(set(rule["verbs"]) <= {"get", "list", "watch"} for rule in readonly)
    assert not any("secrets" in rule["resources"] or "*" in rule["resources"]
                   for rule in readonly)


def test_platform_namespaces_are_labelled_by_role() -> None:
    namespaces = of_kind(render_platform(PlatformSpec()), "Namespace")
    roles = {ns["metadata"]["labels"]["idp-role"] for ns in namespaces}
    assert roles == {"platform", "monitoring", "ingress"}


def test_every_platform_namespace_has_default_deny_and_service_cidr_egress() -> None:
    platform = PlatformSpec(service_cidr="172.21.0.0/16")
    files = render_platform(platform)
    policies = of_kind(files, "NetworkPolicy")
    for ns in of_kind(files, "Namespace"):
        name = ns["metadata"]["name"]
        mine = {p["metadata"]["name"]: p["spec"] for p in policies
                if p["metadata"]["namespace"] == name}
        assert mine["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
        cidrs = [peer["ipBlock"]["cidr"] for rule in mine["allow-cluster-egress"]["egress"]
                 for peer in rule["to"]]
        assert "172.21.0.0/16" in cidrs


def test_cluster_secret_store_uses_irsa_for_secrets_manager() -> None:
    store = one(render_platform(PlatformSpec(aws_region="eu-west-1")), "ClusterSecretStore")
    aws = store["spec"]["provider"]["aws"]
    assert store["metadata"]["name"] == "aws-secrets-manager"
    assert "namespace" not in store["metadata"]
    assert aws["service"] == "SecretsManager" and aws["region"] == "eu-west-1"
    assert aws["auth"]["jwt"]["serviceAccountRef"]["name"] == "external-secrets"


def test_platform_kustomization_sets_no_namespace() -> None:
    kust = yaml.safe_load(render_platform(PlatformSpec())[PurePosixPath(
        "platform/kustomization.yaml")])
    assert "namespace" not in kust
    assert "cluster-secret-store.yaml" in kust["resources"]


def test_platform_tree_passes_validation_without_tools() -> None:
    report = validate_tree(render_platform(PlatformSpec()), tools=False)
    assert report.ok, report.failures


@settings(max_examples=30)
@given(platforms())
def test_any_platform_denies_by_default_and_never_lets_developers_read_secrets(
    platform: PlatformSpec,
) -> None:
    files = render_platform(platform)
    denied = {p["metadata"]["namespace"] for p in of_kind(files, "NetworkPolicy")
              if p["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}}
    assert {ns["metadata"]["name"] for ns in of_kind(files, "Namespace")} <= denied
    readonly = next(r for r in of_kind(files, "ClusterRole")
                    if r["metadata"]["name"] == "developer-readonly")
    for rule in readonly["rules"]:
        assert "secrets" not in rule["resources"] and "*" not in rule["resources"]
        assert set(rule["verbs"]) <= {"get", "list", "watch"}
    store = one(files, "ClusterSecretStore")
    assert store["spec"]["provider"]["aws"]["region"] == platform.aws_region
