"""A merge request as goldpath keeps it, and its typed status."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

__all__ = ["MergeRequest", "MergeRequestStatus"]


class MergeRequestStatus(StrEnum):
    """Where a merge request stands (GitLab's state names)."""

    OPENED = "opened"
    MERGED = "merged"
    CLOSED = "closed"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass(frozen=True, slots=True)
class MergeRequest:
    """A proposal to merge ``source_branch`` into ``target_branch`` of one repository.

    ``host`` and ``repository`` (``owner/name``) say where; ``external_id`` and
    ``web_url`` are the host's own number and page when the host keeps merge requests
    itself (GitLab), None for the local git host, where goldpath is the keeper.
    ``conflicts`` lists the files that carry conflict markers (such a request is a draft).
    """

    id: int
    host: str
    repository: str
    source_branch: str
    target_branch: str
    title: str
    description: str
    author: str
    entity_ref: str | None
    status: MergeRequestStatus
    draft: bool
    conflicts: tuple[str, ...]
    labels: tuple[str, ...]
    approved_by: tuple[str, ...]
    external_id: str | None
    web_url: str | None
    merge_commit_sha: str | None
    merged_by: str | None
    closed_by: str | None
    created_at: datetime
    updated_at: datetime
    merged_at: datetime | None
    closed_at: datetime | None

    @property
    def owner(self) -> str:
        """The repository's owner (group path)."""
        return self.repository.rpartition("/")[0]

    @property
    def name(self) -> str:
        """The repository's name."""
        return self.repository.rpartition("/")[2]

    @property
    def is_open(self) -> bool:
        """Whether it may still be merged or closed."""
        return self.status is MergeRequestStatus.OPENED

    def as_dict(self) -> dict[str, Any]:
        """The API's JSON shape (camelCase, ISO times)."""
        return {
            "id": self.id,
            "host": self.host,
            "repository": self.repository,
            "sourceBranch": self.source_branch,
            "targetBranch": self.target_branch,
            "title": self.title,
            "description": self.description,
            "author": self.author,
            "entityRef": self.entity_ref,
            "status": self.status.value,
            "draft": self.draft,
            "conflicts": list(self.conflicts),
            "labels": list(self.labels),
            "approvedBy": list(self.approved_by),
            "externalId": self.external_id,
            "webUrl": self.web_url,
            "mergeCommitSha": self.merge_commit_sha,
            "mergedBy": self.merged_by,
            "closedBy": self.closed_by,
            "createdAt": _iso(self.created_at),
            "updatedAt": _iso(self.updated_at),
            "mergedAt": _iso(self.merged_at),
            "closedAt": _iso(self.closed_at),
        }
