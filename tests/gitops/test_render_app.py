"""The app renderer: each manifest property the GitOps issue asks for."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

import pytest
import yaml

from goldpath.gitops import (
    AlertThresholds,
    PlatformSpec,
    dashboard_selector,
    dashboard_tag,
    dashboard_uid,
    render_app,
    validate_tree,
)
from tests.gitops.helpers import iam_policy, of_kind, one, spec

P = PurePosixPath


def test_repo_layout_without_environments() -> None:
    files = render_app(spec())
    assert set(files) == {
        P("argocd/application.yaml"), P("argocd/appproject.yaml"), P("argocd/kustomization.yaml"),
        P("base/dashboard-configmap.yaml"), P("base/deployment.yaml"),
        P("base/externalsecret.yaml"), P("base/ingress.yaml"), P("base/kustomization.yaml"),
        P("base/namespace.yaml"), P("base/networkpolicies.yaml"),
        P("base/poddisruptionbudget.yaml"), P("base/prometheusrule.yaml"), P("base/rbac.yaml"),
        P("base/service.yaml"), P("base/serviceaccount.yaml"), P("base/servicemonitor.yaml"),
        P("dashboards/payments.json"), P("goldpath-app.yaml"), P("iam/ecr-policy.json"),
    }


def test_overlays_exist_for_each_listed_environment() -> None:
    files = render_app(spec(environments=("prod", "dev")))
    overlays = {p.parts[1] for p in files if p.parts[0] == "overlays"}
    assert overlays == {"dev", "prod"}
    dev = yaml.safe_load(files[P("overlays/dev/kustomization.yaml")])
    assert dev["namespace"] == "payments-dev"
    assert dev["resources"][0] == "../../base"
    assert dev["replicas"] == [{"name": "payments", "count": 1}]
    assert dev["images"] == [
        {"name": "111122223333.dkr.ecr.us-east-2.amazonaws.com/apps/payments", "newTag": "initial"}
    ]


def test_dashboard_lives_in_one_overlay_only() -> None:
    files = render_app(spec(environments=("dev", "staging", "prod")))
    holders = [p for p in files if p.name == "dashboard-configmap.yaml"]
    assert holders == [P("overlays/prod/dashboard-configmap.yaml")]


def test_overlay_patches_host_and_secret_key_per_environment() -> None:
    files = render_app(spec(environments=("staging",)))
    patches = yaml.safe_load(files[P("overlays/staging/kustomization.yaml")])["patches"]
    ops = {
        p["target"]["kind"]: json.loads(p["patch"])[0]["value"]
        for p in patches
        if p["target"]["kind"] != "Deployment"
    }
    assert ops == {
        "Ingress": "payments-staging.apps.example.com",
        "ExternalSecret": "goldpath/apps/payments/staging",
    }


def test_namespace_is_a_labelled_workload_namespace() -> None:
    ns = one(render_app(spec(cost_center="cc-42", system="billing")), "Namespace")
    labels = ns["metadata"]["labels"]
    assert labels["idp-role"] == "workload"
    assert labels["app.kubernetes.io/name"] == "payments"
    assert labels["app.kubernetes.io/part-of"] == "billing"
    assert labels["goldpath.io/team"] == "team-pay"
    assert labels["goldpath.io/cost-center"] == "cc-42"


def test_deployment_image_comes_from_the_platform_registry() -> None:
    files = render_app(spec(image_tag="abc123"))
    container = one(files, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "111122223333.dkr.ecr.us-east-2.amazonaws.com/apps/payments:abc123"


def test_deployment_probes_and_resources() -> None:
    container = one(render_app(spec()), "Deployment")["spec"]["template"]["spec"]["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "256Mi"},
    }


def test_deployment_is_hardened() -> None:
    pod = one(render_app(spec()), "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 1000
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    ctx = pod["containers"][0]["securityContext"]
    assert ctx["readOnlyRootFilesystem"] is True
    assert ctx["allowPrivilegeEscalation"] is False
    assert ctx["capabilities"] == {"drop": ["ALL"]}
    assert ctx["seccompProfile"] == {"type": "RuntimeDefault"}
    assert {"name": "tmp", "mountPath": "/tmp"} in pod["containers"][0]["volumeMounts"]
    assert any(v["name"] == "tmp" and "emptyDir" in v for v in pod["volumes"])


def test_deployment_uses_own_service_account_without_token() -> None:
    files = render_app(spec())
    pod = one(files, "Deployment")["spec"]["template"]["spec"]
    account = one(files, "ServiceAccount")
    assert pod["serviceAccountName"] == account["metadata"]["name"] == "payments"
    assert pod["automountServiceAccountToken"] is False
    assert account["automountServiceAccountToken"] is False


def test_environment_comes_from_the_external_secret() -> None:
    files = render_app(spec())
    container = one(files, "Deployment")["spec"]["template"]["spec"]["containers"][0]
    target = one(files, "ExternalSecret")["spec"]["target"]["name"]
    assert container["envFrom"] == [{"secretRef": {"name": target, "optional": True}}]


def test_listed_secret_keys_become_required_secret_refs() -> None:
    container = one(render_app(spec(secret_keys=("DB_URL",))), "Deployment")["spec"]["template"][
        "spec"]["containers"][0]
    assert {"name": "DB_URL", "valueFrom": {"secretKeyRef": {
        "name": "payments-secrets", "key": "DB_URL"}}} in container["env"]
    assert "envFrom" not in container


def test_spread_across_nodes_only_with_several_replicas() -> None:
    many = one(render_app(spec(replicas=3)), "Deployment")["spec"]["template"]["spec"]
    single = one(render_app(spec(replicas=1)), "Deployment")["spec"]["template"]["spec"]
    keys = {c["topologyKey"] for c in many["topologySpreadConstraints"]}
    assert "kubernetes.io/hostname" in keys
    assert "topologySpreadConstraints" not in single


def test_termination_grace_covers_the_app_shutdown_and_prestop() -> None:
    pod = one(render_app(spec(shutdown_seconds=10)), "Deployment")["spec"]["template"]["spec"]
    prestop = pod["containers"][0]["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > 10 + prestop


def test_service_exposes_http_and_metrics() -> None:
    svc = one(render_app(spec(port=8080, metrics_port=9464)), "Service")
    ports = {p["name"]: p for p in svc["spec"]["ports"]}
    assert ports["http"]["targetPort"] == "http"
    assert ports["metrics"]["port"] == 9464


def test_ingress_uses_the_shared_internet_facing_alb_with_tls() -> None:
    platform = PlatformSpec(domain="apps.acme.io", alb_group="shared-alb")
    ing = one(render_app(spec(platform=platform)), "Ingress")
    notes = ing["metadata"]["annotations"]
    assert ing["spec"]["ingressClassName"] == "alb"
    assert notes["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
    assert notes["alb.ingress.kubernetes.io/target-type"] == "ip"
    assert notes["alb.ingress.kubernetes.io/group.name"] == "shared-alb"
    assert json.loads(notes["alb.ingress.kubernetes.io/listen-ports"]) == [
        {"HTTP": 80}, {"HTTPS": 443}]
    assert notes["alb.ingress.kubernetes.io/ssl-redirect"] == "443"
    assert notes["alb.ingress.kubernetes.io/certificate-arn"] == platform.certificate_arn
    assert ing["spec"]["rules"][0]["host"] == "payments.apps.acme.io"


def test_pod_disruption_budget_selects_the_pods() -> None:
    files = render_app(spec())
    pdb = one(files, "PodDisruptionBudget")
    assert pdb["spec"]["selector"] == one(files, "Deployment")["spec"]["selector"]
    assert pdb["spec"]["maxUnavailable"] == 1


def test_role_is_read_only_and_bound_to_the_team() -> None:
    files = render_app(spec())
    role = one(files, "Role")
    resources = {r for rule in role["rules"] for r in rule["resources"]}
    assert resources == {"pods", "pods/log", "services", "configmaps", "deployments",
                         "replicasets"}
    assert all(rule["verbs"] == ["get", "list", "watch"] for rule in role["rules"])
    binding = one(files, "RoleBinding")
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert binding["subjects"] == [
        {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "team-pay"}]


def _policies(files: dict[PurePosixPath, str]) -> dict[str, dict[str, Any]]:
    return {p["metadata"]["name"]: p["spec"] for p in of_kind(files, "NetworkPolicy")}


def test_network_policies_default_deny_and_allow_rules() -> None:
    platform = PlatformSpec(vpc_cidr="10.20.0.0/16", service_cidr="172.20.0.0/16")
    policies = _policies(render_app(spec(platform=platform, port=3000, metrics_port=9464)))
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    alb = policies["allow-alb-ingress"]["ingress"][0]
    assert alb == {"from": [{"ipBlock": {"cidr": "10.20.0.0/16"}}],
                   "ports": [{"protocol": "TCP", "port": 3000}]}
    monitoring = policies["allow-monitoring-ingress"]["ingress"][0]
    assert monitoring["from"] == [
        {"namespaceSelector": {"matchLabels": {"idp-role": "monitoring"}}}]
    assert monitoring["ports"] == [{"protocol": "TCP", "port": 9464}]
    dns = policies["allow-dns-egress"]["egress"][0]
    assert dns["to"][0]["namespaceSelector"]["matchLabels"] == {
        "kubernetes.io/metadata.name": "kube-system"}
    assert {p["port"] for p in dns["ports"]} == {53}
    assert policies["allow-services-egress"]["egress"] == [
        {"to": [{"ipBlock": {"cidr": "172.20.0.0/16"}}]}]
    assert "allow-https-egress" not in policies


def test_https_and_service_egress_only_as_configured() -> None:
    platform = PlatformSpec(egress_https_cidrs=("52.94.0.0/16",))
    policies = _policies(render_app(spec(platform=platform, egress_to_services=False)))
    assert "allow-services-egress" not in policies
    rule = policies["allow-https-egress"]["egress"][0]
    assert rule == {"to": [{"ipBlock": {"cidr": "52.94.0.0/16"}}],
                    "ports": [{"protocol": "TCP", "port": 443}]}


def test_service_monitor_selects_the_metrics_port() -> None:
    files = render_app(spec())
    monitor = one(files, "ServiceMonitor")
    assert monitor["spec"]["endpoints"][0]["port"] == "metrics"
    assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"
    assert monitor["spec"]["selector"]["matchLabels"] == one(files, "Service")["spec"]["selector"]


def test_alert_rules_cover_red_restarts_and_target_down_with_spec_thresholds() -> None:
    thresholds = AlertThresholds(error_ratio=0.02, latency_p95_seconds=0.3, restarts_per_hour=4)
    rule = one(render_app(spec(alerts=thresholds)), "PrometheusRule")
    alerts = {r["alert"]: r for r in rule["spec"]["groups"][0]["rules"]}
    assert set(alerts) == {"AppHighErrorRatio", "AppHighLatencyP95", "AppFrequentRestarts",
                           "AppTargetDown"}
    assert alerts["AppHighErrorRatio"]["expr"].endswith("> 0.02")
    assert 'status_code=~"5.."' in alerts["AppHighErrorRatio"]["expr"]
    assert "http_request_duration_seconds_bucket" in alerts["AppHighLatencyP95"]["expr"]
    assert alerts["AppHighLatencyP95"]["expr"].endswith("> 0.3")
    assert alerts["AppFrequentRestarts"]["expr"].endswith("> 4")
    assert alerts["AppTargetDown"]["expr"].startswith("up{")


def test_external_secret_extracts_prefix_and_app_from_the_cluster_store() -> None:
    ext = one(render_app(spec(platform=PlatformSpec(secrets_prefix="acme/apps"))),
              "ExternalSecret")
    assert ext["spec"]["secretStoreRef"] == {"kind": "ClusterSecretStore",
                                             "name": "aws-secrets-manager"}
    assert ext["spec"]["dataFrom"] == [{"extract": {"key": "acme/apps/payments"}}]


def test_dashboard_is_a_sidecar_config_map_and_api_json_with_matching_uid_and_tag() -> None:
    files = render_app(spec())
    config_map = one(files, "ConfigMap")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    from_map = json.loads(config_map["data"]["payments.json"])
    from_file = json.loads(files[P("dashboards/payments.json")])
    assert from_map == from_file
    assert from_file["uid"] == dashboard_uid("payments")
    assert dashboard_tag("payments") in from_file["tags"]
    assert dashboard_selector("payments") == f"tags @> '{dashboard_tag('payments')}'"


def test_dashboard_has_red_and_saturation_panels() -> None:
    model = json.loads(render_app(spec())[P("dashboards/payments.json")])
    exprs = " ".join(t["expr"] for p in model["panels"] for t in p.get("targets", []))
    for metric in ("http_requests_total", "http_request_duration_seconds_bucket",
                   "container_cpu_usage_seconds_total", "container_memory_working_set_bytes"):
        assert metric in exprs
    ids = [p["id"] for p in model["panels"]]
    assert len(ids) == len(set(ids))


def test_dashboard_uid_fits_grafana_limit_for_the_longest_names() -> None:
    assert len(dashboard_uid("a" * 40)) <= 40
    assert dashboard_uid("a" * 40) != dashboard_uid("a" * 39 + "b")


def test_argocd_application_and_project() -> None:
    files = render_app(spec())
    app = one(files, "Application")
    project = one(files, "AppProject")
    assert app["spec"]["project"] == project["metadata"]["name"] == "payments"
    assert app["spec"]["source"]["repoURL"] == "https://gitlab.example.com/gitops/payments.git"
    assert app["spec"]["source"]["path"] == "base"
    assert app["spec"]["destination"]["namespace"] == "payments"
    policy = app["spec"]["syncPolicy"]
    assert policy["automated"] == {"prune": True, "selfHeal": True}
    assert "ServerSideApply=true" in policy["syncOptions"]
    assert policy["retry"]["backoff"]["factor"] == 2
    assert project["spec"]["sourceRepos"] == [app["spec"]["source"]["repoURL"]]
    assert project["spec"]["destinations"] == [
        {"server": "https://kubernetes.default.svc", "namespace": "payments"}]
    assert project["spec"]["clusterResourceWhitelist"] == [{"group": "", "kind": "Namespace"}]


def test_ecr_policy_names_only_the_app_repository() -> None:
    platform = PlatformSpec(aws_account_id="444455556666", aws_region="eu-west-1")
    policy = iam_policy(render_app(spec(platform=platform)))
    statements = {s["Sid"]: s for s in policy["Statement"]}
    assert statements["GetAuthorizationToken"]["Resource"] == "*"
    assert statements["PushPullOwnRepository"]["Resource"] == [
        "arn:aws:ecr:eu-west-1:444455556666:repository/apps/payments"]
    assert "ecr:PutImage" in statements["PushPullOwnRepository"]["Action"]


def test_kustomization_lists_every_base_file() -> None:
    files = render_app(spec())
    listed = yaml.safe_load(files[P("base/kustomization.yaml")])["resources"]
    on_disk = sorted(p.name for p in files if p.parent == P("base") and
                     p.name != "kustomization.yaml")
    assert listed == on_disk


def test_spec_file_stores_the_app_spec_without_platform() -> None:
    stored = yaml.safe_load(render_app(spec())[P("goldpath-app.yaml")])
    assert stored["name"] == "payments" and "platform" not in stored


@pytest.mark.parametrize("description", ["a: b", "- item", "'quoted'", "multi\nline", "#hash"])
def test_awkward_descriptions_survive(description: str) -> None:
    ns = one(render_app(spec(description=description)), "Namespace")
    assert ns["metadata"]["annotations"]["goldpath.io/description"] == description


@pytest.mark.parametrize("name", ["y", "n"])
def test_an_app_named_what_go_reads_as_a_boolean_builds_with_kustomize(name: str) -> None:
    # PyYAML writes the text y plainly and reads it back as text; kustomize (Go) read it
    # as true and refused every overlay. Found by a property test of gitops:publish.
    files = render_app(spec(name=name, environments=("dev", "prod")))
    assert f"name: '{name}'" in files[PurePosixPath("overlays/dev/kustomization.yaml")]
    report = validate_tree(files)
    assert report.ok, [str(f) for f in report.failures]
    assert "kubectl kustomize" in report.checked
