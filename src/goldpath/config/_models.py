"""Typed settings: one model per section of ``goldpath.yaml``."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

__all__ = [
    "AuthSettings",
    "AwsSettings",
    "CatalogLocationSettings",
    "CatalogReadingSettings",
    "CatalogSettings",
    "CliSettings",
    "Environment",
    "GitHubAuthSettings",
    "GitIntegration",
    "IntegrationsSettings",
    "LiveSettings",
    "PermissionSettings",
    "PlatformSettings",
    "ReadingAllowRule",
    "ScaffolderSettings",
    "ScorecardSettings",
    "ScratchSettings",
    "ServerSettings",
    "ServiceEndpoint",
    "Settings",
    "TechDocsS3Settings",
    "TechDocsSettings",
]

Environment = Literal["development", "production"]

ENV_PREFIX = "GOLDPATH_"
NESTED_DELIMITER = "__"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ServerSettings(_Section):
    """Where the portal listens and the URL users reach it at."""

    host: str = "127.0.0.1"
    port: int = Field(default=7007, ge=0, le=65535)
    base_url: str | None = Field(
        default=None, description="Public URL of the portal; defaults to http://host:port."
    )
    max_body_bytes: int = Field(
        default=16 * 1024 * 1024,
        ge=1024,
        description="Largest request body the API accepts (413 past it); git pushes excepted.",
    )

    @property
    def public_url(self) -> str:
        """The portal's public base URL, without a trailing slash."""
        if self.base_url:
            return self.base_url.rstrip("/")
        return f"http://{self.host}:{self.port}"


class GitHubAuthSettings(_Section):
    """GitHub OAuth application used for sign-in in production."""

    client_id: str | None = None
    client_secret: SecretStr | None = None
    authorize_url: str = "https://github.com/login/oauth/authorize"
    access_token_url: str = "https://github.com/login/oauth/access_token"
    api_base_url: str = "https://api.github.com/"


class AuthSettings(_Section):
    """Sign-in: guest (development only), GitHub OAuth, signed-cookie sessions."""

    guest: bool | None = Field(
        default=None, description="Allow guest sign-in; defaults to on in development only."
    )
    github: GitHubAuthSettings = GitHubAuthSettings()
    session_secret: SecretStr | None = None
    session_max_age_seconds: int = Field(default=8 * 3600, ge=60)


class CatalogLocationSettings(_Section):
    """A catalog location registered from configuration."""

    type: Literal["file", "url"] = "file"
    target: str


class ReadingAllowRule(_Section):
    """A host (``example.com``, ``*.example.com``, ``host:8080``) catalog URLs may be read from."""

    host: str = Field(min_length=1)
    paths: list[str] = Field(
        default=[], description="URL path prefixes allowed on the host; empty: any path."
    )


class CatalogReadingSettings(_Section):
    """What catalog locations and placeholders may read over HTTP, and how much."""

    allow: list[ReadingAllowRule] = []
    max_file_bytes: int = Field(default=4 * 1024 * 1024, ge=1)
    max_location_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    timeout_seconds: float = Field(default=10.0, gt=0)


class CatalogSettings(_Section):
    """Catalog ingestion: static locations, what may be read, and the refresh loop."""

    locations: list[CatalogLocationSettings] = []
    file_roots: list[Path] | None = Field(
        default=None,
        description="Directories file locations may read from; default: the home. The "
        "built-in templates, the demo data and the folders of catalog.locations are added.",
    )
    reading: CatalogReadingSettings = CatalogReadingSettings()
    refresh_interval_seconds: float = Field(default=120.0, gt=0)
    refresh_enabled: bool = True


class ScaffolderSettings(_Section):
    """Task workers."""

    workers: int = Field(default=2, ge=0, le=64)
    heartbeat_seconds: float = Field(default=2.0, gt=0)
    heartbeat_timeout_seconds: float = Field(default=30.0, gt=0)
    poll_seconds: float = Field(default=0.2, gt=0)


class GitOpsSettings(_Section):
    """GitOps validation in this process."""

    validator_pool: int = Field(
        default=2,
        ge=0,
        le=16,
        description="kubectl kustomize processes kept started ahead of need (with one "
        "promtool), so a validation does not wait for their start-up (about 45 ms each); "
        "about 13 MB each. 0: none, every validation starts its tools itself.",
    )


