"""scorecards: each entity's latest scorecard and the history of its changes.

Revision ID: scorecards_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "scorecards_0001"
down_revision = None
branch_labels = ("scorecards",)
depends_on = None


def upgrade() -> None:
    """Create the results and history tables."""
    op.create_table(
        "scorecard_results",
        sa.Column("entity_ref", sa.String(400), primary_key=True),
        sa.Column("owner", sa.String(400), nullable=True),
        sa.Column("location_id", sa.String(64), nullable=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("checks", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("commit", sa.String(64), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scorecard_results_owner", "scorecard_results", ["owner"])
    op.create_table(
        "scorecard_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity_ref", sa.String(400), nullable=False),
        sa.Column("owner", sa.String(400), nullable=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("passed", sa.Integer, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("checks", sa.Text, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("commit", sa.String(64), nullable=True),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_scorecard_history_entity", "scorecard_history", ["entity_ref", "id"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_scorecard_history_entity", table_name="scorecard_history")
    op.drop_table("scorecard_history")
    op.drop_index("ix_scorecard_results_owner", table_name="scorecard_results")
    op.drop_table("scorecard_results")
