"""scaffolder: tasks, task events and name reservations.

Revision ID: scaffolder_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "scaffolder_0001"
down_revision = None
branch_labels = ("scaffolder",)
depends_on = None


def upgrade() -> None:
    """Create the scaffolder tables and their indexes."""
    op.create_table(
        "scaffolder_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("spec", sa.JSON, nullable=False),
        sa.Column("secrets", sa.JSON, nullable=True),
        sa.Column("created_by", sa.String(400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(64), nullable=True),
        sa.Column("cancel_requested", sa.Boolean, nullable=False),
        sa.Column("steps", sa.JSON, nullable=False),
        sa.Column("undo", sa.JSON, nullable=False),
        sa.Column("output", sa.JSON, nullable=True),
        sa.Column("error", sa.JSON, nullable=True),
        sa.Column("reserved_name", sa.String(255), nullable=True),
    )
    op.create_index(
        "ix_scaffolder_tasks_status_created", "scaffolder_tasks", ["status", "created_at"]
    )
    op.create_index("ix_scaffolder_tasks_created_by", "scaffolder_tasks", ["created_by"])
    op.create_table(
        "scaffolder_task_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer, "sqlite"),
            primary_key=True,
            autoincrement=True,
        ),
        sa.Column(
            "task_id",
            sa.String(36),
            sa.ForeignKey("scaffolder_tasks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("body", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scaffolder_task_events_task", "scaffolder_task_events", ["task_id", "id"])
    op.create_table(
        "scaffolder_reservations",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column(
            "task_id",
            sa.String(36),
            sa.ForeignKey("scaffolder_tasks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("created_by", sa.String(400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    """Drop the scaffolder tables."""
    op.drop_table("scaffolder_reservations")
    op.drop_index("ix_scaffolder_task_events_task", table_name="scaffolder_task_events")
    op.drop_table("scaffolder_task_events")
    op.drop_index("ix_scaffolder_tasks_created_by", table_name="scaffolder_tasks")
    op.drop_index("ix_scaffolder_tasks_status_created", table_name="scaffolder_tasks")
    op.drop_table("scaffolder_tasks")
