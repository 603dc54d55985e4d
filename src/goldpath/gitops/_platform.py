"""Platform-wide manifests, rendered once: cluster roles, platform namespaces, their
network policies and the ClusterSecretStore."""

from __future__ import annotations

from typing import Any

from goldpath.gitops._network import DEFAULT_DENY, dns_egress_rule
from goldpath.gitops._secrets import cluster_secret_store
from goldpath.gitops._spec import PlatformNamespace, PlatformSpec
from goldpath.gitops._workload import READ_VERBS
from goldpath.gitops._yaml import Manifest

__all__ = [
    "DEVELOPER_READONLY",
    "PLATFORM_ADMIN",
    "PLATFORM_LABELS",
    "cluster_role_bindings",
    "cluster_roles",
    "platform_namespaces",
    "platform_network_policies",
    "platform_secret_store",
]

PLATFORM_ADMIN = "platform-admin"
DEVELOPER_READONLY = "developer-readonly"
PLATFORM_LABELS = {
    "app.kubernetes.io/managed-by": "goldpath",
    "app.kubernetes.io/part-of": "goldpath-platform",
}

# What developers may read cluster-wide; secrets are deliberately absent.
_DEVELOPER_READABLE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("", ("configmaps", "endpoints", "events", "namespaces", "persistentvolumeclaims",
          "pods", "pods/log", "serviceaccounts", "services")),
    ("apps", ("daemonsets", "deployments", "replicasets", "statefulsets")),
    ("argoproj.io", ("applications", "appprojects")),
    ("autoscaling", ("horizontalpodautoscalers",)),
    ("batch", ("cronjobs", "jobs")),
    ("external-secrets.io", ("externalsecrets",)),
    ("monitoring.coreos.com", ("prometheusrules", "servicemonitors")),
    ("networking.k8s.io", ("ingresses", "networkpolicies")),
    ("policy", ("poddisruptionbudgets",)),
)


def _meta(name: str, namespace: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "labels": dict(PLATFORM_LABELS)}
    if namespace is not None:
        meta["namespace"] = namespace
    return meta


def cluster_roles() -> list[Manifest]:
    """ClusterRoles ``platform-admin`` (everything) and ``developer-readonly`` (no secrets)."""
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _meta(PLATFORM_ADMIN),
            "rules": [
                {"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]},
                {"nonResourceURLs": ["*"], "verbs": ["*"]},
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": _meta(DEVELOPER_READONLY),
            "rules": [
                {"apiGroups": [group], "resources": list(resources), "verbs": list(READ_VERBS)}
                for group, resources in _DEVELOPER_READABLE
            ],
        },
    ]


def cluster_role_bindings(platform: PlatformSpec) -> list[Manifest]:
    """Bind the platform team to ``platform-admin`` and developers to ``developer-readonly``."""
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRoleBinding",
            "metadata": _meta(role),
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": role},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group",
                          "name": group}],
        }
        for role, group in (
            (PLATFORM_ADMIN, platform.platform_admin_group),
            (DEVELOPER_READONLY, platform.developer_group),
        )
    ]


def platform_namespaces(platform: PlatformSpec) -> list[Manifest]:
    """The platform's namespaces, labelled ``idp-role: platform|monitoring|ingress``."""
    return [
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {
                "name": ns.name,
                "labels": dict(sorted({**PLATFORM_LABELS, "idp-role": ns.role}.items())),
            },
        }
        for ns in platform.platform_namespaces
    ]


def _policy(ns: PlatformNamespace, name: str, body: dict[str, Any]) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": _meta(name, ns.name),
        "spec": body,
    }


def _namespace_policies(platform: PlatformSpec, ns: PlatformNamespace) -> list[Manifest]:
    policies = [
        _policy(ns, DEFAULT_DENY, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy(
            ns,
            "allow-same-namespace",
            {
                "podSelector": {},
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"from": [{"podSelector": {}}]}],
                "egress": [{"to": [{"podSelector": {}}]}],
            },
        ),
        _policy(
            ns,
            "allow-dns-egress",
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [dns_egress_rule()]},
        ),
        _policy(
            ns,
            "allow-cluster-egress",
            {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [
                    {"to": [{"ipBlock": {"cidr": platform.service_cidr}}]},
                    # The API server's endpoints and VPC interface endpoints live in the VPC.
                    {
                        "to": [{"ipBlock": {"cidr": platform.vpc_cidr}}],
                        "ports": [{"protocol": "TCP", "port": 443}],
                    },
                ],
            },
        ),
    ]
    if platform.egress_https_cidrs:
        policies.append(
            _policy(
                ns,
                "allow-https-egress",
                {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [{"ipBlock": {"cidr": c}} for c in platform.egress_https_cidrs],
                            "ports": [{"protocol": "TCP", "port": 443}],
                        }
                    ],
                },
            )
        )
    if ns.vpc_ingress_ports:
        policies.append(
            _policy(
                ns,
                "allow-vpc-ingress",
                {
                    "podSelector": {},
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [{"ipBlock": {"cidr": platform.vpc_cidr}}],
                            "ports": [
                                {"protocol": "TCP", "port": p} for p in ns.vpc_ingress_ports
                            ],
                        }
                    ],
                },
            )
        )
    if ns.role == "monitoring":
        policies.append(
            _policy(
                ns,
                "allow-scrape-egress",
                {
                    "podSelector": {},
                    "policyTypes": ["Egress"],
                    "egress": [
                        {
                            "to": [
                                {
                                    "namespaceSelector": {
                                        "matchExpressions": [
                                            {
                                                "key": "idp-role",
                                                "operator": "In",
                                                "values": ["ingress", "platform", "workload"],
                                            }
                                        ]
                                    }
                                }
                            ]
                        }
                    ],
                },
            )
        )
    else:
        policies.append(
            _policy(
                ns,
                "allow-monitoring-ingress",
                {
                    "podSelector": {},
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [
                                {"namespaceSelector": {"matchLabels": {"idp-role": "monitoring"}}}
                            ]
                        }
                    ],
                },
            )
        )
    return policies


def platform_network_policies(platform: PlatformSpec) -> list[Manifest]:
    """Default deny plus the allow rules of every platform namespace."""
    return [
        policy
        for ns in platform.platform_namespaces
        for policy in _namespace_policies(platform, ns)
    ]


def platform_secret_store(platform: PlatformSpec) -> Manifest:
    """The ``aws-secrets-manager`` ClusterSecretStore (IRSA)."""
    return cluster_secret_store(platform, dict(PLATFORM_LABELS))
