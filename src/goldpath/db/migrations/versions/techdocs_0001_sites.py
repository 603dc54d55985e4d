"""techdocs: built sites (one row per documented entity) and searchable doc sections.

Revision ID: techdocs_0001
Revises:
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "techdocs_0001"
down_revision = None
branch_labels = ("techdocs",)
depends_on = None


def upgrade() -> None:
    """Create the sites and search tables."""
    op.create_table(
        "techdocs_sites",
        sa.Column("entity_ref", sa.String(400), primary_key=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("source_hash", sa.String(64), nullable=True),
        sa.Column("source_commit", sa.String(64), nullable=True),
        sa.Column("source_where", sa.String(2100), nullable=True),
        sa.Column("built_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("build_seconds", sa.Float, nullable=True),
        sa.Column("page_count", sa.Integer, nullable=True),
        sa.Column("manifest", sa.Text, nullable=True),
        sa.Column("attempted_hash", sa.String(64), nullable=True),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("log", sa.Text, nullable=True),
    )
    op.create_table(
        "techdocs_search",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("entity_ref", sa.String(400), nullable=False),
        sa.Column("location", sa.String(1000), nullable=False),
        sa.Column("page_title", sa.String(400), nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
    )
    op.create_index("ix_techdocs_search_entity", "techdocs_search", ["entity_ref"])


def downgrade() -> None:
    """Drop both tables."""
    op.drop_index("ix_techdocs_search_entity", table_name="techdocs_search")
    op.drop_table("techdocs_search")
    op.drop_table("techdocs_sites")
