"""Invariants of rendered GitOps repos, over any valid app spec (Hypothesis).

Each test checks its invariant on the parsed output itself, not through goldpath's
own policies, so a policy bug cannot hide a renderer bug.
"""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import given, settings

from goldpath.gitops import AppSpec, render_app
from goldpath.gitops._yaml import DUMP_OPTIONS
from tests.gitops.helpers import LOADER, iam_policy, manifests, of_kind
from tests.gitops.strategies import app_specs

APP_KINDS = {
    "Namespace", "ServiceAccount", "Role", "RoleBinding", "Deployment", "Service", "Ingress",
    "PodDisruptionBudget", "NetworkPolicy", "ExternalSecret", "ServiceMonitor",
    "PrometheusRule", "ConfigMap", "Application", "AppProject",
}
READ_VERBS = {"get", "list", "watch"}

# Each example renders a whole repo (and some parse it back): 30 per invariant keeps the
# module under a minute on two cores while covering names, platforms and overlays.
FEW = settings(max_examples=30)


def _namespaces(spec: AppSpec) -> list[str]:
    if spec.environments:
        return [f"{spec.name}-{env}" for env in spec.environments]
    return [spec.name]


@FEW
@given(app_specs())
def test_every_expected_kind_is_rendered(spec: AppSpec) -> None:
    kinds = {doc["kind"] for _, doc in manifests(render_app(spec))}
    # The disruption budget belongs to prod: a repo with overlays but no prod has none.
    without_prod = bool(spec.environments) and "prod" not in spec.environments
    assert kinds == (APP_KINDS - {"PodDisruptionBudget"} if without_prod else APP_KINDS)


@FEW
@given(app_specs())
def test_every_file_round_trips_through_yaml_and_json(spec: AppSpec) -> None:
    files = render_app(spec)
    for path, text in files.items():
        if path.suffix == ".json":
            assert json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n" == text
            continue
        docs = list(yaml.load_all(text, Loader=LOADER))
        # Both of PyYAML's emitters (libyaml and pure Python) must give the same documents;
        # the dashboard is ASCII-only JSON, so the slow pure-Python pass skips it.
        dumpers: list[Any] = [yaml.CSafeDumper]
        if path.name != "dashboard-configmap.yaml":
            dumpers.append(yaml.SafeDumper)
        for dumper in dumpers:
            again = yaml.dump_all(docs, Dumper=dumper, explicit_start=True, **DUMP_OPTIONS)
            assert list(yaml.load_all(again, Loader=LOADER)) == docs
    deployment = next(d for _, d in manifests(files) if d["kind"] == "Deployment")
    env = {e["name"]: e.get("value") for e in deployment["spec"]["template"]["spec"]
           ["containers"][0]["env"]}
    assert {k: env[k] for k in spec.env} == spec.env
    namespace = next(d for _, d in manifests(files) if d["kind"] == "Namespace")
    assert namespace["metadata"].get("annotations", {}).get(
        "goldpath.io/description", ""
    ) == spec.description
    ingress = next(d for _, d in manifests(files) if d["kind"] == "Ingress")
    notes = ingress["metadata"]["annotations"]
    assert notes["alb.ingress.kubernetes.io/certificate-arn"] == spec.platform.certificate_arn
    assert ingress["spec"]["rules"][0]["host"] == f"{spec.name}.{spec.platform.domain}"


def _is_default_deny(policy: dict[str, Any]) -> bool:
    body = policy["spec"]
    return (
        body["podSelector"] == {}
        and sorted(body["policyTypes"]) == ["Egress", "Ingress"]
        and not body.get("ingress")
        and not body.get("egress")
    )


@FEW
@given(app_specs())
def test_every_namespace_has_default_deny_both_ways(spec: AppSpec) -> None:
    files = render_app(spec)
    namespaces = {d["metadata"]["name"] for d in of_kind(files, "Namespace")}
    denied = {p["metadata"]["namespace"] for p in of_kind(files, "NetworkPolicy")
              if _is_default_deny(p)}
    assert namespaces and namespaces <= denied


