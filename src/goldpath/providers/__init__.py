"""Providers: one subpackage per external system, each behind a small Protocol.

``goldpath.providers.git`` holds the git hosts (local bare repositories, GitLab, GitHub).
"""

from typing import Any

from goldpath.providers._aws_clients import AwsClients

__all__ = [
    "AwsAccessDeniedError",
    "AwsClients",
    "AwsConflictError",
    "AwsError",
    "AwsNotFoundError",
    "aws_client",
    "aws_errors",
]


_AWS_NAMES = frozenset(__all__) - {"AwsClients"}


def __getattr__(name: str) -> Any:
    # The AWS helpers load boto3 (seconds of import time); only AWS users pay for it.
    if name in _AWS_NAMES:
        from goldpath.providers import _aws

        return getattr(_aws, name)
    raise AttributeError(f"module 'goldpath.providers' has no attribute {name!r}")
