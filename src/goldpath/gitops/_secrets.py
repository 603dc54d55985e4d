"""External Secrets: the app's ExternalSecret, its Secrets Manager secret's prefix and
resource policy, and the platform's ClusterSecretStore.

One app reads exactly its own prefix, ``<secrets_prefix>/<app>`` (the secret itself) and
``<secrets_prefix>/<app>/<environment>`` (one per overlay): `app_secret_prefix` and
`secret_key_allowed` state that once for the renderer, the SoD policy and the
``aws:secretsmanager:create`` action alike.
"""

from __future__ import annotations

import re
from typing import Any

from goldpath.gitops._names import app_labels, secret_name
from goldpath.gitops._spec import AppSpec, PlatformSpec
from goldpath.gitops._workload import metadata
from goldpath.gitops._yaml import Manifest

__all__ = [
    "CLUSTER_SECRET_STORE",
    "EXTERNAL_SECRETS_NAMESPACE",
    "EXTERNAL_SECRETS_SERVICE_ACCOUNT",
    "SECRET_READ_ACTIONS",
    "app_secret_prefix",
    "cluster_secret_store",
    "external_secret",
    "external_secrets_role_arn",
    "secret_key",
    "secret_key_allowed",
    "secret_name_of",
    "secret_resource_policy",
]

CLUSTER_SECRET_STORE = "aws-secrets-manager"
EXTERNAL_SECRETS_NAMESPACE = "external-secrets"
EXTERNAL_SECRETS_SERVICE_ACCOUNT = "external-secrets"
_API = "external-secrets.io/v1"
# What "read" means for a secret: the External Secrets operator needs exactly these.
SECRET_READ_ACTIONS: tuple[str, ...] = (
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetResourcePolicy",
    "secretsmanager:GetSecretValue",
    "secretsmanager:ListSecretVersionIds",
)
_SECRET_ARN = re.compile(
    r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:(?P<name>.+)$"
)


def app_secret_prefix(platform: PlatformSpec, app: str) -> str:
    """The Secrets Manager prefix an app owns: ``<secrets_prefix>/<app>`` (no trailing slash).

    The app's secret is named exactly this; per-environment secrets live below it.
    """
    return f"{platform.secrets_prefix}/{app}"


def secret_key(spec: AppSpec, environment: str | None = None) -> str:
    """The Secrets Manager secret of the app: ``<prefix>/<app>`` (``/<env>`` per overlay)."""
    key = app_secret_prefix(spec.platform, spec.name)
    return key if environment is None else f"{key}/{environment}"


def secret_name_of(key: str) -> str:
    """The secret's name from a key that may be a name or an ARN."""
    match = _SECRET_ARN.match(key)
    return key if match is None else match.group("name")


def secret_key_allowed(key: str, prefix: str) -> bool:
    """True when ``key`` (a name or ARN) is the app's secret or one below its prefix.

    Refuses ``..`` and empty segments (``a//b``) so no spelling can look like the prefix
    while naming something else, and wildcards, which only IAM would expand. An ARN's
    name is taken as written: Secrets Manager resolves ``<prefix>-AbC123`` to another
    secret when the six characters are not this one's suffix, so it counts as outside.
    """
    name = secret_name_of(key)
    if any(part in ("", ".", "..") for part in name.split("/")) or any(c in name for c in "*?"):
        return False
    return name == prefix or name.startswith(f"{prefix}/")


def external_secrets_role_arn(platform: PlatformSpec) -> str:
    """The IAM role the External Secrets operator runs as (IRSA).

    Terraform names it ``<cluster>-external-secrets``
    (infra/terraform/modules/external-secrets); the two must agree.
    """
    return (
        f"arn:aws:iam::{platform.aws_account_id}:role/"
        f"{platform.cluster_name}-{EXTERNAL_SECRETS_SERVICE_ACCOUNT}"
    )


def secret_resource_policy(platform: PlatformSpec, app: str) -> dict[str, Any]:
    """The resource policy of the app's secret: only External Secrets may read it.

    An Allow for the operator's role, and a Deny of every read action to every other
    principal, so an identity policy elsewhere in the account (``secretsmanager:*`` on
    ``*``) cannot read the app's secret either. Writes stay with IAM (the portal puts
    values; nobody reads them back but the operator). In a resource policy ``Resource:
    "*"`` means this secret only.
    """
    role = external_secrets_role_arn(platform)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ExternalSecretsReads",
                "Effect": "Allow",
                "Principal": {"AWS": role},
                "Action": list(SECRET_READ_ACTIONS),
                "Resource": "*",
            },
            {
                "Sid": "NobodyElseReads",
                "Effect": "Deny",
                "Principal": "*",
                "Action": ["secretsmanager:GetSecretValue"],
                "Resource": "*",
                "Condition": {"StringNotEquals": {"aws:PrincipalArn": role}},
            },
        ],
    }


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
