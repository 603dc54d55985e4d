"""Secrets Manager secrets through boto3: find, create with tags, resource policy, delete.

Documented calls only: ``DescribeSecret``, ``CreateSecret``, ``PutResourcePolicy``
(``BlockPublicPolicy``), ``GetResourcePolicy``, ``DeleteSecret``
(``ForceDeleteWithoutRecovery``, so a rolled-back name can be used again at once).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from goldpath.providers._aws_clients import AwsClients

__all__ = ["SecretInfo", "SecretsManagerSecrets"]

@dataclass(frozen=True, slots=True)
class SecretInfo:
    """One secret's metadata (never its value)."""

    name: str
    arn: str
    tags: dict[str, str] = field(default_factory=dict)
    scheduled_for_deletion: bool = False


class SecretsManagerSecrets:
    """The secrets of the account and region ``aws`` points at."""

    def __init__(self, aws: AwsClients) -> None:
        self._aws = aws

    def _client(self) -> Any:
        return self._aws.client("secretsmanager")

    def find(self, name: str) -> SecretInfo | None:
        """The secret called ``name`` (also one scheduled for deletion), or None."""
        from goldpath.providers._aws import AwsNotFoundError, aws_errors

        try:
            with aws_errors("secretsmanager:DescribeSecret", secret=name):
                found = self._client().describe_secret(SecretId=name)
        except AwsNotFoundError:
            return None
        return SecretInfo(
            name=str(found["Name"]),
            arn=str(found["ARN"]),
            tags={str(t["Key"]): str(t["Value"]) for t in found.get("Tags") or []},
            scheduled_for_deletion=found.get("DeletedDate") is not None,
        )

    def create(
        self,
        name: str,
        *,
        description: str,
        tags: dict[str, str],
        initial_value: str,
        kms_key_id: str | None = None,
    ) -> SecretInfo:
        """Create ``name`` with ``tags`` and a first value."""
        from goldpath.providers._aws import aws_errors

        args: dict[str, Any] = {
            "Name": name,
            "Description": description,
            "SecretString": initial_value,
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(tags.items())],
        }
        if kms_key_id:
            args["KmsKeyId"] = kms_key_id
        with aws_errors("secretsmanager:CreateSecret", secret=name):
            made = self._client().create_secret(**args)
        return SecretInfo(name=str(made["Name"]), arn=str(made["ARN"]), tags=dict(tags))

    def put_resource_policy(self, secret_id: str, policy: dict[str, Any]) -> None:
        """Attach ``policy``; AWS refuses one that would make the secret public."""
        from goldpath.providers._aws import aws_errors

        with aws_errors("secretsmanager:PutResourcePolicy", secret=secret_id):
            self._client().put_resource_policy(
                SecretId=secret_id,
                ResourcePolicy=json.dumps(policy, sort_keys=True),
                BlockPublicPolicy=True,
            )

    def resource_policy(self, secret_id: str) -> dict[str, Any] | None:
        """The secret's resource policy, or None when it has none."""
        from goldpath.providers._aws import aws_errors

        with aws_errors("secretsmanager:GetResourcePolicy", secret=secret_id):
            found = self._client().get_resource_policy(SecretId=secret_id)
        text = found.get("ResourcePolicy")
        if not text:
            return None
        policy: dict[str, Any] = json.loads(text)
        return policy

    def delete(self, secret_id: str) -> None:
        """Delete the secret now, without the recovery window."""
        from goldpath.providers._aws import aws_errors

        with aws_errors("secretsmanager:DeleteSecret", secret=secret_id):
            self._client().delete_secret(SecretId=secret_id, ForceDeleteWithoutRecovery=True)
