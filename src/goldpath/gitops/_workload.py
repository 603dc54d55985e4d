"""Core Kubernetes objects of one app: namespace, workload, exposure and access."""

from __future__ import annotations

import json
from typing import Any

from goldpath.gitops._names import (
    app_labels,
    ecr_repository_name,
    hostname,
    namespace_name,
    secret_name,
    selector_labels,
)
from goldpath.gitops._spec import AppSpec
from goldpath.gitops._yaml import Manifest

__all__ = [
    "READ_VERBS",
    "container_image",
    "deployment",
    "ingress",
    "metadata",
    "namespace",
    "pod_disruption_budget",
    "role",
    "role_binding",
    "service",
    "service_account",
]

READ_VERBS = ("get", "list", "watch")
_PRESTOP_SECONDS = 5


def metadata(spec: AppSpec, name: str, *, namespaced: bool = True) -> dict[str, Any]:
    """Standard metadata: name, namespace and the app's labels."""
    meta: dict[str, Any] = {"name": name, "labels": app_labels(spec)}
    if namespaced:
        meta["namespace"] = namespace_name(spec.name)
    return meta


def container_image(spec: AppSpec) -> str:
    """The image repository (without tag) of the app: ``<registry>/apps/<app>``."""
    return f"{spec.platform.ecr_registry}/{ecr_repository_name(spec.name)}"


def namespace(spec: AppSpec) -> Manifest:
    """The app's namespace, marked as a workload namespace for network policies."""
    meta = metadata(spec, namespace_name(spec.name), namespaced=False)
    meta["labels"] = dict(sorted({**meta["labels"], "idp-role": "workload"}.items()))
    if spec.description:
        meta["annotations"] = {"goldpath.io/description": spec.description}
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": meta}


def service_account(spec: AppSpec) -> Manifest:
    """The app's own ServiceAccount, with no API token mounted."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(spec, spec.name),
        "automountServiceAccountToken": False,
    }


def container_env(spec: AppSpec) -> list[dict[str, Any]]:
    """The app container's ``env`` in the base Deployment, in order."""
    env: list[dict[str, Any]] = [{"name": "PORT", "value": str(spec.port)}]
    env.extend({"name": k, "value": v} for k, v in spec.env.items())
    env.extend(
        {
            "name": key,
            "valueFrom": {"secretKeyRef": {"name": secret_name(spec.name), "key": key}},
        }
        for key in spec.secret_keys
    )
    return env


def _container(spec: AppSpec) -> dict[str, Any]:
    ports: list[dict[str, Any]] = [
        {"name": "http", "containerPort": spec.port, "protocol": "TCP"}
    ]
    if spec.metrics_port is not None and spec.metrics_port != spec.port:
        ports.append({"name": "metrics", "containerPort": spec.metrics_port, "protocol": "TCP"})
    container: dict[str, Any] = {
        "name": spec.name,
        "image": f"{container_image(spec)}:{spec.image_tag}",
        "imagePullPolicy": "IfNotPresent",
        "ports": ports,
        "env": container_env(spec),
        "livenessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 5,
            "periodSeconds": 10,
            "timeoutSeconds": 2,
            "failureThreshold": 3,
        },
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "http"},
            "periodSeconds": 5,
            "timeoutSeconds": 2,
            "failureThreshold": 2,
        },
        "resources": {
            "requests": {
                "cpu": spec.resources.cpu_request,
                "memory": spec.resources.memory_request,
            },
            "limits": {"cpu": spec.resources.cpu_limit, "memory": spec.resources.memory_limit},
        },
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "privileged": False,
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
            "runAsUser": spec.run_as_user,
            "runAsGroup": spec.run_as_user,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        # The ALB needs a moment to stop sending traffic before the app stops listening.
        "lifecycle": {"preStop": {"sleep": {"seconds": _PRESTOP_SECONDS}}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }
    if not spec.secret_keys:
        container["envFrom"] = [{"secretRef": {"name": secret_name(spec.name), "optional": True}}]
    return container


def deployment(spec: AppSpec) -> Manifest:
    """The app's Deployment: hardened pod, probes, resources, spread across nodes."""
    pod_spec: dict[str, Any] = {
        "serviceAccountName": spec.name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": spec.run_as_user,
            "runAsGroup": spec.run_as_user,
            "fsGroup": spec.run_as_user,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "terminationGracePeriodSeconds": spec.shutdown_seconds + _PRESTOP_SECONDS + 5,
        "containers": [_container(spec)],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}],
    }
    if spec.replicas > 1:
        pod_spec["topologySpreadConstraints"] = [
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector_labels(spec)},
            },
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": selector_labels(spec)},
            },
        ]
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(spec, spec.name),
        "spec": {
            "replicas": spec.replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": selector_labels(spec)},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0},
            },
            "template": {"metadata": {"labels": app_labels(spec)}, "spec": pod_spec},
        },
    }


def service(spec: AppSpec) -> Manifest:
    """ClusterIP Service: ``http`` on 80 and ``metrics`` on the scrape port."""
    ports: list[dict[str, Any]] = [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
        {"name": "metrics", "port": spec.scrape_port, "targetPort": spec.scrape_port,
         "protocol": "TCP"},
    ]
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec, spec.name),
        "spec": {"type": "ClusterIP", "selector": selector_labels(spec), "ports": ports},
    }


def ingress(spec: AppSpec) -> Manifest:
    """Ingress on the shared internet-facing ALB, HTTPS with the platform certificate."""
    platform = spec.platform
    meta = metadata(spec, spec.name)
    meta["annotations"] = {
        "alb.ingress.kubernetes.io/certificate-arn": platform.certificate_arn,
        "alb.ingress.kubernetes.io/group.name": platform.alb_group,
        "alb.ingress.kubernetes.io/healthcheck-path": "/readyz",
        "alb.ingress.kubernetes.io/listen-ports": json.dumps([{"HTTP": 80}, {"HTTPS": 443}]),
        "alb.ingress.kubernetes.io/scheme": "internet-facing",
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        "alb.ingress.kubernetes.io/target-type": "ip",
    }
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": meta,
        "spec": {
            "ingressClassName": "alb",
            "rules": [
                {
                    "host": hostname(spec.name, platform.domain),
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {
                                    "service": {"name": spec.name, "port": {"name": "http"}}
                                },
                            }
                        ]
                    },
                }
            ],
        },
    }


def pod_disruption_budget(spec: AppSpec) -> Manifest:
    """PodDisruptionBudget: at most one pod down during voluntary disruptions."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(spec, spec.name),
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": selector_labels(spec)}},
    }


def role(spec: AppSpec) -> Manifest:
    """Read-only Role for the owning team: never secrets, never a write verb."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "Role",
        "metadata": metadata(spec, f"{spec.name}-read"),
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["configmaps", "pods", "pods/log", "services"],
                "verbs": list(READ_VERBS),
            },
            {
                "apiGroups": ["apps"],
                "resources": ["deployments", "replicasets"],
                "verbs": list(READ_VERBS),
            },
        ],
    }


def role_binding(spec: AppSpec) -> Manifest:
    """Binds the read-only Role to the owning team's group."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": metadata(spec, f"{spec.name}-read"),
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": f"{spec.name}-read",
        },
        "subjects": [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": spec.team}
        ],
    }
