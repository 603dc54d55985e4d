"""Providers: one subpackage per external system, each behind a small Protocol.

``goldpath.providers.git`` holds the git hosts (local bare repositories, GitLab, GitHub).
"""

from typing import Any

from goldpath.providers._aws_clients import AwsClients
from goldpath.providers._ecr import EcrRepositories, EcrRepository, keep_last_images_policy
from goldpath.providers._gitlab_projects import (
    AccessToken,
    GitLabProjectError,
    GitLabProjects,
    ProjectVariable,
)
from goldpath.providers._iam import (
    CI_ROLE_PATH,
    CI_ROLE_PREFIX,
    OIDC_AUDIENCE,
    CiPushRole,
    CiPushRoles,
    ci_trust_policy,
)
from goldpath.providers._secrets_manager import SecretInfo, SecretsManagerSecrets

__all__ = [
    "CI_ROLE_PATH",
    "CI_ROLE_PREFIX",
    "OIDC_AUDIENCE",
    "AccessToken",
    "ArgoApplication",
    "ArgoCdApplicationNotFoundError",
    "ArgoCdClient",
    "ArgoCdError",
    "AwsAccessDeniedError",
    "AwsClients",
    "AwsConflictError",
    "AwsError",
    "AwsNotFoundError",
    "CiPushRole",
    "CiPushRoles",
    "EcrRepositories",
    "EcrRepository",
    "GitLabPipelineError",
    "GitLabPipelines",
    "GitLabProjectError",
    "GitLabProjects",
    "Pipeline",
    "PipelineStage",
    "ProjectVariable",
    "PrometheusClient",
    "PrometheusError",
    "SecretInfo",
    "SecretsManagerSecrets",
    "Series",
    "ServiceUnavailableError",
    "aws_client",
    "aws_errors",
    "ci_trust_policy",
    "keep_last_images_policy",
    "parse_kube_time",
]

# Each name loads its module on first use: boto3 costs seconds of import time, python-gitlab
# and httpx less, and a portal that never calls AWS, Argo CD or Prometheus pays for none.
_MODULES = {
    "_aws": (
        "AwsAccessDeniedError",
        "AwsConflictError",
        "AwsError",
        "AwsNotFoundError",
        "aws_client",
        "aws_errors",
    ),
    "_argocd": (
        "ArgoApplication",
        "ArgoCdApplicationNotFoundError",
        "ArgoCdClient",
        "ArgoCdError",
        "parse_kube_time",
    ),
    "_gitlab_pipelines": ("GitLabPipelineError", "GitLabPipelines", "Pipeline", "PipelineStage"),
    "_http": ("ServiceUnavailableError",),
    "_prometheus": ("PrometheusClient", "PrometheusError", "Series"),
}


def __getattr__(name: str) -> Any:
    for module_name, names in _MODULES.items():
        if name in names:
            import importlib

            module = importlib.import_module(f"goldpath.providers.{module_name}")
            return getattr(module, name)
    raise AttributeError(f"module 'goldpath.providers' has no attribute {name!r}")
