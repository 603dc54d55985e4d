"""Providers: one subpackage per external system, each behind a small Protocol.

``goldpath.providers.git`` holds the git hosts (local bare repositories, GitLab, GitHub).
"""

from typing import Any

__all__ = [
    "AwsAccessDeniedError",
    "AwsConflictError",
    "AwsError",
    "AwsNotFoundError",
    "aws_client",
    "aws_errors",
]


def __getattr__(name: str) -> Any:
    # The AWS helpers load boto3 (seconds of import time); only AWS users pay for it.
    if name in __all__:
        from goldpath.providers import _aws

        return getattr(_aws, name)
    raise AttributeError(f"module 'goldpath.providers' has no attribute {name!r}")
