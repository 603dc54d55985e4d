"""The IAM policy the app's pipeline uses to push its image to its own ECR repository."""

from __future__ import annotations

from typing import Any

from goldpath.gitops._names import ecr_repository_name
from goldpath.gitops._spec import AppSpec

__all__ = ["ecr_policy", "ecr_repository_arn"]

_PUSH_PULL = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)


def ecr_repository_arn(spec: AppSpec) -> str:
    """ARN of the app's own ECR repository (``apps/<app>``)."""
    platform = spec.platform
    return (
        f"arn:aws:ecr:{platform.aws_region}:{platform.aws_account_id}:"
        f"repository/{ecr_repository_name(spec.name)}"
    )


def ecr_policy(spec: AppSpec) -> dict[str, Any]:
    """Push/pull on the app's repository only, plus the account-wide auth token."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "GetAuthorizationToken", "Effect": "Allow",
             "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {"Sid": "PushPullOwnRepository", "Effect": "Allow",
             "Action": list(_PUSH_PULL), "Resource": [ecr_repository_arn(spec)]},
        ],
    }
