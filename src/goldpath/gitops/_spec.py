"""Typed inputs of the renderers: the app (`AppSpec`) and the platform facts (`PlatformSpec`)."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

if TYPE_CHECKING:
    from goldpath.config import Settings

__all__ = [
    "DEFAULT_SECRETS_PREFIX",
    "ENVIRONMENTS",
    "MAX_APP_NAME_LENGTH",
    "MIN_PROD_REPLICAS",
    "AlertThresholds",
    "AppSpec",
    "EnvironmentName",
    "EnvironmentSettings",
    "LogLevel",
    "PlatformNamespace",
    "PlatformSpec",
    "Resources",
]

# The longest derived name is "<app>-dashboard" (ConfigMap) and "<app>-staging" (namespace,
# Argo CD app); Grafana caps dashboard uids at 40, so 40 keeps every derived name legal.
MAX_APP_NAME_LENGTH = 40
ENVIRONMENTS: tuple[str, ...] = ("dev", "staging", "prod")
DEFAULT_SECRETS_PREFIX = "goldpath/apps"

EnvironmentName = Literal["dev", "staging", "prod"]
LogLevel = Literal["fatal", "error", "warn", "info", "debug", "trace"]
"""The ``LOG_LEVEL`` values both golden paths accept (pino's names)."""
MIN_PROD_REPLICAS = 2

_DNS_LABEL = r"^[a-z]([-a-z0-9]*[a-z0-9])?$"
_LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$"
_QUANTITY_CPU = r"^([0-9]+m|[0-9]+(\.[0-9]+)?)$"
_QUANTITY_MEMORY = r"^[0-9]+(Ki|Mi|Gi|Ti|k|M|G|T)?$"
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
_IMAGE_TAG = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$"
_DOMAIN = r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
_REGISTRY = r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]([-a-z0-9._/]*[a-z0-9])?)?$"
_ARN_ACM = r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$"

PortNumber = Annotated[int, Field(ge=1024, le=65535)]


def _check_cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be a CIDR block such as 10.0.0.0/16 ({exc})") from exc
    return str(network)


class Resources(BaseModel):
    """CPU and memory requests and limits of the app's container."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    cpu_request: str = Field(default="100m", pattern=_QUANTITY_CPU)
    cpu_limit: str = Field(default="500m", pattern=_QUANTITY_CPU)
    memory_request: str = Field(default="128Mi", pattern=_QUANTITY_MEMORY)
    memory_limit: str = Field(default="256Mi", pattern=_QUANTITY_MEMORY)


class AlertThresholds(BaseModel):
    """Thresholds of the app's alert rules."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    error_ratio: float = Field(default=0.05, gt=0, lt=1, description="5xx share of requests")
    latency_p95_seconds: float = Field(default=0.5, gt=0, le=120)
    restarts_per_hour: int = Field(default=3, ge=1, le=1000)
    for_minutes: int = Field(default=5, ge=1, le=1440)


class EnvironmentSettings(BaseModel):
    """What one environment sets differently; unset fields take that environment's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    replicas: int | None = Field(default=None, ge=1, le=50)
    resources: Resources | None = None
    log_level: LogLevel | None = None


class PlatformNamespace(BaseModel):
    """A namespace the platform itself runs in, and its role."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(max_length=63, pattern=_DNS_LABEL)
    role: Literal["platform", "monitoring", "ingress"]
    vpc_ingress_ports: tuple[Annotated[int, Field(ge=1, le=65535)], ...] = Field(
        default=(),
        description="Ports reachable from the VPC: the shared ALB, the API server's webhooks.",
    )


def _default_platform_namespaces() -> tuple[PlatformNamespace, ...]:
    return (
        PlatformNamespace(name="argocd", role="platform", vpc_ingress_ports=(8080,)),
        PlatformNamespace(
            name="aws-load-balancer-controller", role="ingress", vpc_ingress_ports=(9443,)
        ),
        PlatformNamespace(name="external-secrets", role="platform"),
        PlatformNamespace(name="goldpath", role="platform", vpc_ingress_ports=(7007,)),
        PlatformNamespace(name="monitoring", role="monitoring", vpc_ingress_ports=(3000,)),
    )


