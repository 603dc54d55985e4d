"""Pure renderers: an `AppSpec` to the app's GitOps repo, a `PlatformSpec` to the platform's."""

from __future__ import annotations

from pathlib import PurePosixPath

from goldpath.gitops._argocd import app_project, application
from goldpath.gitops._dashboard import dashboard_config_map, dashboard_json
from goldpath.gitops._environments import KUSTOMIZATION_API, kustomization, render_overlay
from goldpath.gitops._iam import ecr_policy
from goldpath.gitops._monitoring import prometheus_rule, service_monitor
from goldpath.gitops._network import network_policies
from goldpath.gitops._platform import (
    cluster_role_bindings,
    cluster_roles,
    platform_namespaces,
    platform_network_policies,
    platform_secret_store,
)
from goldpath.gitops._secrets import external_secret
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
from goldpath.gitops._yaml import Manifest, dump_json, dump_yaml, dump_yaml_all

__all__ = [
    "APP_SPEC_FILE",
    "KUSTOMIZATION_API",
    "app_manifests",
    "render_app",
    "render_platform",
]

APP_SPEC_FILE = PurePosixPath("goldpath-app.yaml")

Files = dict[PurePosixPath, str]


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
        "networkpolicies.yaml": network_policies(spec),
        "externalsecret.yaml": [external_secret(spec)],
        "servicemonitor.yaml": [service_monitor(spec)],
    }
    if not spec.environments:
        # Per-namespace objects that must exist once per environment, and the disruption
        # budget only prod has, live in overlays (goldpath.gitops._environments).
        files["poddisruptionbudget.yaml"] = [pod_disruption_budget(spec)]
        files["prometheusrule.yaml"] = [prometheus_rule(spec)]
        files["dashboard-configmap.yaml"] = [dashboard_config_map(spec, dashboard)]
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
            kustomization(
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
        kustomization(sorted(manifests), images=_images(spec))
    )
    for index, environment in enumerate(spec.environments):
        last = index == len(spec.environments) - 1
        files.update(
            render_overlay(
                spec, environment, images=_images(spec), dashboard=dashboard if last else None
            )
        )
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
        kustomization(sorted(path.name for path in files))
    )
    return dict(sorted(files.items()))
