"""Tables of the fleet: a copy of every template version a repository was made from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from goldpath.db import Base

__all__ = ["TemplateSnapshotRow"]


class TemplateSnapshotRow(Base):
    """One template version: its entity and every file of its folder (base64), so an
    upgrade can render the version a repository was made from after the template moved on."""

    __tablename__ = "fleet_template_snapshots"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    template_ref: Mapped[str] = mapped_column(String(1024), index=True)
    human_version: Mapped[str | None] = mapped_column(String(100), nullable=True)
    entity: Mapped[dict[str, Any]] = mapped_column(JSON)
    files: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