class PlatformSpec(BaseModel):
    """Facts about the platform; development defaults are obviously example values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    domain: str = Field(default="apps.example.com", pattern=_DOMAIN, max_length=200)
    certificate_arn: str = Field(
        default="arn:aws:acm:us-east-2:111122223333:certificate/00000000-0000-0000-0000-000000000000",
        pattern=_ARN_ACM,
    )
    alb_group: str = Field(default="goldpath-shared", max_length=63, pattern=_DNS_LABEL)
    aws_account_id: str = Field(default="111122223333", pattern=r"^[0-9]{12}$")
    aws_region: str = Field(default="us-east-2", pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
    ecr_registry: str = Field(
        default="111122223333.dkr.ecr.us-east-2.amazonaws.com", pattern=_REGISTRY
    )
    cluster_name: str = Field(default="goldpath-poc", max_length=100, pattern=_DNS_LABEL)
    kubernetes_version: str = Field(default="1.30", pattern=r"^1\.[0-9]{2}$")
    service_cidr: str = "172.20.0.0/16"
    vpc_cidr: str = "10.0.0.0/16"
    egress_https_cidrs: tuple[str, ...] = ()
    secrets_prefix: str = Field(default=DEFAULT_SECRETS_PREFIX, pattern=r"^[A-Za-z0-9_.\-/]+$")
    platform_secrets_prefix: str = Field(
        default="goldpath",
        pattern=r"^[A-Za-z0-9_.\-/]+$",
        description="Terraform's secrets_prefix: the platform's own secrets live below it.",
    )
    grafana_url: str = "https://grafana.example.com"
    argocd_namespace: str = Field(default="argocd", pattern=_DNS_LABEL)
    cluster_server: str = "https://kubernetes.default.svc"
    platform_admin_group: str = Field(default="platform-team", pattern=_DNS_LABEL)
    developer_group: str = Field(default="developers", pattern=_DNS_LABEL)
    platform_namespaces: tuple[PlatformNamespace, ...] = Field(
        default_factory=_default_platform_namespaces
    )

    @field_validator("service_cidr", "vpc_cidr")
    @classmethod
    def _cidr(cls, value: str) -> str:
        return _check_cidr(value)

    @field_validator("egress_https_cidrs")
    @classmethod
    def _cidrs(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted({_check_cidr(v) for v in value}))

    @field_validator("secrets_prefix", "platform_secrets_prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        return value.strip("/")

    @field_validator("grafana_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @classmethod
    def from_settings(cls, settings: Settings) -> PlatformSpec:
        """The platform facts from goldpath's Settings (``settings.platform``)."""
        platform = settings.platform
        return cls(
            domain=platform.domain,
            certificate_arn=platform.certificate_arn,
            alb_group=platform.alb_group,
            aws_account_id=platform.aws_account_id,
            aws_region=platform.aws_region,
            ecr_registry=platform.ecr_registry,
            cluster_name=platform.cluster_name,
            kubernetes_version=platform.kubernetes_version,
            service_cidr=platform.service_cidr,
            vpc_cidr=platform.vpc_cidr,
            egress_https_cidrs=tuple(platform.egress_https_cidrs),
            secrets_prefix=platform.secrets_prefix,
            # Terraform keeps apps at <prefix>/apps (envs/poc/portal.tf): the parent is its prefix.
            platform_secrets_prefix=platform.secrets_prefix.strip("/").rpartition("/")[0]
            or platform.secrets_prefix,
            grafana_url=platform.grafana_url,
        )