class CliSettings(_Section):
    """How the CLI reaches a running portal (it runs tasks in-process when there is none)."""

    server_url: str | None = Field(
        default=None,
        description="Portal the CLI always talks to (else it looks at server.base_url).",
    )
    token: SecretStr | None = Field(
        default=None, description="Personal API token (goldpath tokens create) sent to the portal."
    )
    discover: bool = Field(
        default=True, description="Use a portal found at server.base_url that serves this database."
    )


class PermissionSettings(_Section):
    """Who may do what: platform admin groups, an optional policy file, audit retention."""

    admin_groups: list[str] = Field(
        default=["group:default/platform-team"],
        description="Groups whose members (and their sub-groups' members) are platform admins.",
    )
    policy: Path | None = Field(
        default=None, description="YAML file of rules checked before the default policy."
    )
    audit_retention_days: int = Field(
        default=90, ge=0, description="Days the audit log keeps decisions; 0 keeps them forever."
    )


class GitIntegration(_Section):
    """A remote git host goldpath may publish to (GitLab or GitHub)."""

    host: str
    token: SecretStr | None = None
    api_base_url: str | None = None


class IntegrationsSettings(_Section):
    """Remote git hosts; a repoUrl host without one publishes to the local host in development."""

    gitlab: list[GitIntegration] = []
    github: list[GitIntegration] = []


class ServiceEndpoint(_Section):
    """An HTTP API goldpath talks to (Argo CD, Grafana, Prometheus)."""

    url: str | None = None
    token: SecretStr | None = None


class LiveSettings(_Section):
    """The live panels of a component page and the development-only local runner."""

    timeout_seconds: float = Field(
        default=2.0, gt=0, le=30, description="Timeout of each call to Argo CD, GitLab, Prometheus."
    )
    cache_ttl_seconds: float = Field(
        default=10.0, ge=0, description="How long a backend's answer (or failure) is reused."
    )
    rate_window: str = Field(
        default="5m",
        pattern=r"^[1-9][0-9]*[smh]$",
        description="PromQL rate() window of the RED figures, as the app's alerts use.",
    )
    log_lines: int = Field(default=50, ge=1, le=1000)
    npm_cache: Path | None = Field(
        default=None, description="npm cache of the local runner; default <home>/cache/npm."
    )
    install_timeout_seconds: float = Field(default=600.0, gt=0)
    start_timeout_seconds: float = Field(default=60.0, gt=0)
    prometheus_binary: str = Field(
        default="prometheus",
        description="The Prometheus the development portal starts when it is on PATH; '' never.",
    )
    scrape_interval_seconds: int = Field(default=5, ge=1, le=300)
    prometheus_retention: str = Field(default="3d", pattern=r"^[1-9][0-9]*[hdwy]$")


