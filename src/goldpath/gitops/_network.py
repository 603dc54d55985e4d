"""NetworkPolicies of one app: deny everything, then allow exactly what the app needs."""

from __future__ import annotations

from typing import Any

from goldpath.gitops._names import selector_labels
from goldpath.gitops._spec import AppSpec
from goldpath.gitops._workload import metadata
from goldpath.gitops._yaml import Manifest

__all__ = ["DEFAULT_DENY", "dns_egress_rule", "network_policies"]

DEFAULT_DENY = "default-deny"


def dns_egress_rule() -> dict[str, Any]:
    """Egress rule to the cluster DNS in kube-system on port 53 (UDP and TCP)."""
    return {
        "to": [
            {
                "namespaceSelector": {
                    "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                },
                "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
            }
        ],
        "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
    }


def _policy(spec: AppSpec, name: str, body: dict[str, Any]) -> Manifest:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(spec, name),
        "spec": body,
    }


def network_policies(spec: AppSpec) -> list[Manifest]:
    """Default deny both ways plus the app's allow rules, in a stable order."""
    platform = spec.platform
    pods = {"matchLabels": selector_labels(spec)}
    policies = [
        _policy(spec, DEFAULT_DENY, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy(
            spec,
            "allow-alb-ingress",
            {
                "podSelector": pods,
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [{"ipBlock": {"cidr": platform.vpc_cidr}}],
                        "ports": [{"protocol": "TCP", "port": spec.port}],
                    }
                ],
            },
        ),
        _policy(
            spec,
            "allow-monitoring-ingress",
            {
                "podSelector": pods,
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {"namespaceSelector": {"matchLabels": {"idp-role": "monitoring"}}}
                        ],
                        "ports": [{"protocol": "TCP", "port": spec.scrape_port}],
                    }
                ],
            },
        ),
        _policy(
            spec,
            "allow-dns-egress",
            {"podSelector": {}, "policyTypes": ["Egress"], "egress": [dns_egress_rule()]},
        ),
    ]
    if spec.egress_to_services:
        policies.append(
            _policy(
                spec,
                "allow-services-egress",
                {
                    "podSelector": pods,
                    "policyTypes": ["Egress"],
                    "egress": [{"to": [{"ipBlock": {"cidr": platform.service_cidr}}]}],
                },
            )
        )
    if platform.egress_https_cidrs:
        policies.append(
            _policy(
                spec,
                "allow-https-egress",
                {
                    "podSelector": pods,
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
    return policies
