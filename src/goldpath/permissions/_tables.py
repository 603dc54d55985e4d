"""Tables of the permissions package: the audit log of decisions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from goldpath.db import Base

__all__ = ["AuditRow"]


class AuditRow(Base):
    """One recorded decision: who, which permission, on what, the answer and the rule."""

    __tablename__ = "permission_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    actor: Mapped[str] = mapped_column(String(512), index=True)
    permission: Mapped[str] = mapped_column(String(100), index=True)
    resource_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    resource: Mapped[str | None] = mapped_column(String(1024), nullable=True, index=True)
    decision: Mapped[str] = mapped_column(String(8))
    rule: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(1000))
