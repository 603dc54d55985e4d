"""Settings: goldpath.yaml + overlay + GOLDPATH_* environment, and the start-up validator."""

from goldpath.config._check import ConfigProblem, check_settings
from goldpath.config._loader import load_settings, substitute_env
from goldpath.config._models import (
    AuthSettings,
    CatalogLocationSettings,
    CatalogReadingSettings,
    CatalogSettings,
    CliSettings,
    Environment,
    GitHubAuthSettings,
    GitIntegration,
    IntegrationsSettings,
    LiveSettings,
    PermissionSettings,
    PlatformSettings,
    ReadingAllowRule,
    ScaffolderSettings,
    ServerSettings,
    ServiceEndpoint,
    Settings,
    TechDocsS3Settings,
    TechDocsSettings,
)
from goldpath.config.errors import ConfigError

__all__ = [
    "AuthSettings",
    "CatalogLocationSettings",
    "CatalogReadingSettings",
    "CatalogSettings",
    "CliSettings",
    "ConfigError",
    "ConfigProblem",
    "Environment",
    "GitHubAuthSettings",
    "GitIntegration",
    "IntegrationsSettings",
    "LiveSettings",
    "PermissionSettings",
    "PlatformSettings",
    "ReadingAllowRule",
    "ScaffolderSettings",
    "ServerSettings",
    "ServiceEndpoint",
    "Settings",
    "TechDocsS3Settings",
    "TechDocsSettings",
    "check_settings",
    "load_settings",
    "substitute_env",
]
