"""TechDocs tables: one row per documented entity (its last build) and the search sections."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Table, Text

from goldpath.db import Base

__all__ = ["search_sections", "sites"]

metadata = Base.metadata

sites = Table(
    "techdocs_sites",
    metadata,
    Column("entity_ref", String(400), primary_key=True),
    # building | built | failed: the state of the last attempt
    Column("status", String(16), nullable=False),
    Column("claimed_at", DateTime(timezone=True), nullable=True),
    # the published site (stays served while a newer source fails to build)
    Column("source_hash", String(64), nullable=True),
    Column("source_commit", String(64), nullable=True),
    Column("source_where", String(2100), nullable=True),
    Column("built_at", DateTime(timezone=True), nullable=True),
    Column("build_seconds", Float, nullable=True),
    Column("page_count", Integer, nullable=True),
    Column("manifest", Text, nullable=True),
    # the last attempt
    Column("attempted_hash", String(64), nullable=True),
    Column("attempted_at", DateTime(timezone=True), nullable=True),
    Column("checked_at", DateTime(timezone=True), nullable=True),
    Column("error", Text, nullable=True),
    Column("log", Text, nullable=True),
)

search_sections = Table(
    "techdocs_search",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_ref", String(400), nullable=False),
    Column("location", String(1000), nullable=False),
    Column("page_title", String(400), nullable=False),
    Column("title", String(400), nullable=False),
    Column("text", Text, nullable=False),
    # lower-cased title and text: what LIKE searches (the catalog's full-text way)
    Column("search_text", Text, nullable=False),
    Index("ix_techdocs_search_entity", "entity_ref"),
)