class PlatformSettings(_Section):
    """Facts about the platform that templates and GitOps renderers need.

    Development defaults are obviously example values (example.com, account 111122223333).
    """

    domain: str = "apps.example.com"
    certificate_arn: str = (
        "arn:aws:acm:us-east-2:111122223333:certificate/00000000-0000-0000-0000-000000000000"
    )
    alb_group: str = "goldpath-shared"
    aws_account_id: str = Field(default="111122223333", pattern=r"^[0-9]{12}$")
    aws_region: str = Field(default="us-east-2", pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
    ecr_registry_override: str | None = Field(default=None, alias="ecr_registry")
    cluster_name: str = "goldpath-poc"
    kubernetes_version: str = Field(default="1.30", pattern=r"^1\.[0-9]{2}$")
    service_cidr: str = "172.20.0.0/16"
    vpc_cidr: str = "10.0.0.0/16"
    egress_https_cidrs: list[str] = []
    secrets_prefix: str = "goldpath/apps"
    git_host: str = "gitlab.example.com"
    app_group: str = "apps"
    gitops_group: str = "gitops"
    grafana_url: str = "https://grafana.example.com"
    argocd_url: str = "https://argocd.example.com"
    aws_endpoint_url: str | None = Field(
        default=None, description="Override for AWS API calls (a moto server in tests)."
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @property
    def ecr_registry(self) -> str:
        """The ECR registry host for the account and region."""
        if self.ecr_registry_override:
            return self.ecr_registry_override
        return f"{self.aws_account_id}.dkr.ecr.{self.aws_region}.amazonaws.com"


class AwsSettings(_Section):
    """AWS as a Create provisions into it: the app's ECR repository and Secrets Manager secret."""

    endpoint_url: str | None = Field(
        default=None,
        description="AWS API endpoint (a local moto server); default platform.aws_endpoint_url.",
    )
    provision: bool | None = Field(
        default=None,
        description="Run the aws:* steps of a Create; default: in production, or when an "
        "endpoint is set. Off, they are skipped with a line in the task log.",
    )
    ci_permissions_boundary: str = Field(
        default="ecr-apps-push",
        pattern=r"^[A-Za-z0-9+=,.@_-]{1,128}$",
        description="The managed policy (its name in the account) every app's pipeline role "
        "carries as its permissions boundary: the ecr module's app push policy.",
    )
    ci_oidc_issuer: str = Field(
        default="",
        pattern=r"^(https://[^/\s]+(/[^/\s]+)*)?$",
        description="GitLab's OIDC issuer, its external URL as its ID tokens name it and as "
        "IAM registered it (Terraform's gitlab_url), e.g. https://example.com/gitlab for a "
        "GitLab served under a path; empty: https://<platform.git_host>.",
    )


class TechDocsS3Settings(_Section):
    """The S3 bucket built documentation sites are published to (``techdocs.storage: s3``)."""

    bucket: str | None = None
    prefix: str = ""
    region: str | None = Field(default=None, description="Defaults to platform.aws_region.")
    endpoint_url: str | None = Field(
        default=None, description="Defaults to platform.aws_endpoint_url (a moto server in tests)."
    )


class TechDocsSettings(_Section):
    """TechDocs: MkDocs builds in background workers, their limits, allow-lists and storage."""

    enabled: bool = True
    workers: int = Field(default=2, ge=0, le=16)
    storage: Literal["local", "s3"] = "local"
    s3: TechDocsS3Settings = TechDocsS3Settings()
    extra_plugins: list[str] = []
    extra_markdown_extensions: list[str] = []
    build_timeout_seconds: float = Field(default=60.0, gt=0)
    max_source_bytes: int = Field(default=50 * 1024 * 1024, gt=0)
    max_site_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    max_memory_bytes: int = Field(default=2 * 1024 * 1024 * 1024, ge=256 * 1024 * 1024)


class ScorecardSettings(_Section):
    """Scorecards: the platform team's own check files and shipped checks turned off."""

    enabled: bool = Field(
        default=True, description="Score components when the catalog reads their locations."
    )
    check_files: list[Path] = Field(
        default=[],
        description="YAML files of checks added after the shipped ones (docs/scorecards.md).",
    )
    disabled_checks: list[str] = Field(
        default=[], description="Ids of shipped checks to leave out (or to replace)."
    )


class ScratchSettings(_Section):
    """Where short-lived work happens: task workspaces, validation trees, clones."""

    memory: str = Field(
        default="auto",
        description=(
            "'auto': a memory-backed file system (the tmpfs at /dev/shm) when there is one "
            "with memory_min_free_mb free; 'off': always under <home>/tmp; or an absolute "
            "path of a folder to use (a Kubernetes emptyDir with medium: Memory)."
        ),
    )
    memory_min_free_mb: int = Field(
        default=256, ge=0, description="'auto' uses a tmpfs only with this much free."
    )

    @field_validator("memory")
    @classmethod
    def _known_choice(cls, value: str) -> str:
        if value not in ("auto", "off") and not os.path.isabs(value):
            raise ValueError(f"must be 'auto', 'off' or an absolute path, not {value!r}")
        return value


class Settings(BaseSettings):
    """Every setting of goldpath, built once at start-up and passed down."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter=NESTED_DELIMITER,
        extra="forbid",
        case_sensitive=False,
    )

    env: Environment = "development"
    home: Path = Path(".goldpath")
    database_url: str | None = None
    allow_sqlite_in_production: bool = False
    log_level: str = "INFO"
    server: ServerSettings = ServerSettings()
    auth: AuthSettings = AuthSettings()
    catalog: CatalogSettings = CatalogSettings()
    scaffolder: ScaffolderSettings = ScaffolderSettings()
    gitops: GitOpsSettings = GitOpsSettings()
    cli: CliSettings = CliSettings()
    permission: PermissionSettings = PermissionSettings()
    integrations: IntegrationsSettings = IntegrationsSettings()
    platform: PlatformSettings = PlatformSettings()
    aws: AwsSettings = AwsSettings()
    argocd: ServiceEndpoint = ServiceEndpoint()
    grafana: ServiceEndpoint = ServiceEndpoint()
    prometheus: ServiceEndpoint = ServiceEndpoint()
    live: LiveSettings = LiveSettings()
    techdocs: TechDocsSettings = TechDocsSettings()
    scorecards: ScorecardSettings = ScorecardSettings()
    scratch: ScratchSettings = ScratchSettings()

    @model_validator(mode="after")
    def _resolve_paths(self) -> Settings:
        self.home = Path(os.path.abspath(self.home))
        if self.catalog.file_roots is not None:
            self.catalog.file_roots = [Path(os.path.abspath(p)) for p in self.catalog.file_roots]
        self.scorecards.check_files = [
            Path(os.path.abspath(p)) for p in self.scorecards.check_files
        ]
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # goldpath.yaml is passed in as init values by load_settings, so the order is:
        # explicit values < environment variables (GOLDPATH_*) override the files.
        return (env_settings, init_settings)

    @property
    def is_production(self) -> bool:
        """True when running with ``GOLDPATH_ENV=production``."""
        return self.env == "production"

    @property
    def guest_enabled(self) -> bool:
        """Whether guest sign-in is on (explicit setting, else development only)."""
        if self.auth.guest is not None:
            return self.auth.guest
        return not self.is_production

    @property
    def aws_endpoint_url(self) -> str | None:
        """Where AWS calls go: ``aws.endpoint_url``, else ``platform.aws_endpoint_url``."""
        return self.aws.endpoint_url or self.platform.aws_endpoint_url

    @property
    def provisions_aws(self) -> bool:
        """Whether a Create's aws:* steps call AWS (else they are skipped, and say so)."""
        if self.aws.provision is not None:
            return self.aws.provision
        return self.is_production or self.aws_endpoint_url is not None

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under ``home``."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'goldpath.db'}"

    @property
    def instance_id(self) -> str:
        """A short digest of the database URL (password left out): the same for every process
        of one goldpath, so the CLI knows a portal it finds serves its own data."""
        parts = urlsplit(self.resolved_database_url)
        netloc = parts.netloc.rpartition("@")[2]
        user = parts.username
        bare = urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))
        return hashlib.sha256(bare.encode("utf-8")).hexdigest()[:16]

    @property
    def catalog_file_roots(self) -> list[Path]:
        """Where file locations may read: ``catalog.file_roots`` (default: the home) plus
        the folders of the file locations listed in ``catalog.locations``."""
        roots = (
            list(self.catalog.file_roots) if self.catalog.file_roots is not None else [self.home]
        )
        for item in self.catalog.locations:
            if item.type == "file":
                target = item.target.removeprefix("file://")
                roots.append(Path(os.path.dirname(os.path.abspath(target))))
        return roots

    @property
    def git_root(self) -> Path:
        """Where the embedded git host keeps its bare repositories."""
        return self.home / "git"

    @property
    def run_root(self) -> Path:
        """Where the local runner keeps what runs: state files, checkouts, logs, Prometheus."""
        return self.home / "run"

    @property
    def workspace_root(self) -> Path:
        """Where this process's scaffolder tasks get their working directories: inside its
        own folder under `scratch_root`, so a start-up sweep removes a dead one's."""
        from goldpath.scratch import process_scratch

        return process_scratch(self.scratch_root) / "workspaces"

    @property
    def tmp_root(self) -> Path:
        """Where temporary files that must share the home's file system live (staged
        repositories are renamed into ``git/``; built sites into ``techdocs/``)."""
        return self.home / "tmp"

    @property
    def scratch_root(self) -> Path:
        """Where short-lived trees live (workspaces, validation, clones): a memory-backed
        folder when ``scratch.memory`` finds or names one, else `tmp_root`."""
        from goldpath.scratch import memory_scratch

        found = memory_scratch(
            self.scratch.memory, self.scratch.memory_min_free_mb * 1024 * 1024, self.home
        )
        return found if found is not None else self.tmp_root

    def env_var_for(self, key: str) -> str:
        """The environment variable that sets a dotted key (``auth.github.client_id``)."""
        return ENV_PREFIX + key.replace(".", NESTED_DELIMITER).upper()

    def public_dict(self) -> dict[str, Any]:
        """Settings as plain data with every secret masked."""
        return self.model_dump(mode="json")
