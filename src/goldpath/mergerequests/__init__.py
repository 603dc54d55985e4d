"""Merge requests: goldpath's own for the local git host, GitLab's mirrored; one store."""

from goldpath.mergerequests._model import MergeRequest, MergeRequestStatus
from goldpath.mergerequests._service import HostedMergeRequests, MergeRequestService
from goldpath.mergerequests.errors import (
    MergeRequestClosedError,
    MergeRequestError,
    MergeRequestNotFoundError,
    OpenMergeRequestExistsError,
)

__all__ = [
    "HostedMergeRequests",
    "MergeRequest",
    "MergeRequestClosedError",
    "MergeRequestError",
    "MergeRequestNotFoundError",
    "MergeRequestService",
    "MergeRequestStatus",
    "OpenMergeRequestExistsError",
]
