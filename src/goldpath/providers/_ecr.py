"""ECR repositories through boto3: find, create (scan on push, immutable tags, KMS), delete.

Documented calls only: ``DescribeRepositories``, ``ListTagsForResource``,
``CreateRepository``, ``PutLifecyclePolicy``, ``GetLifecyclePolicy``, ``DeleteRepository``.
boto3 loads on first use (through ``AwsClients``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from goldpath.providers._aws_clients import AwsClients

__all__ = ["EcrRepositories", "EcrRepository", "keep_last_images_policy"]


@dataclass(frozen=True, slots=True)
class EcrRepository:
    """One ECR repository as goldpath reads it back."""

    name: str
    arn: str
    uri: str
    scan_on_push: bool
    tag_mutability: str
    encryption_type: str
    tags: dict[str, str] = field(default_factory=dict)


def keep_last_images_policy(count: int) -> dict[str, Any]:
    """A lifecycle policy that expires every image but the newest ``count``."""
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"Keep the last {count} images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": count,
                },
                "action": {"type": "expire"},
            }
        ]
    }


def _tags(pairs: list[dict[str, str]]) -> dict[str, str]:
    return {str(p["Key"]): str(p["Value"]) for p in pairs}


class EcrRepositories:
    """The ECR repositories of the account and region ``aws`` points at."""

    def __init__(self, aws: AwsClients) -> None:
        self._aws = aws

    def _client(self) -> Any:
        return self._aws.client("ecr")

    def find(self, name: str) -> EcrRepository | None:
        """The repository called ``name`` with its tags, or None when there is none."""
        from goldpath.providers._aws import AwsNotFoundError, aws_errors

        client = self._client()
        try:
            with aws_errors("ecr:DescribeRepositories", repository=name):
                found = client.describe_repositories(repositoryNames=[name])["repositories"]
        except AwsNotFoundError:
            return None
        if not found:
            return None
        repo = found[0]
        with aws_errors("ecr:ListTagsForResource", repository=name):
            tags = client.list_tags_for_resource(resourceArn=repo["repositoryArn"])["tags"]
        scanning = repo.get("imageScanningConfiguration") or {}
        encryption = repo.get("encryptionConfiguration") or {}
        return EcrRepository(
            name=str(repo["repositoryName"]),
            arn=str(repo["repositoryArn"]),
            uri=str(repo["repositoryUri"]),
            scan_on_push=bool(scanning.get("scanOnPush")),
            tag_mutability=str(repo.get("imageTagMutability") or "MUTABLE"),
            encryption_type=str(encryption.get("encryptionType") or "AES256"),
            tags=_tags(tags),
        )

    def create(
        self, name: str, *, tags: dict[str, str], kms_key: str | None = None
    ) -> EcrRepository:
        """Create ``name``: scan on push, IMMUTABLE tags, KMS encryption, with ``tags``."""
        encryption: dict[str, str] = {"encryptionType": "KMS"}
        if kms_key:
            encryption["kmsKey"] = kms_key
        from goldpath.providers._aws import aws_errors

        with aws_errors("ecr:CreateRepository", repository=name):
            self._client().create_repository(
                repositoryName=name,
                imageTagMutability="IMMUTABLE",
                imageScanningConfiguration={"scanOnPush": True},
                encryptionConfiguration=encryption,
                tags=[{"Key": k, "Value": v} for k, v in sorted(tags.items())],
            )
        found = self.find(name)
        if found is None:  # AWS said it made it; reading it back must work
            from goldpath.providers._aws import AwsError

            raise AwsError(f"ECR created {name} but does not return it", repository=name)
        return found

    def put_lifecycle_policy(self, name: str, policy: dict[str, Any]) -> None:
        """Set the repository's lifecycle policy."""
        from goldpath.providers._aws import aws_errors

        with aws_errors("ecr:PutLifecyclePolicy", repository=name):
            self._client().put_lifecycle_policy(
                repositoryName=name, lifecyclePolicyText=json.dumps(policy, sort_keys=True)
            )

    def lifecycle_policy(self, name: str) -> dict[str, Any] | None:
        """The repository's lifecycle policy, or None when it has none."""
        from goldpath.providers._aws import AwsNotFoundError, aws_errors

        try:
            with aws_errors("ecr:GetLifecyclePolicy", repository=name):
                text = self._client().get_lifecycle_policy(repositoryName=name)
        except AwsNotFoundError:
            return None
        policy: dict[str, Any] = json.loads(text["lifecyclePolicyText"])
        return policy

    def delete(self, name: str) -> None:
        """Delete the repository and every image in it."""
        from goldpath.providers._aws import aws_errors

        with aws_errors("ecr:DeleteRepository", repository=name):
            self._client().delete_repository(repositoryName=name, force=True)
