"""Tables of the web auth package: personal API tokens (hashed at rest)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from goldpath.db import Base

__all__ = ["ApiTokenRow"]


class ApiTokenRow(Base):
    """One personal API token: public id, owner, label and the SHA-256 of its secret."""

    __tablename__ = "auth_api_tokens"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_ref: Mapped[str] = mapped_column(String(512), index=True)
    name: Mapped[str] = mapped_column(String(100))
    secret_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
