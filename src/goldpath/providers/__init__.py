"""Providers: one subpackage per external system, each behind a small Protocol.

``goldpath.providers.git`` holds the git hosts (local bare repositories, GitLab, GitHub).
"""

from goldpath.providers._aws import (
    AwsAccessDeniedError,
    AwsConflictError,
    AwsError,
    AwsNotFoundError,
    aws_client,
    aws_errors,
)

__all__ = [
    "AwsAccessDeniedError",
    "AwsConflictError",
    "AwsError",
    "AwsNotFoundError",
    "aws_client",
    "aws_errors",
]
