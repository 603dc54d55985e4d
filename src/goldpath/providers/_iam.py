"""The IAM role each app's pipeline pushes its images with, through boto3.

A pipeline gets no stored AWS keys: GitLab gives each job an OIDC ID token, and the job
exchanges it (``sts:AssumeRoleWithWebIdentity``) for the app's own role, which trusts only
tokens of that app's project on its default branch and may push only to that app's ECR
repository. Roles live under `CI_ROLE_PATH` and carry the platform's permissions boundary,
so the portal (allowed to create roles only there, only with that boundary) cannot make
a role that can do more than push images.

Documented calls only: ``GetRole``, ``CreateRole``, ``PutRolePolicy``,
``ListRolePolicies``, ``DeleteRolePolicy``, ``DeleteRole``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from goldpath.providers._aws_clients import AwsClients

__all__ = [
    "CI_ROLE_PATH",
    "CI_ROLE_PREFIX",
    "CiPushRole",
    "CiPushRoles",
    "OIDC_AUDIENCE",
    "ci_trust_policy",
]

CI_ROLE_PATH = "/goldpath-ci/"
"""The IAM path of every app's pipeline role (the portal may create roles only here)."""
CI_ROLE_PREFIX = "goldpath-ci-"
OIDC_AUDIENCE = "sts.amazonaws.com"
"""The ``aud`` a pipeline's ID token carries (``id_tokens`` in .gitlab-ci.yml) and the
role's trust policy requires."""
PUSH_POLICY_NAME = "push-app-images"

Policy = Mapping[str, object]
"""An IAM policy document (JSON)."""


@dataclass(frozen=True, slots=True)
class CiPushRole:
    """One pipeline role as goldpath reads it back."""

    name: str
    arn: str
    tags: dict[str, str] = field(default_factory=dict)


def ci_trust_policy(*, provider_arn: str, issuer: str, project_path: str,
                    branch: str) -> Policy:
    """Trust only ID tokens GitLab issued for ``project_path`` on ``branch``."""
    return {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "PipelineOfThisProjectOnItsDefaultBranch",
            "Effect": "Allow",
            "Principal": {"Federated": provider_arn},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                f"{issuer}:aud": OIDC_AUDIENCE,
                f"{issuer}:sub": f"project_path:{project_path}:ref_type:branch:ref:{branch}",
            }},
        }],
    }


class CiPushRoles:
    """The pipeline roles of the account ``aws`` points at."""

    def __init__(self, aws: AwsClients) -> None:
        self._aws = aws

    def _client(self) -> Any:
        return self._aws.client("iam")

    def find(self, name: str) -> CiPushRole | None:
        """The role, or None when there is none of that name."""
        from goldpath.providers._aws import AwsNotFoundError, aws_errors

        try:
            with aws_errors("iam:GetRole", resource=name):
                role = self._client().get_role(RoleName=name)["Role"]
        except AwsNotFoundError:
            return None
        tags = {str(t["Key"]): str(t["Value"]) for t in role.get("Tags") or []}
        return CiPushRole(name=str(role["RoleName"]), arn=str(role["Arn"]), tags=tags)

    def create(self, name: str, *, trust: Policy, boundary_arn: str,
               description: str, tags: dict[str, str]) -> CiPushRole:
        """Create the role under `CI_ROLE_PATH` with the permissions boundary."""
        from goldpath.providers._aws import aws_errors

        with aws_errors("iam:CreateRole", resource=name):
            role = self._client().create_role(
                Path=CI_ROLE_PATH,
                RoleName=name,
                AssumeRolePolicyDocument=json.dumps(trust),
                Description=description,
                MaxSessionDuration=3600,
                PermissionsBoundary=boundary_arn,
                Tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            )["Role"]
        return CiPushRole(name=str(role["RoleName"]), arn=str(role["Arn"]), tags=dict(tags))

    def put_push_policy(self, name: str, policy: Policy) -> None:
        """Set the role's one inline policy (what it may push: ``gitops.ecr_push_policy``)."""
        from goldpath.providers._aws import aws_errors

        with aws_errors("iam:PutRolePolicy", resource=name):
            self._client().put_role_policy(
                RoleName=name, PolicyName=PUSH_POLICY_NAME, PolicyDocument=json.dumps(policy)
            )

    def delete(self, name: str) -> None:
        """Delete the role and its inline policies (IAM refuses a role that has any)."""
        from goldpath.providers._aws import aws_errors

        client = self._client()
        with aws_errors("iam:ListRolePolicies", resource=name):
            policies = client.list_role_policies(RoleName=name)["PolicyNames"]
        for policy in policies:
            with aws_errors("iam:DeleteRolePolicy", resource=name):
                client.delete_role_policy(RoleName=name, PolicyName=policy)
        with aws_errors("iam:DeleteRole", resource=name):
            client.delete_role(RoleName=name)
