"""Scorecard tables: each entity's latest scorecard, and its history (a row per change)."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, Index, Integer, String, Table, Text

from goldpath.db import Base

__all__ = ["history", "results"]

metadata = Base.metadata

results = Table(
    "scorecard_results",
    metadata,
    Column("entity_ref", String(400), primary_key=True),
    # the entity's owner ref when it was scored (GET /scorecards?owner= filters on it)
    Column("owner", String(400), nullable=True),
    Column("location_id", String(64), nullable=True),
    Column("score", Float, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    # JSON list of {"id", "passed", "message", "title"}
    Column("checks", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("commit", String(64), nullable=True),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
    # when the outcome last changed (the newest history row)
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Index("ix_scorecard_results_owner", "owner"),
)

history = Table(
    "scorecard_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_ref", String(400), nullable=False),
    Column("owner", String(400), nullable=True),
    Column("score", Float, nullable=False),
    Column("passed", Integer, nullable=False),
    Column("total", Integer, nullable=False),
    Column("checks", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("commit", String(64), nullable=True),
    Column("evaluated_at", DateTime(timezone=True), nullable=False),
    Index("ix_scorecard_history_entity", "entity_ref", "id"),
)
