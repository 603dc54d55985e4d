"""The IAM policy the app's pipeline uses to push its image to its own ECR repository."""

from __future__ import annotations

from typing import Any

from goldpath.gitops._names import ecr_repository_name
from goldpath.gitops._spec import AppSpec

__all__ = ["ecr_policy", "ecr_push_policy", "ecr_repository_arn"]

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


def ecr_push_policy(repository_arn: str) -> dict[str, Any]:
    """Push/pull on one repository only, plus the account-wide auth token: the inline
    policy of the app pipeline's role (``aws:ecr:create``)."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "GetAuthorizationToken", "Effect": "Allow",
             "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {"Sid": "PushPullOwnRepository", "Effect": "Allow",
             "Action": list(_PUSH_PULL), "Resource": [repository_arn]},
        ],
    }


def ecr_policy(spec: AppSpec) -> dict[str, Any]:
    """The app's push policy as its GitOps repository documents it (``iam/``)."""
    return ecr_push_policy(ecr_repository_arn(spec))