class AppSpec(BaseModel):
    """Everything the platform needs to know about one app to render its GitOps repo."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=MAX_APP_NAME_LENGTH, pattern=_DNS_LABEL)
    owner: str = Field(
        min_length=1,
        description="Owning team: a catalog Group name or ref (group:default/team-a).",
    )
    gitops_repo_url: str = Field(min_length=5, description="Clone URL of the GitOps repo (.git)")
    description: str = Field(default="", max_length=1000)
    system: str | None = Field(default=None, max_length=63, pattern=_LABEL_VALUE)
    cost_center: str | None = Field(default=None, max_length=63, pattern=_LABEL_VALUE)
    image_tag: str = Field(default="initial", pattern=_IMAGE_TAG)
    port: PortNumber = 3000
    metrics_port: PortNumber | None = Field(
        default=None, description="Port serving /metrics; the app port when unset."
    )
    metrics_path: str = Field(default="/metrics", pattern=r"^/[-A-Za-z0-9_./]*$")
    replicas: int = Field(default=2, ge=1, le=50)
    resources: Resources = Resources()
    env: dict[str, str] = Field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()
    environments: tuple[EnvironmentName, ...] = ()
    environment_settings: dict[EnvironmentName, EnvironmentSettings] = Field(
        default_factory=dict,
        description="Per-environment replicas, resources and log level (overlays only).",
    )
    shutdown_seconds: int = Field(default=10, ge=1, le=600)
    run_as_user: int = Field(default=1000, ge=1, le=2**31 - 1)
    egress_to_services: bool = Field(
        default=True, description="Allow egress to the cluster's service CIDR."
    )
    alerts: AlertThresholds = AlertThresholds()
    platform: PlatformSpec = Field(default_factory=lambda: PlatformSpec())

    @field_validator("owner")
    @classmethod
    def _owner_is_group(cls, value: str) -> str:
        team = value.split("/")[-1].split(":")[-1]
        if not re.fullmatch(_DNS_LABEL, team) or len(team) > 63:
            raise ValueError("the team name must be a DNS label (lower-case, digits, '-')")
        kind = value.split(":")[0] if ":" in value else "group"
        if kind.lower() != "group":
            raise ValueError("the owner must be a Group")
        return value

    @field_validator("gitops_repo_url")
    @classmethod
    def _repo_url_ends_in_git(cls, value: str) -> str:
        if not value.endswith(".git"):
            raise ValueError("the GitOps repository URL must end with .git")
        if any(ch.isspace() for ch in value) or "@" in value.split("://")[-1].split("/")[0]:
            raise ValueError("the GitOps repository URL must not hold spaces or credentials")
        return value

    @field_validator("env")
    @classmethod
    def _env_names(cls, value: dict[str, str]) -> dict[str, str]:
        for key in value:
            if not re.fullmatch(_ENV_NAME, key):
                raise ValueError(f"environment variable name {key!r} is not a C identifier")
        return dict(sorted(value.items()))

    @field_validator("secret_keys")
    @classmethod
    def _secret_keys(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for key in value:
            if not re.fullmatch(_ENV_NAME, key):
                raise ValueError(f"secret key {key!r} is not a C identifier")
        if len(set(value)) != len(value):
            raise ValueError("secret keys must be unique")
        return tuple(sorted(value))

    @field_validator("environments")
    @classmethod
    def _environments(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(value)) != len(value):
            raise ValueError("environments must be unique")
        return tuple(env for env in ENVIRONMENTS if env in value)

    @field_validator("environment_settings")
    @classmethod
    def _prod_replicas(
        cls, value: dict[str, EnvironmentSettings]
    ) -> dict[str, EnvironmentSettings]:
        prod = value.get("prod")
        if prod is not None and prod.replicas is not None and prod.replicas < MIN_PROD_REPLICAS:
            raise ValueError(f"prod runs at least {MIN_PROD_REPLICAS} replicas")
        return {env: value[env] for env in ENVIRONMENTS if env in value}

    @model_validator(mode="after")
    def _no_secret_in_plain_env(self) -> AppSpec:
        if "PORT" in self.env or "PORT" in self.secret_keys:
            raise ValueError("PORT is set by goldpath from the port field")
        clash = sorted(set(self.env) & set(self.secret_keys))
        if clash:
            raise ValueError(f"{', '.join(clash)} set both as a plain variable and a secret")
        return self

    @property
    def team(self) -> str:
        """The owning team's name (the Group's name without kind or namespace)."""
        return self.owner.split("/")[-1].split(":")[-1]

    @property
    def scrape_port(self) -> int:
        """The port Prometheus scrapes."""
        return self.metrics_port if self.metrics_port is not None else self.port
