"""Promotions: move an image tag dev -> staging -> prod through a merge request on the
GitOps repository, with separation of duties (prod waits for someone else's approval)."""

from goldpath.promotions._model import APPROVAL_REQUIRED, Approval, Promotion, PromotionStatus
from goldpath.promotions._service import (
    BranchingHost,
    EnvironmentState,
    PromotionService,
    app_of,
)
from goldpath.promotions.errors import (
    PromotionClosedError,
    PromotionNotFoundError,
    PromotionPendingError,
    SelfApprovalError,
)

__all__ = [
    "APPROVAL_REQUIRED",
    "Approval",
    "BranchingHost",
    "EnvironmentState",
    "Promotion",
    "PromotionClosedError",
    "PromotionNotFoundError",
    "PromotionPendingError",
    "PromotionService",
    "PromotionStatus",
    "SelfApprovalError",
    "app_of",
]
