"""catalog: locations, entities, search index and relations.

Revision ID: catalog_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "catalog_0001"
down_revision = None
branch_labels = ("catalog",)
depends_on = None


def upgrade() -> None:
    """Create the catalog tables and their indexes."""
    op.create_table(
        "catalog_locations",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("target", sa.String(2048), nullable=False),
        sa.Column("origin", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("refreshed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("errors", sa.Text, nullable=True),
    )
    op.create_index(
        "ix_catalog_locations_type_target", "catalog_locations", ["type", "target"], unique=True
    )
    op.create_table(
        "catalog_entities",
        sa.Column("uid", sa.String(36), primary_key=True),
        sa.Column("entity_ref", sa.String(400), nullable=False),
        sa.Column("kind", sa.String(63), nullable=False),
        sa.Column("namespace", sa.String(63), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("etag", sa.String(40), nullable=False),
        sa.Column(
            "location_id",
            sa.String(36),
            sa.ForeignKey("catalog_locations.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("location_key", sa.String(2100), nullable=False),
        sa.Column("errors", sa.Text, nullable=True),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_catalog_entities_ref", "catalog_entities", ["entity_ref"], unique=True)
    op.create_index("ix_catalog_entities_kind_ref", "catalog_entities", ["kind", "entity_ref"])
    op.create_index("ix_catalog_entities_location", "catalog_entities", ["location_id"])
    op.create_table(
        "catalog_search",
        sa.Column(
            "entity_uid",
            sa.String(36),
            sa.ForeignKey("catalog_entities.uid", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.String(200), nullable=True),
        sa.Column("original_value", sa.String(200), nullable=True),
    )
    op.create_index("ix_catalog_search_key_value", "catalog_search", ["key", "value", "entity_uid"])
    op.create_index("ix_catalog_search_entity", "catalog_search", ["entity_uid"])
    op.create_table(
        "catalog_relations",
        sa.Column(
            "originating_uid",
            sa.String(36),
            sa.ForeignKey("catalog_entities.uid", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("source_ref", sa.String(400), nullable=False),
        sa.Column("type", sa.String(63), nullable=False),
        sa.Column("type_key", sa.String(63), nullable=False),
        sa.Column("target_ref", sa.String(400), nullable=False),
    )
    op.create_index("ix_catalog_relations_source", "catalog_relations", ["source_ref"])
    op.create_index(
        "ix_catalog_relations_type_target",
        "catalog_relations",
        ["type_key", "target_ref", "source_ref"],
    )
    op.create_index("ix_catalog_relations_origin", "catalog_relations", ["originating_uid"])


def downgrade() -> None:
    """Drop the catalog tables."""
    op.drop_table("catalog_relations")
    op.drop_table("catalog_search")
    op.drop_table("catalog_entities")
    op.drop_table("catalog_locations")
