"""A promotion as goldpath keeps it: a merge request on the GitOps repo plus its approvals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["APPROVAL_REQUIRED", "Approval", "Promotion", "PromotionStatus"]

APPROVAL_REQUIRED: frozenset[str] = frozenset({"prod"})
"""Environments whose promotions wait for someone other than the requester to approve."""


class PromotionStatus(StrEnum):
    """Where a promotion stands."""

    AWAITING_APPROVAL = "awaiting-approval"
    MERGED = "merged"
    CLOSED = "closed"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class Approval:
    """One approval: who gave it, when, and in which role (``owner`` or ``admin``)."""

    user: str
    role: str
    at: datetime

    def as_dict(self) -> dict[str, object]:
        """The API's JSON shape."""
        return {"user": self.user, "role": self.role, "at": _iso(self.at)}


@dataclass(frozen=True, slots=True)
class Promotion:
    """Moving one image tag from ``source`` to ``environment`` of one component.

    ``previous_tag`` is what ``environment`` ran when the promotion was requested; the
    change is the merge request ``merge_request_id`` on the GitOps repository.
    """

    id: int
    entity_ref: str
    app: str
    repository: str
    source: str
    environment: str
    tag: str
    previous_tag: str
    merge_request_id: int
    status: PromotionStatus
    requested_by: str
    requested_at: datetime
    merged_by: str | None
    merged_at: datetime | None
    merge_commit_sha: str | None
    approvals: tuple[Approval, ...]

    @property
    def is_waiting(self) -> bool:
        """Whether it still waits for an approval."""
        return self.status is PromotionStatus.AWAITING_APPROVAL

    def as_dict(self) -> dict[str, object]:
        """The API's JSON shape (camelCase, ISO times)."""
        return {
            "id": self.id,
            "entityRef": self.entity_ref,
            "app": self.app,
            "repository": self.repository,
            "from": self.source,
            "to": self.environment,
            "tag": self.tag,
            "previousTag": self.previous_tag,
            "mergeRequestId": self.merge_request_id,
            "status": self.status.value,
            "requestedBy": self.requested_by,
            "requestedAt": _iso(self.requested_at),
            "mergedBy": self.merged_by,
            "mergedAt": _iso(self.merged_at),
            "mergeCommitSha": self.merge_commit_sha,
            "approvals": [approval.as_dict() for approval in self.approvals],
        }
