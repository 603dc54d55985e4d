"""Catalog tables: locations, entities, a (key, value) search index and relations.

The search, relation and full-text rows are derived from an entity's row and have no
foreign key to it (catalog_0003). Only `goldpath.catalog._store` writes or deletes them,
in the transaction that writes or deletes the entity, deleting them first; a test walks
random adds, refreshes and removals and finds no row without its entity. A foreign key
made PostgreSQL check and lock the entity row once per derived row: at 100,000 entities,
2.4 million checks, a quarter of the ingest.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, ForeignKey, Index, String, Table, Text

from goldpath.db import Base

__all__ = ["entities", "fulltext", "locations", "relations", "search"]

metadata = Base.metadata

locations = Table(
    "catalog_locations",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("target", String(2048), nullable=False),
    Column("origin", String(16), nullable=False, default="api"),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("refreshed_at", DateTime(timezone=True), nullable=True),
    Column("errors", Text, nullable=True),
    Index("ix_catalog_locations_type_target", "type", "target", unique=True),
)

entities = Table(
    "catalog_entities",
    metadata,
    Column("uid", String(36), primary_key=True),
    Column("entity_ref", String(400), nullable=False),
    Column("kind", String(63), nullable=False),
    Column("namespace", String(63), nullable=False),
    Column("name", String(63), nullable=False),
    Column("etag", String(40), nullable=False),
    Column(
        "location_id",
        String(36),
        ForeignKey("catalog_locations.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("location_key", String(2100), nullable=False),
    Column("errors", Text, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # the big JSON column goes last: SQLite reads columns in order, so scans of the
    # narrow columns above never touch the body's overflow pages
    Column("body", Text, nullable=False),
    Index("ix_catalog_entities_ref", "entity_ref", unique=True),
    Index("ix_catalog_entities_kind_ref", "kind", "entity_ref"),
    Index("ix_catalog_entities_location", "location_id"),
)

search = Table(
    "catalog_search",
    metadata,
    Column("entity_uid", String(36), nullable=False),
    Column("key", String(200), nullable=False),
    Column("value", String(200), nullable=True),
    Column("original_value", String(200), nullable=True),
    Index("ix_catalog_search_key_value", "key", "value", "entity_uid"),
    Index("ix_catalog_search_entity", "entity_uid"),
)

relations = Table(
    "catalog_relations",
    metadata,
    Column("originating_uid", String(36), nullable=False),
    Column("source_ref", String(400), nullable=False),
    Column("type", String(63), nullable=False),
    Column("type_key", String(63), nullable=False),
    Column("target_ref", String(400), nullable=False),
    Index("ix_catalog_relations_source", "source_ref"),
    Index("ix_catalog_relations_type_target", "type_key", "target_ref", "source_ref"),
    Index("ix_catalog_relations_origin", "originating_uid"),
)

# one narrow row per entity: a full-text scan reads this, not the wide entity rows
fulltext = Table(
    "catalog_fulltext",
    metadata,
    Column("entity_uid", String(36), primary_key=True),
    Column("text", Text, nullable=False),
)
