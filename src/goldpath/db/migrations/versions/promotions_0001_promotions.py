"""promotions: promotions of image tags between environments and their approvals.

Revision ID: promotions_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "promotions_0001"
down_revision = None
branch_labels = ("promotions",)
depends_on = None


def upgrade() -> None:
    """Create the promotions and approvals tables."""
    op.create_table(
        "promotions",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("entity_ref", sa.String(1024), nullable=False),
        sa.Column("app", sa.String(100), nullable=False),
        sa.Column("repository", sa.String(400), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("tag", sa.String(128), nullable=False),
        sa.Column("previous_tag", sa.String(128), nullable=False),
        sa.Column("merge_request_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("requested_by", sa.String(512), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_by", sa.String(512), nullable=True),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("merge_commit_sha", sa.String(64), nullable=True),
    )
    op.create_index("ix_promotions_entity_ref", "promotions", ["entity_ref"])
    op.create_index("ix_promotions_status", "promotions", ["status"])
    op.create_table(
        "promotion_approvals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "promotion_id",
            sa.Integer(),
            sa.ForeignKey("promotions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("user", sa.String(512), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_promotion_approvals_promotion_id", "promotion_approvals", ["promotion_id"]
    )


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_promotion_approvals_promotion_id", table_name="promotion_approvals")
    op.drop_table("promotion_approvals")
    op.drop_index("ix_promotions_status", table_name="promotions")
    op.drop_index("ix_promotions_entity_ref", table_name="promotions")
    op.drop_table("promotions")
