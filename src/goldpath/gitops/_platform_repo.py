"""The platform GitOps repository: an app-of-apps that picks every app up declaratively.

Layout (all rendered, all validated like an app's repo)::

    bootstrap/   applied once by hand (``kubectl apply -k bootstrap``), then Argo CD keeps
                 it in sync itself: the ``platform`` AppProject, the Applications
                 ``bootstrap``, ``platform``, ``monitoring`` and ``apps``, the repository
                 credentials of the GitOps group (an ExternalSecret making a ``repo-creds``
                 Secret) and the ClusterSecretStore of the platform's own secrets, which
                 only the argocd and monitoring namespaces may use
    platform/    cluster-wide RBAC, platform namespaces and their NetworkPolicies, the
                 apps' ClusterSecretStore (`render_platform`)
    monitoring/  the monitoring stack's wiring: platform alert rules, the Loki data source
    apps/<app>/  each app's AppProject and Application(s): committing them is all it takes,
                 the ``apps`` Application syncs the folder recursively

Pure functions: typed specs in, files out.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath
from typing import Any

from goldpath.gitops._argocd import app_project, application
from goldpath.gitops._platform import PLATFORM_LABELS
from goldpath.gitops._render import render_platform
from goldpath.gitops._secrets import EXTERNAL_SECRETS_NAMESPACE
from goldpath.gitops._spec import AppSpec, PlatformSpec
from goldpath.gitops._yaml import Manifest, dump_yaml, dump_yaml_all

__all__ = [
    "APPS_ROOT",
    "PLATFORM_PROJECT",
    "PLATFORM_REPO",
    "PLATFORM_SECRET_STORE",
    "REPO_CREDS_LABEL",
    "REPO_CREDS_SECRET",
    "app_entry_dir",
    "group_url",
    "platform_app_files",
    "platform_applications",
    "platform_project",
    "render_platform_repo",
    "repo_creds_external_secret",
]

Files = dict[PurePosixPath, str]

PLATFORM_REPO = "platform"
"""The platform repo's name in the GitOps group (an app may not take this name)."""
PLATFORM_PROJECT = "platform"
PLATFORM_SECRET_STORE = "aws-secrets-manager-platform"
REPO_CREDS_SECRET = "gitops-repo-creds"
REPO_CREDS_LABEL = {"argocd.argoproj.io/secret-type": "repo-creds"}
APPS_ROOT = PurePosixPath("apps")
_KUSTOMIZATION_API = "kustomize.config.k8s.io/v1beta1"
_SOURCES = ("bootstrap", "platform", "monitoring", "apps")

# What the platform project may create: the cluster-wide objects of platform/ and
# bootstrap/, and the namespaced ones of every folder (apps' AppProjects/Applications).
_CLUSTER_KINDS: tuple[tuple[str, str], ...] = (
    ("", "Namespace"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
)
_NAMESPACED_KINDS: tuple[tuple[str, str], ...] = (
    ("", "ConfigMap"),
    ("argoproj.io", "AppProject"),
    ("argoproj.io", "Application"),
    ("external-secrets.io", "ExternalSecret"),
    ("monitoring.coreos.com", "PrometheusRule"),
    ("networking.k8s.io", "NetworkPolicy"),
)


def _meta(name: str, namespace: str | None = None, **labels: str) -> dict[str, Any]:
    merged = {**PLATFORM_LABELS, **labels}
    meta: dict[str, Any] = {"name": name, "labels": dict(sorted(merged.items()))}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def _kustomization(resources: Iterable[str]) -> str:
    # Never a namespace: bootstrap/ holds a cluster-scoped ClusterSecretStore (SD006).
    return dump_yaml({"apiVersion": _KUSTOMIZATION_API, "kind": "Kustomization",
                      "resources": sorted(resources)})


def group_url(repo_url: str) -> str:
    """The URL prefix of every repository in the platform repo's group (ends with ``/``)."""
    return repo_url.rsplit("/", 1)[0] + "/"


def platform_project(platform: PlatformSpec, *, repo_url: str) -> Manifest:
    """The ``platform`` AppProject: the platform repo only, into the platform namespaces."""
    namespaces = sorted(
        {platform.argocd_namespace, *(n.name for n in platform.platform_namespaces)}
    )
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AppProject",
        "metadata": _meta(PLATFORM_PROJECT, platform.argocd_namespace),
        "spec": {
            "description": "goldpath platform: RBAC, namespaces, policies, monitoring, apps",
            "sourceRepos": [repo_url],
            "destinations": [
                {"server": platform.cluster_server, "namespace": ns} for ns in namespaces
            ],
            "clusterResourceWhitelist": [{"group": g, "kind": k} for g, k in _CLUSTER_KINDS],
            "namespaceResourceWhitelist": [
                {"group": g, "kind": k} for g, k in _NAMESPACED_KINDS
            ],
        },
    }


