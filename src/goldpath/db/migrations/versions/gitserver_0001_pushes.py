"""gitserver: the push log of the local git host.

Revision ID: gitserver_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "gitserver_0001"
down_revision = None
branch_labels = ("gitserver",)
depends_on = None


def upgrade() -> None:
    """Create the push log and the indexes the component page and the CLI read by."""
    op.create_table(
        "git_pushes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_ref", sa.String(512), nullable=False),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("repo", sa.String(255), nullable=False),
        sa.Column("ref", sa.String(1024), nullable=False),
        sa.Column("old", sa.String(64), nullable=False),
        sa.Column("new", sa.String(64), nullable=False),
    )
    op.create_index("ix_git_pushes_at", "git_pushes", ["at"])
    op.create_index("ix_git_pushes_user_ref", "git_pushes", ["user_ref"])
    op.create_index("ix_git_pushes_repo", "git_pushes", ["owner", "repo", "at"])


def downgrade() -> None:
    """Drop the push log."""
    for name in ("ix_git_pushes_repo", "ix_git_pushes_user_ref", "ix_git_pushes_at"):
        op.drop_index(name, table_name="git_pushes")
    op.drop_table("git_pushes")
