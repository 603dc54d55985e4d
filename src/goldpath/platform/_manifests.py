"""The portal's Kubernetes manifests: read deploy/portal/base, set the deployment's values."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from goldpath.config import PlatformSettings
from goldpath.errors import FieldError
from goldpath.platform.errors import ManifestFileError
from goldpath.safe_yaml import Dumper, YamlError, load_yaml_all

__all__ = [
    "PortalValues",
    "dump_manifests",
    "load_kustomize_base",
    "portal_values",
    "render_portal_manifests",
]

PORTAL_HOST_PREFIX = "backstage"

@dataclass(frozen=True, slots=True)
class PortalValues:
    """Everything that differs between the base manifests and one real deployment."""

    image: str
    host: str
    certificate_arn: str
    alb_group: str
    role_arn: str
    vpc_cidr: str
    platform_secret: str
    git_host: str
    config: dict[str, str] = field(default_factory=dict)


def portal_values(
    platform: PlatformSettings,
    *,
    image: str,
    platform_secret: str = "goldpath/platform",
    role_arn: str | None = None,
) -> PortalValues:
    """Values from goldpath's platform settings (the portal at backstage.<domain>)."""
    host = f"{PORTAL_HOST_PREFIX}.{platform.domain}"
    config = {
        "GOLDPATH_SERVER__BASE_URL": f"https://{host}",
        "GOLDPATH_PLATFORM__DOMAIN": platform.domain,
        "GOLDPATH_PLATFORM__CERTIFICATE_ARN": platform.certificate_arn,
        "GOLDPATH_PLATFORM__ALB_GROUP": platform.alb_group,
        "GOLDPATH_PLATFORM__AWS_ACCOUNT_ID": platform.aws_account_id,
        "GOLDPATH_PLATFORM__AWS_REGION": platform.aws_region,
        "GOLDPATH_PLATFORM__CLUSTER_NAME": platform.cluster_name,
        "GOLDPATH_PLATFORM__KUBERNETES_VERSION": platform.kubernetes_version,
        "GOLDPATH_PLATFORM__SERVICE_CIDR": platform.service_cidr,
        "GOLDPATH_PLATFORM__VPC_CIDR": platform.vpc_cidr,
        "GOLDPATH_PLATFORM__SECRETS_PREFIX": platform.secrets_prefix,
        "GOLDPATH_PLATFORM__APP_GROUP": platform.app_group,
        "GOLDPATH_PLATFORM__GITOPS_GROUP": platform.gitops_group,
        "GOLDPATH_PLATFORM__GIT_HOST": platform.git_host,
        "GOLDPATH_PLATFORM__ECR_REGISTRY": platform.ecr_registry,
    }
    return PortalValues(
        image=image,
        host=host,
        certificate_arn=platform.certificate_arn,
        alb_group=platform.alb_group,
        role_arn=role_arn
        or f"arn:aws:iam::{platform.aws_account_id}:role/{platform.cluster_name}-goldpath-portal",
        vpc_cidr=platform.vpc_cidr,
        platform_secret=platform_secret,
        git_host=platform.git_host,
        config=config,
    )


def _read_yaml_documents(path: Path) -> list[dict[str, Any]]:
    try:
        return [doc for doc in load_yaml_all(path.read_bytes(), where=str(path)) if doc]
    except (OSError, YamlError) as exc:
        raise ManifestFileError(
            f"cannot read manifest {path}: {exc}".splitlines()[0],
            errors=[FieldError(field=str(path), rule="yaml", message="is not readable YAML")],
        ) from exc


def load_kustomize_base(directory: Path) -> list[dict[str, Any]]:
    """The resources a kustomization lists, with its namespace set (plain-file bases only)."""
    kustomization = _read_yaml_documents(directory / "kustomization.yaml")[0]
    namespace = kustomization.get("namespace")
    documents: list[dict[str, Any]] = []
    for resource in kustomization.get("resources", []):
        for document in _read_yaml_documents(directory / resource):
            if namespace and document.get("kind") != "Namespace":
                document.setdefault("metadata", {})["namespace"] = namespace
            documents.append(document)
    return documents


def _set_in_network_policies(document: dict[str, Any], vpc_cidr: str) -> None:
    spec = document["spec"]
    for rule in [*spec.get("ingress", []), *spec.get("egress", [])]:
        for peer in [*rule.get("from", []), *rule.get("to", [])]:
            block = peer.get("ipBlock")
            if block and block.get("cidr") != "0.0.0.0/0":
                block["cidr"] = vpc_cidr


def render_portal_manifests(
    base: Iterable[dict[str, Any]], values: PortalValues
) -> list[dict[str, Any]]:
    """The base documents with the image, host, certificate, role, CIDR and settings set."""
    rendered: list[dict[str, Any]] = []
    for original in base:
        document = copy.deepcopy(original)
        kind = document.get("kind")
        metadata = document.setdefault("metadata", {})
        if kind == "Deployment":
            for container in document["spec"]["template"]["spec"]["containers"]:
                if container["name"] == "goldpath":
                    container["image"] = values.image
        elif kind == "Ingress":
            annotations = metadata.setdefault("annotations", {})
            annotations["alb.ingress.kubernetes.io/group.name"] = values.alb_group
            annotations["alb.ingress.kubernetes.io/certificate-arn"] = values.certificate_arn
            for rule in document["spec"]["rules"]:
                rule["host"] = values.host
        elif kind == "ServiceAccount":
            metadata.setdefault("annotations", {})["eks.amazonaws.com/role-arn"] = values.role_arn
        elif kind == "ConfigMap" and metadata.get("name") == "goldpath-config":
            document["data"] = {**document.get("data", {}), **values.config}
        elif kind == "ExternalSecret":
            spec = document["spec"]
            spec["dataFrom"] = [{"extract": {"key": values.platform_secret}}]
            template_data = spec["target"]["template"]["data"]
            template_data["GOLDPATH_INTEGRATIONS__GITLAB"] = json.dumps(
                [{"host": values.git_host, "token": "{{ .GITLAB_TOKEN }}"}]
            )
        elif kind == "NetworkPolicy":
            _set_in_network_policies(document, values.vpc_cidr)
        rendered.append(document)
    return rendered


def dump_manifests(documents: Iterable[dict[str, Any]]) -> str:
    """Documents as one multi-document YAML stream."""
    return yaml.dump_all(list(documents), Dumper=Dumper, sort_keys=False, explicit_start=True)
