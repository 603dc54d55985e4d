"""mergerequests: the merge requests goldpath opens and keeps.

Revision ID: mergerequests_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "mergerequests_0001"
down_revision = None
branch_labels = ("mergerequests",)
depends_on = None


def upgrade() -> None:
    """Create the merge_requests table, its filter indexes and the one-open-per-branch rule."""
    op.create_table(
        "merge_requests",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("repository", sa.String(512), nullable=False),
        sa.Column("source_branch", sa.String(255), nullable=False),
        sa.Column("target_branch", sa.String(255), nullable=False),
        sa.Column("title", sa.String(500), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("author", sa.String(512), nullable=False),
        sa.Column("entity_ref", sa.String(1024), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("conflicts", sa.JSON(), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("approved_by", sa.JSON(), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=True),
        sa.Column("web_url", sa.String(2048), nullable=True),
        sa.Column("merge_commit_sha", sa.String(64), nullable=True),
        sa.Column("merged_by", sa.String(512), nullable=True),
        sa.Column("closed_by", sa.String(512), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_merge_requests_entity_ref", "merge_requests", ["entity_ref"])
    op.create_index("ix_merge_requests_status", "merge_requests", ["status"])
    op.create_index("ix_merge_requests_repository", "merge_requests", ["host", "repository"])
    op.create_index(
        "uq_merge_requests_open_source",
        "merge_requests",
        ["host", "repository", "source_branch"],
        unique=True,
        sqlite_where=sa.text("status = 'opened'"),
        postgresql_where=sa.text("status = 'opened'"),
    )


def downgrade() -> None:
    """Drop the merge_requests table."""
    for name in (
        "uq_merge_requests_open_source",
        "ix_merge_requests_repository",
        "ix_merge_requests_status",
        "ix_merge_requests_entity_ref",
    ):
        op.drop_index(name, table_name="merge_requests")
    op.drop_table("merge_requests")
