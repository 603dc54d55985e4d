"""Each policy: a rendered tree passes it, and one targeted mutation breaks exactly it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

import pytest
import yaml

from goldpath.gitops import (
    POLICIES,
    GitopsValidationError,
    PlatformSpec,
    render_app,
    render_platform,
    validate_tree,
)
from tests.gitops.helpers import spec

P = PurePosixPath
Files = dict[PurePosixPath, str]
Mutation = Callable[[list[dict[str, Any]]], object]


def _mutate(files: Files, path: str, change: Mutation) -> Files:
    docs = list(yaml.safe_load_all(files[P(path)]))
    change(docs)
    return {**files, P(path): yaml.safe_dump_all(docs, sort_keys=True)}


def _pod(docs: list[dict[str, Any]]) -> dict[str, Any]:
    pod: dict[str, Any] = docs[0]["spec"]["template"]["spec"]
    return pod


def _container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    container: dict[str, Any] = _pod(docs)["containers"][0]
    return container


def _policy_ids(files: Files) -> set[str]:
    report = validate_tree(files, tools=False)
    return {f.rule for f in report.findings if f.check == "policy"}


def test_policy_ids_are_unique_and_documented() -> None:
    ids = [p.id for p in POLICIES]
    assert len(ids) == len(set(ids))
    assert all(p.title for p in POLICIES)


@pytest.mark.parametrize("tree", [
    render_app(spec()),
    render_app(spec(environments=("dev", "staging", "prod"), metrics_port=9464)),
    render_platform(PlatformSpec()),
])
def test_rendered_trees_pass_every_policy(tree: Files) -> None:
    assert _policy_ids(tree) == set()


MUTATIONS: list[tuple[str, str, Mutation]] = [
    ("MD001", "base/service.yaml", lambda d: d[0]["metadata"]["labels"].pop(
        "app.kubernetes.io/managed-by")),
    ("MD002", "base/service.yaml", lambda d: d[0]["metadata"].update(name="s" * 64)),
    ("SD001", "base/rbac.yaml", lambda d: d[0]["rules"][0]["resources"].append("secrets")),
    ("SD001", "base/rbac.yaml", lambda d: d[0]["rules"][0]["verbs"].append("delete")),
    ("SD002", "base/rbac.yaml", lambda d: d[1]["roleRef"].update(kind="ClusterRole",
                                                                name="cluster-admin")),
    ("SD003", "argocd/appproject.yaml", lambda d: d[0]["spec"]["sourceRepos"].append("*")),
    ("SD003", "argocd/appproject.yaml", lambda d: d[0]["spec"]["destinations"][0].update(
        namespace="*")),
    ("SD003", "argocd/appproject.yaml", lambda d: d[0]["spec"].update(
        clusterResourceWhitelist=[{"group": "*", "kind": "*"}])),
    ("SD004", "argocd/application.yaml", lambda d: d[0]["spec"]["syncPolicy"]["automated"].update(
        prune=False)),
    ("SD004", "argocd/application.yaml", lambda d: d[0]["spec"]["source"].update(
        repoURL="https://elsewhere.example.com/x.git")),
    ("WS001", "base/deployment.yaml", lambda d: _pod(d)["securityContext"].update(
        runAsNonRoot=False)),
    ("WS001", "base/deployment.yaml", lambda d: _pod(d).update(hostNetwork=True)),
    ("WS002", "base/deployment.yaml", lambda d: _container(d)["securityContext"].update(
        allowPrivilegeEscalation=True)),
    ("WS002", "base/deployment.yaml", lambda d: _container(d)["securityContext"].update(
        readOnlyRootFilesystem=False)),
    ("WS002", "base/deployment.yaml", lambda d: _container(d)["securityContext"].update(
        capabilities={"add": ["NET_ADMIN"]})),
    ("WS003", "base/deployment.yaml", lambda d: _container(d)["resources"].pop("limits")),
    ("WS004", "base/deployment.yaml", lambda d: _container(d).pop("readinessProbe")),
    ("WS005", "base/deployment.yaml", lambda d: _container(d).update(image="nginx:latest")),
    ("WS006", "base/deployment.yaml", lambda d: _pod(d).update(serviceAccountName="default")),
    ("WS006", "base/serviceaccount.yaml", lambda d: d[0].update(
        automountServiceAccountToken=True)),
    ("WS008", "base/networkpolicies.yaml", lambda d: d.pop(0)),
    ("WS009", "base/networkpolicies.yaml", lambda d: d[1]["spec"]["ingress"][0].update(
        {"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]})),
    ("WS010", "base/networkpolicies.yaml", lambda d: [
        p["spec"]["ingress"][0].update(ports=[{"protocol": "TCP", "port": 1}]) for p in d[1:3]]),
    ("WS011", "base/ingress.yaml", lambda d: d[0]["metadata"]["annotations"].pop(
        "alb.ingress.kubernetes.io/certificate-arn")),
]


@pytest.mark.parametrize(("policy", "path", "change"), MUTATIONS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_each_policy_catches_its_violation(policy: str, path: str, change: Mutation) -> None:
    files = _mutate(render_app(spec()), path, change)
    assert policy in _policy_ids(files)


def test_findings_name_the_policy_file_and_object() -> None:
    files = _mutate(render_app(spec()), "base/rbac.yaml",
                    lambda d: d[0]["rules"][0]["resources"].append("secrets"))
    finding = next(f for f in validate_tree(files, tools=False).findings if f.rule == "SD001")
    assert finding.file == "base/rbac.yaml"
    assert finding.object == "Role/payments/payments-read"
    assert "secrets" in finding.message


def test_goldpaths_own_records_are_not_validated_as_manifests() -> None:
    answers = "apiVersion: goldpath.dev/v1alpha1\nkind: TemplateAnswers\ntemplate: x\n"
    files = {**render_app(spec()), P(".goldpath/answers.yaml"): answers}
    assert validate_tree(files, tools=False).ok
    misplaced = {**render_app(spec()), P("base/answers.yaml"): answers}
    assert not validate_tree(misplaced, tools=False).ok


def test_plain_secret_in_git_is_refused() -> None:
    secret = {"apiVersion": "v1", "kind": "Secret",
              "metadata": {"name": "x", "namespace": "payments",
              "labels": {"app.kubernetes.io/managed-by": "goldpath",
                         "app.kubernetes.io/part-of": "payments",
                         "app.kubernetes.io/name": "payments"}},
              "stringData": {"password": "hunter2"}}
    files = {**render_app(spec()), P("base/secret.yaml"): yaml.safe_dump(secret)}
    report = validate_tree(files, tools=False)
    assert "WS007" in {f.rule for f in report.findings}
    assert "hunter2" not in json.dumps(report.as_dict())


def test_app_repo_may_not_hold_cluster_roles() -> None:
    role = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
            "metadata": {"name": "sneaky", "labels": {"app.kubernetes.io/managed-by": "goldpath",
                                                       "app.kubernetes.io/part-of": "payments",
                                                       "app.kubernetes.io/name": "payments"}},
            "rules": []}
    files = {**render_app(spec()), P("base/extra.yaml"): yaml.safe_dump(role)}
    assert "SD005" in _policy_ids(files)


def test_cluster_secret_store_in_a_namespaced_kustomization_is_refused() -> None:
    platform = render_platform(PlatformSpec())
    files = _mutate(platform, "platform/kustomization.yaml", lambda d: d[0].update(
        namespace="external-secrets"))
    assert "SD006" in _policy_ids(files)


def test_ecr_policy_for_another_repository_is_refused() -> None:
    files = render_app(spec())
    policy = json.loads(files[P("iam/ecr-policy.json")])
    policy["Statement"][1]["Resource"] = ["arn:aws:ecr:us-east-2:111122223333:repository/other"]
    files[P("iam/ecr-policy.json")] = json.dumps(policy)
    assert "SD007" in _policy_ids(files)


def test_ecr_policy_with_wildcard_repository_is_refused() -> None:
    files = render_app(spec())
    policy = json.loads(files[P("iam/ecr-policy.json")])
    policy["Statement"][1]["Resource"] = "arn:aws:ecr:us-east-2:111122223333:repository/*"
    files[P("iam/ecr-policy.json")] = json.dumps(policy)
    assert "SD007" in _policy_ids(files)


def test_dashboard_without_tags_is_refused() -> None:
    files = render_app(spec())
    model = json.loads(files[P("dashboards/payments.json")])
    model["tags"] = []
    files[P("dashboards/payments.json")] = json.dumps(model)
    assert "MD003" in _policy_ids(files)


def test_raise_for_failures_lists_every_finding() -> None:
    files = _mutate(render_app(spec()), "base/deployment.yaml", lambda d: (
        _pod(d).update(hostNetwork=True), _container(d).pop("livenessProbe")))
    report = validate_tree(files, tools=False)
    with pytest.raises(GitopsValidationError) as exc:
        report.raise_for_failures()
    text = str(exc.value)
    assert "WS001" in text and "WS004" in text
    assert {e.rule for e in exc.value.errors} >= {"policy:WS001", "policy:WS004"}


def test_broken_yaml_is_a_finding_not_a_crash() -> None:
    report = validate_tree({"base/broken.yaml": "a: [unclosed"}, tools=False)
    assert [(f.check, f.rule, f.file) for f in report.findings] == [
        ("yaml", "parse", "base/broken.yaml")]


def test_kustomization_listing_a_missing_file_is_reported() -> None:
    files = _mutate(render_app(spec()), "base/kustomization.yaml",
                    lambda d: d[0]["resources"].append("ghost.yaml"))
    report = validate_tree(files, tools=False)
    assert any(f.rule == "missing-resource" and "ghost.yaml" in f.message
               for f in report.findings)
