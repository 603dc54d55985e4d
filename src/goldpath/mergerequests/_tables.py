"""Tables of the merge-request store: one row per merge request goldpath opened or keeps."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from goldpath.db import Base

__all__ = ["MergeRequestRow"]


class MergeRequestRow(Base):
    """A merge request: which repository, which branches, its state and who did what."""

    __tablename__ = "merge_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    host: Mapped[str] = mapped_column(String(255))
    repository: Mapped[str] = mapped_column(String(512))
    source_branch: Mapped[str] = mapped_column(String(255))
    target_branch: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(512))
    entity_ref: Mapped[str | None] = mapped_column(String(1024), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    draft: Mapped[bool] = mapped_column(Boolean)
    conflicts: Mapped[list[str]] = mapped_column(JSON)
    labels: Mapped[list[str]] = mapped_column(JSON)
    approved_by: Mapped[list[str]] = mapped_column(JSON)
    external_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    web_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    merge_commit_sha: Mapped[str | None] = mapped_column(String(64), nullable=True)
    merged_by: Mapped[str | None] = mapped_column(String(512), nullable=True)
    closed_by: Mapped[str | None] = mapped_column(String(512), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    merged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__: Any = (
        Index("ix_merge_requests_entity_ref", "entity_ref"),
        Index("ix_merge_requests_status", "status"),
        Index("ix_merge_requests_repository", "host", "repository"),
        # at most one open merge request per source branch of a repository
        Index(
            "uq_merge_requests_open_source",
            "host",
            "repository",
            "source_branch",
            unique=True,
            sqlite_where=text("status = 'opened'"),
            postgresql_where=text("status = 'opened'"),
        ),
    )