def _application(platform: PlatformSpec, name: str, *, repo_url: str) -> Manifest:
    source: dict[str, Any] = {"repoURL": repo_url, "targetRevision": "HEAD", "path": name}
    if name == "apps":
        # Plain YAML in apps/<app>/: adding a folder is all a new app needs.
        source["directory"] = {"recurse": True, "include": "*.yaml"}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Application",
        "metadata": {
            **_meta(name, platform.argocd_namespace),
            "finalizers": ["resources-finalizer.argocd.argoproj.io"],
        },
        "spec": {
            "project": PLATFORM_PROJECT,
            "source": source,
            "destination": {
                "server": platform.cluster_server,
                "namespace": platform.argocd_namespace,
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


def platform_applications(platform: PlatformSpec, *, repo_url: str) -> list[Manifest]:
    """The root Applications: bootstrap (itself), platform, monitoring and apps."""
    return [_application(platform, name, repo_url=repo_url) for name in _SOURCES]


def platform_secret_store(platform: PlatformSpec) -> Manifest:
    """A ClusterSecretStore for the platform's own secrets, usable from argocd (repository
    credentials) and the monitoring namespace (Grafana Cloud credentials) only."""
    namespaces = sorted({platform.argocd_namespace, _monitoring_namespace(platform)})
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ClusterSecretStore",
        "metadata": _meta(PLATFORM_SECRET_STORE),
        "spec": {
            "conditions": [{"namespaces": namespaces}],
            "provider": {
                "aws": {
                    "service": "SecretsManager",
                    "region": platform.aws_region,
                    "auth": {
                        "jwt": {
                            "serviceAccountRef": {
                                "name": "external-secrets",
                                "namespace": EXTERNAL_SECRETS_NAMESPACE,
                            }
                        }
                    },
                }
            },
        },
    }


def repo_creds_external_secret(platform: PlatformSpec, *, repo_url: str) -> Manifest:
    """Argo CD's credentials for every repository of the GitOps group, from Secrets Manager.

    The resulting Secret is labelled ``argocd.argoproj.io/secret-type: repo-creds`` with
    the group's URL as prefix, so Argo CD uses it for each app's GitOps repository.
    The values never enter git: the template names keys of the platform secret
    ``<platform_secrets_prefix>/argocd-repo-creds`` (``username``, ``password``).
    """
    key = f"{platform.platform_secrets_prefix}/argocd-repo-creds"
    return {
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": _meta(REPO_CREDS_SECRET, platform.argocd_namespace, **REPO_CREDS_LABEL),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": PLATFORM_SECRET_STORE},
            "target": {
                "name": REPO_CREDS_SECRET,
                "creationPolicy": "Owner",
                "template": {
                    "engineVersion": "v2",
                    "metadata": {"labels": {**PLATFORM_LABELS, **REPO_CREDS_LABEL}},
                    "data": {
                        "type": "git",
                        "url": group_url(repo_url),
                        "username": "{{ .username }}",
                        "password": "{{ .password }}",
                    },
                },
            },
            "data": [
                {"secretKey": field, "remoteRef": {"key": key, "property": field}}
                for field in ("username", "password")
            ],
        },
    }


