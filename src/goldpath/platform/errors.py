"""Errors of the operator commands; each subclasses one of goldpath's categories."""

from __future__ import annotations

from goldpath.errors import ConflictError, InvalidInputError, NotFoundError, ProviderError

__all__ = [
    "AppBranchNotFoundError",
    "AppRepoNotFoundError",
    "BucketOwnedElsewhereError",
    "CommandFailedError",
    "InvalidRegionError",
    "KubeContextError",
    "ManifestFileError",
    "PlatformError",
    "RolloutTimeoutError",
    "SmokeCheckError",
    "SplitTargetNotEmptyError",
    "TerraformFileError",
    "ToolMissingError",
]


class PlatformError(ProviderError):
    """An operator step against AWS, Kubernetes or a local tool failed."""


class ToolMissingError(PlatformError):
    """A required command-line tool (docker, kubectl, git) is not installed."""


class CommandFailedError(PlatformError):
    """An external command exited non-zero; the message says which step and what to do."""


class KubeContextError(PlatformError):
    """kubectl has no usable context for the target cluster."""


class RolloutTimeoutError(PlatformError):
    """A Deployment did not become ready in time."""


class SmokeCheckError(PlatformError):
    """The deployed portal did not answer its health check."""


class BucketOwnedElsewhereError(ConflictError):
    """The state bucket name is taken by another AWS account."""


class InvalidRegionError(InvalidInputError):
    """The AWS region name is not a region."""


class AppRepoNotFoundError(NotFoundError):
    """The application repository to deploy could not be cloned."""


class AppBranchNotFoundError(NotFoundError):
    """The repository exists but has no such branch."""


class SplitTargetNotEmptyError(ConflictError):
    """The split target directory already has content; nothing was written."""


class TerraformFileError(InvalidInputError):
    """A Terraform file could not be read or parsed."""


class ManifestFileError(InvalidInputError):
    """A manifest file of the portal could not be read or parsed."""
