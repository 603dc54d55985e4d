"""fleet: copies of the template versions repositories were made from.

Revision ID: fleet_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "fleet_0001"
down_revision = None
branch_labels = ("fleet",)
depends_on = None


def upgrade() -> None:
    """Create the template snapshot table."""
    op.create_table(
        "fleet_template_snapshots",
        sa.Column("digest", sa.String(64), primary_key=True),
        sa.Column("template_ref", sa.String(1024), nullable=False),
        sa.Column("human_version", sa.String(100), nullable=True),
        sa.Column("entity", sa.JSON(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_fleet_template_snapshots_template_ref", "fleet_template_snapshots", ["template_ref"]
    )


def downgrade() -> None:
    """Drop the template snapshot table."""
    op.drop_index(
        "ix_fleet_template_snapshots_template_ref", table_name="fleet_template_snapshots"
    )
    op.drop_table("fleet_template_snapshots")