@FEW
@given(app_specs())
def test_app_port_is_reachable_only_through_an_allow_rule(spec: AppSpec) -> None:
    files = render_app(spec)
    allowing = [
        rule
        for policy in of_kind(files, "NetworkPolicy")
        for rule in policy["spec"].get("ingress", [])
        if any(port["port"] == spec.port for port in rule.get("ports", []))
    ]
    assert allowing, "no rule lets the ALB reach the app port"
    for rule in allowing:
        assert rule["from"], "an allow rule must name its peers"
        for peer in rule["from"]:
            assert peer.get("ipBlock", {}).get("cidr") not in {"0.0.0.0/0", "::/0"}
    # and no ingress rule anywhere is open to every source
    for policy in of_kind(files, "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            assert rule.get("from")


@FEW
@given(app_specs())
def test_role_never_grants_secrets_or_write_verbs(spec: AppSpec) -> None:
    for role in of_kind(render_app(spec), "Role"):
        for rule in role["rules"]:
            assert "secrets" not in rule["resources"] and "*" not in rule["resources"]
            assert set(rule["verbs"]) <= READ_VERBS


@FEW
@given(app_specs())
def test_app_project_allows_one_repo_and_one_namespace(spec: AppSpec) -> None:
    projects = of_kind(render_app(spec), "AppProject")
    assert len(projects) == len(_namespaces(spec))
    for project, namespace in zip(projects, _namespaces(spec), strict=True):
        assert project["spec"]["sourceRepos"] == [spec.gitops_repo_url]
        assert [d["namespace"] for d in project["spec"]["destinations"]] == [namespace]
        assert project["spec"]["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]


@FEW
@given(app_specs())
def test_application_always_auto_syncs_with_prune_and_self_heal(spec: AppSpec) -> None:
    apps = of_kind(render_app(spec), "Application")
    assert len(apps) == len(_namespaces(spec))
    for app in apps:
        assert app["spec"]["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert app["spec"]["source"]["repoURL"].endswith(".git")
        assert app["spec"]["project"] == app["metadata"]["name"] != "default"


@FEW
@given(app_specs())
def test_every_pod_uses_its_own_service_account(spec: AppSpec) -> None:
    files = render_app(spec)
    accounts = {(a["metadata"]["namespace"], a["metadata"]["name"])
                for a in of_kind(files, "ServiceAccount")}
    for deployment in of_kind(files, "Deployment"):
        pod = deployment["spec"]["template"]["spec"]
        assert pod["serviceAccountName"] not in {"", "default"}
        assert (deployment["metadata"]["namespace"], pod["serviceAccountName"]) in accounts
        assert pod["automountServiceAccountToken"] is False


@FEW
@given(app_specs())
def test_iam_policy_names_only_its_own_repository(spec: AppSpec) -> None:
    own = (
        f"arn:aws:ecr:{spec.platform.aws_region}:{spec.platform.aws_account_id}"
        f":repository/apps/{spec.name}"
    )
    for statement in iam_policy(render_app(spec))["Statement"]:
        resources = statement["Resource"]
        if statement["Action"] == ["ecr:GetAuthorizationToken"]:
            assert resources == "*"
        else:
            assert resources == [own]
            assert all(not a.endswith("*") for a in statement["Action"])


@FEW
@given(app_specs())
def test_every_resource_carries_the_app_labels(spec: AppSpec) -> None:
    for _, doc in manifests(render_app(spec)):
        labels = doc["metadata"]["labels"]
        assert labels["app.kubernetes.io/name"] == spec.name
        assert labels["app.kubernetes.io/instance"] == spec.name
        assert labels["app.kubernetes.io/managed-by"] == "goldpath"
        assert labels["goldpath.io/team"] == spec.team


@FEW
@given(app_specs())
def test_every_name_stays_within_63_characters(spec: AppSpec) -> None:
    files = render_app(spec)
    names = [doc["metadata"]["name"] for _, doc in manifests(files)]
    names += [doc["metadata"].get("namespace", "") for _, doc in manifests(files)]
    names += [doc["spec"]["destination"]["namespace"] for doc in of_kind(files, "Application")]
    names += [rule["host"].split(".")[0] for doc in of_kind(files, "Ingress")
              for rule in doc["spec"]["rules"]]
    assert max(len(n) for n in names) <= 63
    labels = [v for _, doc in manifests(files) for v in doc["metadata"]["labels"].values()]
    assert max(len(v) for v in labels) <= 63


@FEW
@given(app_specs())
def test_rendering_is_deterministic(spec: AppSpec) -> None:
    first = render_app(spec)
    second = render_app(AppSpec.model_validate(spec.model_dump()))
    assert first == second
    assert list(first) == sorted(first)
