"""The observability module matches what every app's manifests expect of the cluster."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from goldpath.gitops import PlatformSpec, render_app, render_platform_repo
from goldpath.platform import load_hcl
from tests.gitops.helpers import of_kind, spec

MODULE = Path(__file__).resolve().parents[2] / "infra/terraform/modules/observability"


def _resources() -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for block in load_hcl(MODULE / "main.tf")["resource"]:
        for kind, instances in block.items():
            for name, body in instances.items():
                found[(kind, name)] = body
    return found


def _compact(value: object) -> str:
    return re.sub(r"\s+", " ", str(value))


def test_monitoring_namespace_carries_the_label_app_policies_allow_scraping_from() -> None:
    policies = of_kind(render_app(spec()), "NetworkPolicy")
    scrape = next(p for p in policies if p["metadata"]["name"] == "allow-monitoring-ingress")
    [peer] = scrape["spec"]["ingress"][0]["from"]
    ((key, value),) = peer["namespaceSelector"]["matchLabels"].items()
    body = _compact(_resources()[("kubectl_manifest", "namespace")]["yaml_body"])
    assert f'"{key}" = "{value}"' in body
    # The platform repo declares the same namespace with the same label.
    namespaces = of_kind(render_platform_repo(PlatformSpec(), repo_url="https://g.example.com/"
                                                                      "gitops/platform.git"),
                         "Namespace")
    monitoring = next(n for n in namespaces if n["metadata"]["name"] == "monitoring")
    assert monitoring["metadata"]["labels"][key] == value


def test_kube_prometheus_stack_installs_its_crds_and_selects_every_namespace() -> None:
    release = _resources()[("helm_release", "kube_prometheus_stack")]
    assert release["chart"] == "kube-prometheus-stack"
    assert str(release["skip_crds"]).lower() == "false"
    values = _compact(release["values"])
    assert "crds = {enabled = true}" in values
    for selector in ("serviceMonitorSelectorNilUsesHelmValues",
                     "ruleSelectorNilUsesHelmValues"):
        assert f"{selector} = false" in values
    assert "serviceMonitorNamespaceSelector = {}" in values
    assert "ruleNamespaceSelector = {}" in values


def test_grafana_sidecar_loads_the_label_app_dashboards_carry() -> None:
    [dashboard] = of_kind(render_app(spec()), "ConfigMap")
    assert dashboard["metadata"]["labels"]["grafana_dashboard"] == "1"
    values = _compact(_resources()[("helm_release", "kube_prometheus_stack")]["values"])
    assert 'label = "grafana_dashboard", labelValue = "1", searchNamespace = "ALL"' in values
    assert 'label = "grafana_datasource", labelValue = "1", searchNamespace = "ALL"' in values


def test_loki_and_promtail_are_installed_and_wired() -> None:
    resources = _resources()
    assert resources[("helm_release", "loki")]["chart"] == "loki"
    promtail = resources[("helm_release", "promtail")]
    assert promtail["chart"] == "promtail"
    assert "local.loki_push_local" in _compact(promtail["values"])
    # The platform repo's Loki data source points at the same gateway Promtail pushes to.
    [datasource] = [c for c in of_kind(render_platform_repo(
        PlatformSpec(), repo_url="https://g.example.com/gitops/platform.git"), "ConfigMap")]
    assert "http://loki-gateway.monitoring.svc.cluster.local" in datasource["data"]["loki.yaml"]
    outputs = load_hcl(MODULE / "outputs.tf")["output"]
    push = next(o["loki_push_url"] for o in outputs if "loki_push_url" in o)
    assert push["value"] == "${local.loki_push_local}"
    locals_ = {k: v for block in load_hcl(MODULE / "main.tf")["locals"] for k, v in block.items()}
    assert locals_["loki_push_local"].startswith("http://loki-gateway.${var.namespace}.svc")


def test_grafana_cloud_credentials_use_the_platform_secret_store() -> None:
    from goldpath.gitops._platform_repo import PLATFORM_SECRET_STORE

    root = load_hcl(MODULE.parents[1] / "envs/poc/main.tf")
    call = next(m["observability"] for m in root["module"] if "observability" in m)
    assert call["cluster_secret_store"] == PLATFORM_SECRET_STORE
    stores = of_kind(render_platform_repo(PlatformSpec(), repo_url="https://g.example.com/"
                                                                   "gitops/platform.git"),
                     "ClusterSecretStore")
    store = next(s for s in stores if s["metadata"]["name"] == PLATFORM_SECRET_STORE)
    assert "monitoring" in store["spec"]["conditions"][0]["namespaces"]
