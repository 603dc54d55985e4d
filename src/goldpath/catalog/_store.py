"""Writing processed entities: bulk inserts, orphan deletion, ref conflicts."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from goldpath.catalog._ingest import ProcessedEntity, paused_gc
from goldpath.catalog._search import search_rows, search_text
from goldpath.catalog._tables import entities, fulltext, relations, search

__all__ = [
    "StoreOutcome",
    "bulk_insert",
    "bulk_insert_tuples",
    "chunked",
    "delete_entities",
    "store_location_entities",
]

T = TypeVar("T")
CHUNK = 500


def chunked(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """Slices of at most ``size`` items (keeps IN lists under parameter limits)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


SEARCH_COLUMNS = ("entity_uid", "key", "value", "original_value")
RELATION_COLUMNS = ("originating_uid", "source_ref", "type", "type_key", "target_ref")


def bulk_insert(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows given as dicts (SQLAlchemy converts types, e.g. datetimes)."""
    for part in chunked(rows, 20_000):
        session.execute(insert(table), list(part))


def bulk_insert_tuples(
    session: Session, table: Table, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Insert many plain-value rows fast: COPY on PostgreSQL, DBAPI executemany on SQLite.

    SQLAlchemy's per-row parameter processing costs more than the database's own insert
    for the millions of search rows a big catalog has, so this goes one level down.
    """
    if not rows:
        return
    connection = session.connection()
    raw = connection.connection.driver_connection
    assert raw is not None
    if connection.dialect.name == "postgresql":
        with raw.cursor() as cursor:
            sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
            with cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row)
        return
    if connection.dialect.name != "sqlite":
        bulk_insert(session, table, [dict(zip(columns, row, strict=True)) for row in rows])
        return
    marks = ", ".join("?" * len(columns))
    cursor = raw.cursor()
    try:
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB keeps big index builds in memory
        cursor.executemany(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})", rows
        )
    finally:
        cursor.close()


class StoreOutcome:
    """Counts of what one store pass changed, and refs it refused."""

    def __init__(self) -> None:
        self.added = 0
        self.updated = 0
        self.unchanged = 0
        self.deleted = 0
        self.conflicts: list[str] = []


def _entity_row(
    entity: ProcessedEntity, uid: str, etag: str, location_id: str, now: datetime
) -> tuple[dict[str, Any], list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    serialised = entity.serialised  # sets body["status"] when there are errors
    body = entity.body
    meta = body["metadata"]
    row = {
        "uid": uid,
        "entity_ref": entity.ref,
        "kind": str(body["kind"]).lower(),
        "namespace": str(meta["namespace"]).lower(),
        "name": str(meta["name"]).lower(),
        "body": serialised,  # uid and etag live in their columns, added when read
        "etag": etag,
        "location_id": location_id,
        "location_key": entity.location_key,
        "errors": json.dumps(entity.errors) if entity.errors else None,
        "updated_at": now,
    }
    # metadata.uid is filtered through its column, so it needs no search rows
    search_list = [(uid, k, v, o) for k, v, o in search_rows(body)]
    relation_list = [(uid, r.source, r.type, r.type.lower(), r.target) for r in entity.relations]
    return row, search_list, relation_list


def delete_entities(session: Session, uids: Sequence[str], *, keep_rows: bool = False) -> None:
    """Delete entities with their search, full-text and relation rows (or only those rows)."""
    for part in chunked(uids):
        session.execute(delete(search).where(search.c.entity_uid.in_(part)))
        session.execute(delete(fulltext).where(fulltext.c.entity_uid.in_(part)))
        session.execute(delete(relations).where(relations.c.originating_uid.in_(part)))
        if not keep_rows:
            session.execute(delete(entities).where(entities.c.uid.in_(part)))


def store_location_entities(
    session: Session,
    location_id: str,
    processed: Iterable[ProcessedEntity],
    *,
    keep_orphans: bool = False,
) -> StoreOutcome:
    """Make the location's stored entities exactly ``processed``; orphans are deleted.

    ``keep_orphans`` keeps the stored entities ``processed`` lacks (a refresh that found
    errors: an entity whose file no longer parses keeps its last good state, and its page
    shows the location's errors, rather than vanishing).
    """
    with paused_gc():
        return _store(session, location_id, processed, keep_orphans=keep_orphans)


def _store(
    session: Session,
    location_id: str,
    processed: Iterable[ProcessedEntity],
    *,
    keep_orphans: bool,
) -> StoreOutcome:
    outcome = StoreOutcome()
    now = datetime.now(UTC)
    existing: dict[str, tuple[str, str]] = {
        ref: (uid, etag)
        for uid, ref, etag in session.execute(
            select(entities.c.uid, entities.c.entity_ref, entities.c.etag).where(
                entities.c.location_id == location_id
            )
        )
    }
    wanted = list(processed)
    new_refs = [e.ref for e in wanted if e.ref not in existing]
    claimed: set[str] = set()
    for part in chunked(new_refs):
        claimed.update(
            session.execute(
                select(entities.c.entity_ref).where(
                    entities.c.entity_ref.in_(part), entities.c.location_id != location_id
                )
            ).scalars()
        )
    kept_refs = {e.ref for e in wanted if e.ref not in claimed}
    orphans = [
        uid for ref, (uid, _) in existing.items() if ref not in kept_refs and not keep_orphans
    ]
    delete_entities(session, orphans)
    outcome.deleted = len(orphans)

    entity_rows: list[dict[str, Any]] = []
    search_list: list[tuple[Any, ...]] = []
    relation_list: list[tuple[Any, ...]] = []
    text_list: list[tuple[Any, ...]] = []
    changed_uids: list[str] = []
    updates: list[dict[str, Any]] = []
    for entity in wanted:
        if entity.ref in claimed:
            outcome.conflicts.append(entity.ref)
            continue
        etag = entity.etag
        if entity.ref in existing:
            uid, old_etag = existing[entity.ref]
            if old_etag == etag:
                outcome.unchanged += 1
                continue
            row, rows, rels = _entity_row(entity, uid, etag, location_id, now)
            changed_uids.append(uid)
            updates.append(row)
            outcome.updated += 1
        else:
            uid = str(uuid.uuid4())
            row, rows, rels = _entity_row(entity, uid, etag, location_id, now)
            entity_rows.append(row)
            outcome.added += 1
        search_list.extend(rows)
        text_list.append((uid, search_text(entity.body)))
        relation_list.extend(rels)
    delete_entities(session, changed_uids, keep_rows=True)
    for row in updates:
        values = {k: v for k, v in row.items() if k != "uid"}
        session.execute(update(entities).where(entities.c.uid == row["uid"]).values(**values))
    if entity_rows:
        columns = list(entity_rows[0].keys())
        dialect = session.connection().dialect
        convert = entities.c.updated_at.type.bind_processor(dialect)
        stamp = convert(now) if convert is not None else now  # one timestamp for all rows
        tuples = [
            tuple(stamp if c == "updated_at" else row[c] for c in columns) for row in entity_rows
        ]
        bulk_insert_tuples(session, entities, columns, tuples)
    bulk_insert_tuples(session, fulltext, ("entity_uid", "text"), text_list)
    bulk_insert_tuples(session, search, SEARCH_COLUMNS, search_list)
    bulk_insert_tuples(session, relations, RELATION_COLUMNS, relation_list)
    return outcome
