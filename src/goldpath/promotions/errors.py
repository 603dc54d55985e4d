"""Errors of promotions; each subclasses one of goldpath's categories."""

from __future__ import annotations

from goldpath.errors import ConflictError, NotFoundError, PermissionDeniedError

__all__ = [
    "PromotionClosedError",
    "PromotionNotFoundError",
    "PromotionPendingError",
    "SelfApprovalError",
]


class PromotionNotFoundError(NotFoundError):
    """No promotion with that id."""


class PromotionClosedError(ConflictError):
    """The promotion is no longer waiting for an approval."""


class PromotionPendingError(ConflictError):
    """A promotion to the same environment of the component is still waiting."""


class SelfApprovalError(PermissionDeniedError):
    """Whoever requested a promotion may not approve it (separation of duties)."""
