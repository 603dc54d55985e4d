"""Tables of promotions: each promotion and each approval, with who and when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from goldpath.db import Base

__all__ = ["PromotionApprovalRow", "PromotionRow"]


class PromotionRow(Base):
    """One promotion of a component's image tag to an environment."""

    __tablename__ = "promotions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    entity_ref: Mapped[str] = mapped_column(String(1024), index=True)
    app: Mapped[str] = mapped_column(String(100))
    repository: Mapped[str] = mapped_column(String(400))
    source: Mapped[str] = mapped_column(String(16))
    environment: Mapped[str] = mapped_column(String(16))
    tag: Mapped[str] = mapped_column(String(128))
    previous_tag: Mapped[str] = mapped_column(String(128))
    merge_request_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(32), index=True)
    requested_by: Mapped[str] = mapped_column(String(512))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    merged_by: Mapped[str | None] = mapped_column(String(512), nullable=True)
    merged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    merge_commit_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)


class PromotionApprovalRow(Base):
    """One approval of a promotion."""

    __tablename__ = "promotion_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    promotion_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("promotions.id", ondelete="CASCADE"), index=True
    )
    user: Mapped[str] = mapped_column(String(512))
    role: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
