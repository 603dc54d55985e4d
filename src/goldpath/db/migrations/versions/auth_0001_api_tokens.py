"""auth: personal API tokens, hashed at rest.

Revision ID: auth_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "auth_0001"
down_revision = None
branch_labels = ("auth",)
depends_on = None


def upgrade() -> None:
    """Create the token table."""
    op.create_table(
        "auth_api_tokens",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("user_ref", sa.String(512), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_auth_api_tokens_user_ref", "auth_api_tokens", ["user_ref"])


def downgrade() -> None:
    """Drop the token table."""
    op.drop_index("ix_auth_api_tokens_user_ref", table_name="auth_api_tokens")
    op.drop_table("auth_api_tokens")
