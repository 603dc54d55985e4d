"""Merge requests: goldpath's own for the local git host, GitLab's mirrored; one store."""

from goldpath.mergerequests._model import MergeRequest, MergeRequestJson, MergeRequestStatus
from goldpath.mergerequests._service import (
    HostedMergeRequests,
    MergeListener,
    MergeRequestService,
)
from goldpath.mergerequests.errors import (
    MergeRequestClosedError,
    MergeRequestError,
    MergeRequestNotFoundError,
    OpenMergeRequestExistsError,
)

__all__ = [
    "HostedMergeRequests",
    "MergeListener",
    "MergeRequest",
    "MergeRequestClosedError",
    "MergeRequestError",
    "MergeRequestJson",
    "MergeRequestNotFoundError",
    "MergeRequestService",
    "MergeRequestStatus",
    "OpenMergeRequestExistsError",
]
