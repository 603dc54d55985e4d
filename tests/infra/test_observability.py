"""The observability module matches what every app's manifests expect of the cluster."""

from __future__ import annotations

import fnmatch
import re
from pathlib import Path
from typing import Any

from goldpath.gitops import PlatformSpec, render_app, render_platform_repo
from goldpath.platform import load_hcl
from tests.gitops.helpers import of_kind, spec
from tests.support.terraform import evaluate_locals

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


def test_loki_and_alloy_are_installed_and_wired() -> None:
    resources = _resources()
    assert resources[("helm_release", "loki")]["chart"] == "loki"
    assert ("helm_release", "promtail") not in resources  # end of life since March 2026
    alloy = resources[("helm_release", "alloy")]
    assert alloy["chart"] == "alloy"
    values = _compact(alloy["values"])
    assert "content = local.alloy_config" in values
    assert 'type = "daemonset"' in values
    assert "varlog = true" in values  # the kubelet's pod logs, read-only
    assert 'fieldPath = "spec.nodeName"' in values  # NODE_NAME: this node's pods only
    assert "enableReporting = false" in values
    # Read positions on the node outlive the pod, so a restart sends nothing twice.
    assert "mountPath = local.alloy_storage" in values
    assert "storagePath = local.alloy_storage" in values
    assert 'type = "DirectoryOrCreate"' in values
    # The platform repo's Loki data source points at the same gateway Alloy pushes to.
    [datasource] = [c for c in of_kind(render_platform_repo(
        PlatformSpec(), repo_url="https://g.example.com/gitops/platform.git"), "ConfigMap")]
    assert "http://loki-gateway.monitoring.svc.cluster.local" in datasource["data"]["loki.yaml"]
    outputs = load_hcl(MODULE / "outputs.tf")["output"]
    push = next(o["loki_push_url"] for o in outputs if "loki_push_url" in o)
    assert push["value"] == "${local.loki_push_local}"
    shipper = next(o["log_shipper"] for o in outputs if "log_shipper" in o)
    assert shipper["value"] == "alloy"
    locals_ = {k: v for block in load_hcl(MODULE / "main.tf")["locals"] for k, v in block.items()}
    assert locals_["loki_push_local"].startswith("http://loki-gateway.${var.namespace}.svc")


def test_loki_keeps_its_logs_on_an_encrypted_volume_the_release_does_not_delete() -> None:
    values = _compact(_resources()[("helm_release", "loki")]["values"])
    assert "enabled = true, storageClass = var.loki_storage_class" in values
    assert 'size = "${var.loki_volume_size_gb}Gi"' in values
    assert "enableStatefulSetAutoDeletePVC = false" in values
    # The class is the ebs-csi module's: a gp3, encrypted, default class of the driver.
    ebs = MODULE.parent / "ebs-csi"
    [storage_class] = [
        body for block in load_hcl(ebs / "main.tf")["resource"]
        for name, body in block.get("kubectl_manifest", {}).items() if name == "storage_class"
    ]
    body = _compact(storage_class["yaml_body"])
    for expected in ('provisioner = "ebs.csi.aws.com"', 'type = "gp3"', 'encrypted = "true"',
                     'volumeBindingMode = "WaitForFirstConsumer"',
                     '"storageclass.kubernetes.io/is-default-class" = "true"'):
        assert expected in body
    root = load_hcl(MODULE.parents[1] / "envs/poc/main.tf")
    call = next(m["observability"] for m in root["module"] if "observability" in m)
    assert call["loki_storage_class"] == "${module.ebs_csi.storage_class_name}"


_COMPONENT = re.compile(r'^([a-z_]+(?:\.[a-z_]+)+) "([a-z_]+)" \{$', re.M)
_REFERENCE = re.compile(r"\b([a-z_]+(?:\.[a-z_]+)*)\.([a-z_]+)\.(receiver|targets|output)\b")
_CLUSTER = "goldpath-poc"


