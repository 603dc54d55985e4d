"""Tables of the git server: the push log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from goldpath.db import Base

__all__ = ["PushRow"]


class PushRow(Base):
    """One ref an accepted push moved: who, which repository, which ref, old -> new."""

    __tablename__ = "git_pushes"
    __table_args__ = (Index("ix_git_pushes_repo", "owner", "repo", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    user_ref: Mapped[str] = mapped_column(String(512), index=True)
    owner: Mapped[str] = mapped_column(String(255))
    repo: Mapped[str] = mapped_column(String(255))
    ref: Mapped[str] = mapped_column(String(1024))
    old: Mapped[str] = mapped_column(String(64))
    new: Mapped[str] = mapped_column(String(64))