def _platform_rules(platform: PlatformSpec) -> Manifest:
    ns = platform.argocd_namespace
    rules = [
        {
            "alert": "ArgoCDAppOutOfSync",
            "expr": (
                f'max by (name) (argocd_app_info{{namespace="{ns}",'
                'sync_status!="Synced"}) > 0'
            ),
            "for": "15m",
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": "Argo CD application {{ $labels.name }} is out of sync",
                "description": "{{ $labels.name }} has not been in sync for 15 minutes.",
            },
        },
        {
            "alert": "ArgoCDAppUnhealthy",
            "expr": (
                f'max by (name) (argocd_app_info{{namespace="{ns}",'
                'health_status!~"Healthy|Progressing"}) > 0'
            ),
            "for": "15m",
            "labels": {"severity": "critical"},
            "annotations": {
                "summary": "Argo CD application {{ $labels.name }} is unhealthy",
                "description": "{{ $labels.name }} has been unhealthy for 15 minutes.",
            },
        },
        {
            "alert": "ExternalSecretNotReady",
            "expr": (
                'max by (namespace, name) (externalsecret_status_condition'
                '{condition="Ready",status="False"}) > 0'
            ),
            "for": "10m",
            "labels": {"severity": "warning"},
            "annotations": {
                "summary": "ExternalSecret {{ $labels.namespace }}/{{ $labels.name }} fails",
                "description": "The secret has not synced from Secrets Manager for 10 minutes.",
            },
        },
    ]
    monitoring = _monitoring_namespace(platform)
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": _meta("goldpath-platform", monitoring),
        "spec": {"groups": [{"name": "goldpath-platform", "rules": rules}]},
    }


def _monitoring_namespace(platform: PlatformSpec) -> str:
    for ns in platform.platform_namespaces:
        if ns.role == "monitoring":
            return ns.name
    return "monitoring"


def _loki_datasource(platform: PlatformSpec) -> Manifest:
    monitoring = _monitoring_namespace(platform)
    datasources = {
        "apiVersion": 1,
        "datasources": [
            {
                "name": "Loki",
                "type": "loki",
                "uid": "loki",
                "access": "proxy",
                "url": f"http://loki-gateway.{monitoring}.svc.cluster.local",
            }
        ],
    }
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        # Grafana's datasource sidecar (kube-prometheus-stack) loads ConfigMaps so labelled.
        "metadata": _meta("goldpath-loki-datasource", monitoring, grafana_datasource="1"),
        "data": {"loki.yaml": dump_yaml(datasources)},
    }


def app_entry_dir(app: str) -> PurePosixPath:
    """Where an app's Argo CD objects live in the platform repo: ``apps/<app>``."""
    return APPS_ROOT / app


def platform_app_files(spec: AppSpec) -> Files:
    """The app's AppProject(s) and Application(s), as committed under ``apps/<app>/``."""
    environments: list[str | None] = list(spec.environments) or [None]
    root = app_entry_dir(spec.name)
    return {
        root / "appproject.yaml": dump_yaml_all([app_project(spec, e) for e in environments]),
        root / "application.yaml": dump_yaml_all([application(spec, e) for e in environments]),
    }


def render_platform_repo(
    platform: PlatformSpec, *, repo_url: str, apps: Iterable[AppSpec] = ()
) -> Files:
    """Every file of the platform GitOps repo (see the module docstring for the layout)."""
    files: Files = dict(render_platform(platform))
    bootstrap = PurePosixPath("bootstrap")
    boot: Files = {
        bootstrap / "appproject.yaml": dump_yaml(platform_project(platform, repo_url=repo_url)),
        bootstrap / "applications.yaml": dump_yaml_all(
            platform_applications(platform, repo_url=repo_url)
        ),
        bootstrap / "platform-secret-store.yaml": dump_yaml(platform_secret_store(platform)),
        bootstrap / "repo-creds.yaml": dump_yaml(
            repo_creds_external_secret(platform, repo_url=repo_url)
        ),
    }
    boot[bootstrap / "kustomization.yaml"] = _kustomization(p.name for p in boot)
    files.update(boot)
    monitoring = PurePosixPath("monitoring")
    mon: Files = {
        monitoring / "platform-rules.yaml": dump_yaml(_platform_rules(platform)),
        monitoring / "loki-datasource.yaml": dump_yaml(_loki_datasource(platform)),
    }
    mon[monitoring / "kustomization.yaml"] = _kustomization(p.name for p in mon)
    files.update(mon)
    for spec in apps:
        files.update(platform_app_files(spec))
    return dict(sorted(files.items()))
