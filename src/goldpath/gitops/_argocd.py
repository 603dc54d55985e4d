"""Argo CD: one AppProject and one Application per deployed namespace of the app."""

from __future__ import annotations

from typing import Any

from goldpath.gitops._names import app_labels, namespace_name
from goldpath.gitops._spec import AppSpec
from goldpath.gitops._yaml import Manifest

__all__ = ["NAMESPACED_KINDS", "application", "app_project", "argocd_name"]


# The namespaced kinds an app's project may deploy: exactly what the renderer emits.
NAMESPACED_KINDS: tuple[tuple[str, str], ...] = (
    ("", "ConfigMap"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("apps", "Deployment"),
    ("external-secrets.io", "ExternalSecret"),
    ("monitoring.coreos.com", "PrometheusRule"),
    ("monitoring.coreos.com", "ServiceMonitor"),
    ("networking.k8s.io", "Ingress"),
    ("networking.k8s.io", "NetworkPolicy"),
    ("policy", "PodDisruptionBudget"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
)


def argocd_name(spec: AppSpec, environment: str | None) -> str:
    """Name of the Application and AppProject (the same as the target namespace)."""
    return namespace_name(spec.name, environment)


def _meta(spec: AppSpec, name: str) -> dict[str, Any]:
    return {"name": name, "namespace": spec.platform.argocd_namespace, "labels": app_labels(spec)}


def app_project(spec: AppSpec, environment: str | None = None) -> Manifest:
    """AppProject: exactly the app's repo as source and its namespace as destination."""
    name = argocd_name(spec, environment)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": _meta(spec, name),
        "spec": {
            "description": f"{spec.name} ({environment or 'default'}), owned by {spec.team}",
            "sourceRepos": [spec.gitops_repo_url],
            "destinations": [
                {
                    "server": spec.platform.cluster_server,
                    "namespace": namespace_name(spec.name, environment),
                }
            ],
            "clusterResourceWhitelist": [{"group": "", "kind": "Namespace"}],
            "namespaceResourceWhitelist": [
                {"group": group, "kind": kind} for group, kind in NAMESPACED_KINDS
            ],
        },
    }


def application(spec: AppSpec, environment: str | None = None) -> Manifest:
    """Application syncing the app's base or overlay automatically (prune, selfHeal)."""
    name = argocd_name(spec, environment)
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            **_meta(spec, name),
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": name,
            "source": {
                "repoURL": spec.gitops_repo_url,
                "targetRevision": "HEAD",
                "path": "base" if environment is None else f"overlays/{environment}",
            },
            "destination": {
                "server": spec.platform.cluster_server,
                "namespace": namespace_name(spec.name, environment),
            },
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["ServerSideApply=true", "PruneLast=true"],
                "retry": {
                    "limit": 5,
                    "backoff": {"duration": "10s", "factor": 2, "maxDuration": "5m"},
                },
            },
        },
    }
