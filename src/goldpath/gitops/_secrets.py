"""External Secrets: the app's ExternalSecret and the platform's ClusterSecretStore."""

from __future__ import annotations

from typing import Any

from goldpath.gitops._names import app_labels, secret_name
from goldpath.gitops._spec import AppSpec, PlatformSpec
from goldpath.gitops._workload import metadata

__all__ = [
    "CLUSTER_SECRET_STORE",
    "EXTERNAL_SECRETS_NAMESPACE",
    "cluster_secret_store",
    "external_secret",
    "secret_key",
]

Manifest = dict[str, Any]
CLUSTER_SECRET_STORE = "aws-secrets-manager"
EXTERNAL_SECRETS_NAMESPACE = "external-secrets"
_API = "external-secrets.io/v1"


def secret_key(spec: AppSpec, environment: str | None = None) -> str:
    """The Secrets Manager secret of the app: ``<prefix>/<app>`` (``/<env>`` per overlay)."""
    key = f"{spec.platform.secrets_prefix}/{spec.name}"
    return key if environment is None else f"{key}/{environment}"


def external_secret(spec: AppSpec) -> Manifest:
    """ExternalSecret extracting ``<prefix>/<app>`` into the app's Secret."""
    return {
        "apiVersion": _API,
        "kind": "ExternalSecret",
        "metadata": metadata(spec, secret_name(spec.name)),
        "spec": {
            "refreshInterval": "1h",
            "secretStoreRef": {"kind": "ClusterSecretStore", "name": CLUSTER_SECRET_STORE},
            "target": {
                "name": secret_name(spec.name),
                "creationPolicy": "Owner",
                "deletionPolicy": "Retain",
                "template": {"metadata": {"labels": app_labels(spec)}},
            },
            "dataFrom": [{"extract": {"key": secret_key(spec)}}],
        },
    }


def cluster_secret_store(platform: PlatformSpec, labels: dict[str, str]) -> Manifest:
    """ClusterSecretStore for AWS Secrets Manager, authenticated with IRSA.

    Only namespaces labelled ``idp-role: workload`` may use it.
    """
    return {
        "apiVersion": _API,
        "kind": "ClusterSecretStore",
        "metadata": {"name": CLUSTER_SECRET_STORE, "labels": labels},
        "spec": {
            "conditions": [{"namespaceSelector": {"matchLabels": {"idp-role": "workload"}}}],
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
