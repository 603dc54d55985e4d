"""permissions: the audit log of permission decisions.

Revision ID: permissions_0001
Revises:
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "permissions_0001"
down_revision = None
branch_labels = ("permissions",)
depends_on = None


def upgrade() -> None:
    """Create the audit table and the indexes its filters use."""
    op.create_table(
        "permission_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(512), nullable=False),
        sa.Column("permission", sa.String(100), nullable=False),
        sa.Column("resource_type", sa.String(64), nullable=True),
        sa.Column("resource", sa.String(1024), nullable=True),
        sa.Column("decision", sa.String(8), nullable=False),
        sa.Column("rule", sa.String(200), nullable=False),
        sa.Column("reason", sa.String(1000), nullable=False),
    )
    op.create_index("ix_permission_audit_at", "permission_audit", ["at"])
    op.create_index("ix_permission_audit_actor", "permission_audit", ["actor"])
    op.create_index("ix_permission_audit_permission", "permission_audit", ["permission"])
    op.create_index("ix_permission_audit_resource", "permission_audit", ["resource"])


def downgrade() -> None:
    """Drop the audit table."""
    for column in ("resource", "permission", "actor", "at"):
        op.drop_index(f"ix_permission_audit_{column}", table_name="permission_audit")
    op.drop_table("permission_audit")