def _alloy_config(tmp_path: Path, *, loki_push_url: str) -> str:
    variables = {"namespace": "monitoring", "cluster_name": _CLUSTER,
                 "prometheus_remote_write_url": "", "loki_push_url": loki_push_url}
    config = evaluate_locals(MODULE / "main.tf", variables, tmp_path)["alloy_config"]
    assert isinstance(config, str)
    return config


def _pipeline(config: str) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """The components the config declares and the ones it reads from, as (kind, label)."""
    assert config.count("{") == config.count("}"), config
    declared = set(_COMPONENT.findall(config))
    used = {(kind, label) for kind, label, _ in _REFERENCE.findall(config)}
    return declared, used


def test_alloy_pipeline_as_terraform_renders_it_ships_every_pod_log_to_the_cluster_loki(
    tmp_path: Path,
) -> None:
    config = _alloy_config(tmp_path, loki_push_url="")
    declared, used = _pipeline(config)
    assert used <= declared, f"read but not declared: {used - declared}"
    # one chain: every component but the file source (the chain's head) is read by the
    # next one, down to the writer
    assert declared - used == {("loki.source.file", "pods")}
    assert ("loki.write", "cluster") in used
    assert ("loki.write", "grafana_cloud") not in declared
    assert 'url = "http://loki-gateway.monitoring.svc.cluster.local/loki/api/v1/push"' in config
    assert f'external_labels = {{ cluster = "{_CLUSTER}" }}' in config
    assert 'field = "spec.nodeName=" + sys.env("NODE_NAME")' in config
    assert "stage.cri {}" in config
    assert "LOKI_PASSWORD" not in config


def test_alloy_pipeline_forwards_to_grafana_cloud_with_credentials_from_the_environment(
    tmp_path: Path,
) -> None:
    url = "https://logs-prod-006.grafana.net/loki/api/v1/push"
    config = _alloy_config(tmp_path, loki_push_url=url)
    declared, used = _pipeline(config)
    assert used <= declared
    assert declared - used == {("loki.source.file", "pods")}
    assert {("loki.write", "cluster"), ("loki.write", "grafana_cloud")} <= used
    assert ("forward_to = [loki.write.cluster.receiver, loki.write.grafana_cloud.receiver]"
            in config)
    assert f'url = "{url}"' in config
    # the credentials are read from the pod's environment (an ExternalSecret's Secret)
    assert 'password = sys.env("LOKI_PASSWORD")' in config
    values = _compact(_resources()[("helm_release", "alloy")]["values"])
    assert 'name = local.credentials_secret, key = "LOKI_PASSWORD"' in values


def test_alloy_reads_the_log_file_the_kubelet_writes_for_each_container(tmp_path: Path) -> None:
    """The ``__path__`` rule, applied as Prometheus relabelling applies it, names a glob
    that matches the kubelet's ``/var/log/pods/<ns>_<pod>_<uid>/<container>/<n>.log``
    for that container and no other container's file."""
    config = _alloy_config(tmp_path, loki_push_url="")
    rule = re.search(r'rule \{\s*source_labels = \[([^\]]*)\]\s*separator\s*= "([^"]*)"\s*'
                     r'replacement\s*= "([^"]*)"\s*target_label\s*= "__path__"', config)
    assert rule, config
    sources = re.findall(r'"([^"]+)"', rule.group(1))
    assert sources == ["__meta_kubernetes_pod_uid", "__meta_kubernetes_pod_container_name"]
    uid = "0c6a8b55-42a4-4f0e-9a5b-1d2b3c4d5e6f"
    glob = rule.group(3).replace("$1", rule.group(2).join([uid, "app"]))
    assert fnmatch.fnmatchcase(f"/var/log/pods/orders-dev_orders-7d9f_{uid}/app/0.log", glob)
    assert not fnmatch.fnmatchcase(
        f"/var/log/pods/orders-dev_orders-7d9f_{uid}/istio-proxy/0.log", glob)
    assert not fnmatch.fnmatchcase(
        "/var/log/pods/orders-dev_orders-8e0a_11111111-2222-3333-4444-555555555555/app/0.log",
        glob)


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
