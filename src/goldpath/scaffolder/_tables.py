"""Scaffolder tables: tasks, their append-only event log, and name reservations."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
)

from goldpath.db import Base

__all__ = ["reservations", "task_events", "tasks"]

metadata = Base.metadata

tasks = Table(
    "scaffolder_tasks",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("spec", JSON, nullable=False),
    Column("secrets", JSON, nullable=True),
    Column("created_by", String(400), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("heartbeat_at", DateTime(timezone=True), nullable=True),
    Column("claimed_by", String(64), nullable=True),
    Column("cancel_requested", Boolean, nullable=False, default=False),
    Column("steps", JSON, nullable=False),
    Column("undo", JSON, nullable=False),
    Column("output", JSON, nullable=True),
    Column("error", JSON, nullable=True),
    Column("reserved_name", String(255), nullable=True),
    Index("ix_scaffolder_tasks_status_created", "status", "created_at"),
    Index("ix_scaffolder_tasks_created_by", "created_by"),
)

task_events = Table(
    "scaffolder_task_events",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column(
        "task_id", String(36), ForeignKey("scaffolder_tasks.id", ondelete="CASCADE"), nullable=False
    ),
    Column("type", String(16), nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_scaffolder_task_events_task", "task_id", "id"),
)

reservations = Table(
    "scaffolder_reservations",
    metadata,
    Column("name", String(255), primary_key=True),
    Column(
        "task_id", String(36), ForeignKey("scaffolder_tasks.id", ondelete="CASCADE"), nullable=False
    ),
    Column("created_by", String(400), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)
