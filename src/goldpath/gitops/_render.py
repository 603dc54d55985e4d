"""Pure renderers: an `AppSpec` to the app's GitOps repo, a `PlatformSpec` to the platform's."""

from __future__ import annotations

import json
from pathlib import PurePosixPath
from typing import Any

from goldpath.gitops._argocd import app_project, application
from goldpath.gitops._dashboard import dashboard_config_map, dashboard_json
from goldpath.gitops._iam import ecr_policy
from goldpath.gitops._monitoring import prometheus_rule, service_monitor
from goldpath.gitops._names import hostname, namespace_name
from goldpath.gitops._network import network_policies
from goldpath.gitops._platform import (
    cluster_role_bindings,
    cluster_roles,
    platform_namespaces,
    platform_network_policies,
    platform_secret_store,
)
from goldpath.gitops._secrets import external_secret, secret_key
from goldpath.gitops._spec import AppSpec, PlatformSpec
from goldpath.gitops._workload import (
    container_image,
    deployment,
    ingress,
    namespace,
    pod_disruption_budget,
    role,
    role_binding,
    service,
    service_account,
)
from goldpath.gitops._yaml import dump_json, dump_yaml, dump_yaml_all

__all__ = [
    "APP_SPEC_FILE",
    "KUSTOMIZATION_API",
    "app_manifests",
    "render_app",
    "render_platform",
]

APP_SPEC_FILE = PurePosixPath("goldpath-app.yaml")
KUSTOMIZATION_API = "kustomize.config.k8s.io/v1beta1"
_DEV_REPLICAS = 1

Files = dict[PurePosixPath, str]
Manifest = dict[str, Any]


def _kustomization(
    resources: list[str], *, namespace: str | None = None, **extra: Any
) -> Manifest:
    doc: Manifest = {
        "apiVersion": KUSTOMIZATION_API,
        "kind": "Kustomization",
        "resources": resources,
    }
    if namespace is not None:
        doc["namespace"] = namespace
    doc.update(extra)
    return doc


def _images(spec: AppSpec) -> list[dict[str, str]]:
    return [{"name": container_image(spec), "newTag": spec.image_tag}]


def app_manifests(spec: AppSpec, dashboard: str | None = None) -> dict[str, list[Manifest]]:
    """The base manifests of the app, grouped by file name (without ``base/``)."""
    files: dict[str, list[Manifest]] = {
        "namespace.yaml": [namespace(spec)],
        "serviceaccount.yaml": [service_account(spec)],
        "rbac.yaml": [role(spec), role_binding(spec)],
        "deployment.yaml": [deployment(spec)],
        "service.yaml": [service(spec)],
        "ingress.yaml": [ingress(spec)],
        "poddisruptionbudget.yaml": [pod_disruption_budget(spec)],
        "networkpolicies.yaml": network_policies(spec),
        "externalsecret.yaml": [external_secret(spec)],
        "servicemonitor.yaml": [service_monitor(spec)],
    }
    if not spec.environments:
        # Per-namespace objects that must exist once per environment live in overlays.
        files["prometheusrule.yaml"] = [prometheus_rule(spec)]
        files["dashboard-configmap.yaml"] = [dashboard_config_map(spec, dashboard)]
    return files


def _json_patch(operations: list[dict[str, Any]]) -> str:
    # kustomize takes a patch as a string; JSON is YAML, and json.dumps does the quoting.
    return json.dumps(operations, sort_keys=True)


def _overlay(spec: AppSpec, environment: str, *, dashboard: str | None) -> Files:
    root = PurePosixPath("overlays", environment)
    files: Files = {root / "prometheusrule.yaml": dump_yaml(prometheus_rule(spec, environment))}
    resources = ["../../base", "prometheusrule.yaml"]
    if dashboard is not None:
        files[root / "dashboard-configmap.yaml"] = dump_yaml(dashboard_config_map(spec, dashboard))
        resources.append("dashboard-configmap.yaml")
    patches = [
        {
            "target": {"kind": "Ingress", "name": spec.name},
            "patch": _json_patch(
                [
                    {
                        "op": "replace",
                        "path": "/spec/rules/0/host",
                        "value": hostname(spec.name, spec.platform.domain, environment),
                    }
                ]
            ),
        },
        {
            "target": {"kind": "ExternalSecret", "name": f"{spec.name}-secrets"},
            "patch": _json_patch(
                [
                    {
                        "op": "replace",
                        "path": "/spec/dataFrom/0/extract/key",
                        "value": secret_key(spec, environment),
                    }
                ]
            ),
        },
    ]
    replicas = _DEV_REPLICAS if environment == "dev" else spec.replicas
    files[root / "kustomization.yaml"] = dump_yaml(
        _kustomization(
            sorted(resources),
            namespace=namespace_name(spec.name, environment),
            labels=[
                {"pairs": {"goldpath.io/environment": environment}, "includeSelectors": False}
            ],
            images=_images(spec),
            replicas=[{"name": spec.name, "count": replicas}],
            patches=patches,
        )
    )
    return files


def _argocd(spec: AppSpec) -> Files:
    root = PurePosixPath("argocd")
    environments: list[str | None] = list(spec.environments) or [None]
    projects = [app_project(spec, env) for env in environments]
    applications = [application(spec, env) for env in environments]
    return {
        root / "appproject.yaml": dump_yaml_all(projects),
        root / "application.yaml": dump_yaml_all(applications),
        root / "kustomization.yaml": dump_yaml(
            _kustomization(
                ["application.yaml", "appproject.yaml"], namespace=spec.platform.argocd_namespace
            )
        ),
    }


def render_app(spec: AppSpec) -> Files:
    """Every file of the app's GitOps repo: base, overlays, Argo CD, dashboard, IAM, spec."""
    files: Files = {}
    base = PurePosixPath("base")
    dashboard = dashboard_json(spec)
    manifests = app_manifests(spec, dashboard)
    for name, docs in manifests.items():
        files[base / name] = dump_yaml(docs[0]) if len(docs) == 1 else dump_yaml_all(docs)
    files[base / "kustomization.yaml"] = dump_yaml(
        _kustomization(sorted(manifests), images=_images(spec))
    )
    for index, environment in enumerate(spec.environments):
        last = index == len(spec.environments) - 1
        files.update(_overlay(spec, environment, dashboard=dashboard if last else None))
    files.update(_argocd(spec))
    files[PurePosixPath("dashboards", f"{spec.name}.json")] = dashboard
    files[PurePosixPath("iam", "ecr-policy.json")] = dump_json(ecr_policy(spec))
    files[APP_SPEC_FILE] = dump_yaml(spec.model_dump(mode="json", exclude={"platform"}))
    return dict(sorted(files.items()))


def render_platform(platform: PlatformSpec) -> Files:
    """The platform-wide manifests, rendered once for the whole cluster."""
    root = PurePosixPath("platform")
    files: Files = {
        root / "cluster-roles.yaml": dump_yaml_all(cluster_roles()),
        root / "cluster-role-bindings.yaml": dump_yaml_all(cluster_role_bindings(platform)),
        root / "namespaces.yaml": dump_yaml_all(platform_namespaces(platform)),
        root / "network-policies.yaml": dump_yaml_all(platform_network_policies(platform)),
        # Cluster-scoped custom kind: this kustomization must never set a namespace.
        root / "cluster-secret-store.yaml": dump_yaml(platform_secret_store(platform)),
    }
    files[root / "kustomization.yaml"] = dump_yaml(
        _kustomization(sorted(path.name for path in files))
    )
    return dict(sorted(files.items()))
