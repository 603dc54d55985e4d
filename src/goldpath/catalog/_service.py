"""CatalogService: the one entry point the web app, CLI and scaffolder use."""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import threading
import uuid
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    Select,
    bindparam,
    delete,
    distinct,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from goldpath.catalog._ingest import ProcessedEntity, ProcessedLocation, process_location
from goldpath.catalog._models import FacetCount, LocationRecord, QueryResult
from goldpath.catalog._query import (
    Cursor,
    FilterGroup,
    FullTextFilter,
    OrderField,
    apply_fields,
    filter_clause,
    filter_shape,
    filter_values,
    keyset_clause,
    normalise_filters,
    sort_plan,
)
from goldpath.catalog._reading import (
    ConfinedReader,
    Fingerprint,
    ReadingPolicy,
    RecordingReader,
    UrlReader,
    unchanged_since,
)
from goldpath.catalog._refs import EntityRef, parse_entity_ref
from goldpath.catalog._store import (
    StoreOutcome,
    chunked,
    delete_entities,
    store_location_entities,
)
from goldpath.catalog._tables import entities, locations, relations, search
from goldpath.catalog._validation import validate_entity
from goldpath.catalog.errors import (
    EntityNotFoundError,
    InvalidQueryError,
    LocationExistsError,
    LocationNotFoundError,
)
from goldpath.config import Settings
from goldpath.db import Database
from goldpath.errors import FieldError, GoldpathError

__all__ = [
    "CHANGES_CHANNEL",
    "DEFAULT_LIMIT",
    "MAX_BY_REFS",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "CatalogService",
    "Filters",
    "RefreshListener",
]

log = logging.getLogger(__name__)

AnyRow = Row[*tuple[Any, ...]]
DEFAULT_LIMIT = 20
ANALYZE_AFTER_CHANGES = 2000
MAX_LIMIT = 10_000
MAX_OFFSET = 1_000_000_000  # far past any catalog, well inside a 64-bit SQL integer
MAX_BY_REFS = 1000
MAX_QUERY_SHAPES = 256  # composed query statements kept (one per shape of filters and order)
# PostgreSQL channel every catalog change is announced on (payload: the service's origin)
CHANGES_CHANNEL = "goldpath_catalog"
Filters = Mapping[str, Any] | Sequence[Mapping[str, Any]] | None
# called with a location's id and the refs of its entities after it was read (again)
RefreshListener = Callable[[str, Sequence[str]], None]


def _location_record(row: AnyRow) -> LocationRecord:
    return LocationRecord(
        id=row.id,
        type=row.type,
        target=row.target,
        origin=row.origin,
        errors=tuple(json.loads(row.errors)) if row.errors else (),
        created_at=row.created_at,
        refreshed_at=row.refreshed_at,
    )


def _processed_body(entity: ProcessedEntity) -> dict[str, Any]:
    body = dict(entity.body)
    body["relations"] = [
        {"type": r.type, "targetRef": r.target} for r in entity.relations if r.source == entity.ref
    ]
    return body


def _reachable_statement() -> Select[Any]:
    # Built once: composing a recursive CTE costs far more than running it.
    step = relations.alias("step")
    walk = (
        select(relations.c.target_ref.label("ref"))
        .where(
            relations.c.source_ref == bindparam("start"),
            relations.c.type_key == bindparam("first"),
        )
        .cte("reached", recursive=True)
    )
    walk = walk.union(
        select(step.c.target_ref).where(
            step.c.source_ref == walk.c.ref, step.c.type_key == bindparam("then")
        )
    )
    return select(walk.c.ref)


_REACHABLE = _reachable_statement()


def _relations_json(source_ref: ColumnElement[Any], *, postgresql: bool) -> ColumnElement[Any]:
    """One entity's outgoing relations as a JSON array of ``[type, targetRef]`` pairs.

    A correlated subquery, so an entity and its relations come back in one statement: one
    round trip to the database instead of two for every read of an entity.
    """
    own = relations.alias("own")
    if postgresql:
        pairs = func.json_agg(func.json_build_array(own.c.type, own.c.target_ref))
    else:
        pairs = func.json_group_array(func.json_array(own.c.type, own.c.target_ref))
    return select(pairs).where(own.c.source_ref == source_ref).scalar_subquery()


def _relation_list(value: Any) -> list[dict[str, str]]:
    """The relations column (JSON text on SQLite, decoded JSON on PostgreSQL, NULL for
    none) as Backstage's sorted ``relations`` list; duplicates (a relation both of its
    entities state) appear once."""
    if value is None:
        return []
    pairs = json.loads(value) if isinstance(value, str) else value
    return [
        {"type": rel_type, "targetRef": target}
        for rel_type, target in sorted({(str(t), str(ref)) for t, ref in pairs})
    ]


class CatalogService:
    """Entities, locations and queries over one database (Backstage's catalog backend)."""

    def __init__(
        self,
        database: Database,
        settings: Settings | None = None,
        readers: Sequence[UrlReader] = (),
        *,
        policy: ReadingPolicy | None = None,
    ) -> None:
        self.database = database
        self.settings = settings
        self.readers: list[UrlReader] = list(readers)
        if policy is None:
            # with no settings nothing is readable from disk: a caller names its roots
            policy = ReadingPolicy.from_settings(settings) if settings else ReadingPolicy()
        self.policy = policy
        self.reader = ConfinedReader(policy, self.readers)
        """The confined reader: what any component reads relative to an entity goes here."""
        # per location: digests of every file its last ingestion read, so a refresh of
        # unchanged files skips parsing (a 100k-entity catalog costs seconds, not minutes)
        self._fingerprints: dict[str, Fingerprint] = {}
        self._ingest_lock = threading.RLock()
        self._listeners: list[RefreshListener] = []
        self._changes = itertools.count(1)
        self._generation = 0
        self.origin = uuid.uuid4().hex
        """Names this service in its change notifications (``CatalogChangeListener``)."""
        self._postgresql = database.is_postgresql
        # built once: composing a statement costs more than SQLite takes to run it
        with_relations = (
            entities.c.entity_ref,
            entities.c.uid,
            entities.c.etag,
            entities.c.body,
            _relations_json(entities.c.entity_ref, postgresql=self._postgresql).label("rels"),
        )
        self._by_ref = select(*with_relations).where(entities.c.entity_ref == bindparam("key"))
        self._by_uid = select(*with_relations).where(entities.c.uid == bindparam("uid"))
        self._query_statements: dict[Hashable, tuple[Select[Any], int]] = {}
        self._shapes_lock = threading.Lock()

    # ---- what changed -----------------------------------------------------------------

    @property
    def generation(self) -> int:
        """Grows after every committed change this service makes to entities or relations.

        What a cache of catalog reads compares with (the permission directory's groups):
        equal numbers mean no change was made here in between. It moves only once the
        change is committed, so a read that saw the old number cannot have missed it.
        """
        return self._generation

    def _changed(self) -> None:
        self._generation = next(self._changes)  # next() is atomic: no lock needed

    def note_changed_elsewhere(self) -> None:
        """Another process changed the catalog (``CatalogChangeListener`` heard it)."""
        self._changed()

    def _announce(self, session: Session) -> None:
        """Tell other replicas, when this transaction commits, that the catalog changed."""
        if self._postgresql:
            session.execute(select(func.pg_notify(CHANGES_CHANNEL, self.origin)))

    # ---- reading entities -------------------------------------------------------------

    def _relations_of(
        self, session: Session, refs: Sequence[str]
    ) -> dict[str, list[dict[str, str]]]:
        found: dict[str, set[tuple[str, str]]] = {ref: set() for ref in refs}
        for part in chunked(list(refs)):
            rows = session.execute(
                select(relations.c.source_ref, relations.c.type, relations.c.target_ref).where(
                    relations.c.source_ref.in_(part)
                )
            )
            for source, rel_type, target in rows:
                found[source].add((rel_type, target))
        return {
            ref: [{"type": t, "targetRef": target} for t, target in sorted(pairs)]
            for ref, pairs in found.items()
        }

    @staticmethod
    def _entity(row: AnyRow, relations_list: list[dict[str, str]]) -> dict[str, Any]:
        entity: dict[str, Any] = json.loads(row.body)
        entity["metadata"]["uid"] = row.uid
        entity["metadata"]["etag"] = row.etag
        entity["relations"] = relations_list
        if "status" in entity:  # Backstage puts status after relations
            entity["status"] = entity.pop("status")
        return entity

    def _materialise(self, session: Session, rows: Sequence[AnyRow]) -> list[dict[str, Any]]:
        rels = self._relations_of(session, [row.entity_ref for row in rows])
        return [self._entity(row, rels.get(row.entity_ref, [])) for row in rows]

    def find_entity(self, ref: str | EntityRef) -> dict[str, Any] | None:
        """The entity with this ref, or None."""
        key = ref.key if isinstance(ref, EntityRef) else parse_entity_ref(ref).key
        with self.database.read() as connection:
            row = connection.execute(self._by_ref, {"key": key}).first()
        return self._entity(row, _relation_list(row.rels)) if row else None

    def get_entity(self, ref: str | EntityRef) -> dict[str, Any]:
        """The entity with this ref; raises EntityNotFoundError."""
        entity = self.find_entity(ref)
        if entity is None:
            key = ref.key if isinstance(ref, EntityRef) else parse_entity_ref(ref).key
            raise EntityNotFoundError(f"no entity {key}", ref=key)
        return entity

    def get_by_uid(self, uid: str) -> dict[str, Any]:
        """The entity with this uid; raises EntityNotFoundError."""
        with self.database.read() as connection:
            row = connection.execute(self._by_uid, {"uid": uid}).first()
        if row is None:
            raise EntityNotFoundError(f"no entity with uid {uid}", uid=uid)
        return self._entity(row, _relation_list(row.rels))

    def get_by_refs(
        self, refs: Sequence[str], fields: Sequence[str] = ()
    ) -> list[dict[str, Any] | None]:
        """Entities in the order of ``refs``; None where a ref matches nothing."""
        if len(refs) > MAX_BY_REFS:
            raise InvalidQueryError(
                f"at most {MAX_BY_REFS} entityRefs per call, got {len(refs)}",
                errors=[FieldError("entityRefs", "max-items", f"at most {MAX_BY_REFS}")],
            )
        keys: list[str | None] = []
        for index, ref in enumerate(refs):
            try:
                keys.append(parse_entity_ref(ref, field=f"entityRefs[{index}]").key)
            except GoldpathError:
                keys.append(None)
        wanted = sorted({k for k in keys if k})
        by_ref: dict[str, dict[str, Any]] = {}
        with self.database.session() as session:
            for part in chunked(wanted):
                rows = session.execute(
                    select(
                        entities.c.entity_ref, entities.c.uid, entities.c.etag, entities.c.body
                    ).where(entities.c.entity_ref.in_(part))
                ).all()
                for row, entity in zip(rows, self._materialise(session, rows), strict=True):
                    by_ref[row.entity_ref] = entity
        return [apply_fields(by_ref[k], fields) if k in by_ref else None for k in keys]

    def each_by_ref(
        self, refs: Sequence[str], fields: Sequence[str] = ()
    ) -> Iterator[dict[str, Any] | None]:
        """`get_by_refs` for any number of refs: read `MAX_BY_REFS` at a time, yielded in
        the order of ``refs`` (None where a ref matches nothing)."""
        for start in range(0, len(refs), MAX_BY_REFS):
            yield from self.get_by_refs(refs[start : start + MAX_BY_REFS], fields)

    def reachable(self, start: str, first: str, then: str) -> frozenset[str]:
        """Every ref reached from ``start`` by one ``first`` relation and any number of ``then``
        relations (a user's groups and their parents: ``memberOf`` then ``childOf``).

        One recursive query; ``UNION`` visits each ref once, so cycles in the data end.
        """
        params = {"start": start.lower(), "first": first.lower(), "then": then.lower()}
        with self.database.read() as connection:
            return frozenset(str(ref) for ref in connection.scalars(_REACHABLE, params))

    def delete_by_uid(self, uid: str) -> None:
        """Remove one entity (it comes back if its location still has it at next refresh)."""
        with self._ingest_lock, self.database.session() as session:
            found = session.execute(select(entities.c.uid).where(entities.c.uid == uid)).first()
            if found is None:
                raise EntityNotFoundError(f"no entity with uid {uid}", uid=uid)
            delete_entities(session, [uid])
            self._announce(session)
            self._fingerprints.clear()  # the next refresh must bring the entity back
        self._changed()

    # ---- queries ----------------------------------------------------------------------

    def query(
        self,
        *,
        filters: Filters = None,
        fields: Sequence[str] = (),
        limit: int | None = None,
        order: Sequence[OrderField | tuple[str, str] | str] = (),
        full_text: str | FullTextFilter | None = None,
        full_text_fields: Sequence[str] = (),
        cursor: str | None = None,
    ) -> QueryResult:
        """One page of entities (Backstage's queryEntities) with keyset cursors."""
        limit = DEFAULT_LIMIT if limit is None else limit
        if limit < 0 or limit > MAX_LIMIT:
            raise InvalidQueryError(
                f"limit must be between 0 and {MAX_LIMIT}",
                errors=[FieldError("limit", "range", f"must be between 0 and {MAX_LIMIT}")],
            )
        state: Cursor | None = Cursor.decode(cursor) if cursor else None
        if state is not None:
            groups, order_fields, text = state.filters, state.order, state.full_text
        else:
            groups = normalise_filters(filters)
            order_fields = [self._order_field(o) for o in order]
            if isinstance(full_text, FullTextFilter):
                text = full_text
            elif full_text:
                text = FullTextFilter(full_text, tuple(full_text_fields))
            else:
                text = None
        backwards = bool(state and state.backwards)
        paging = state is not None
        shape = (
            filter_shape(groups, text),
            tuple((o.field.lower(), o.order) for o in order_fields),
            paging,
            backwards,
        )
        built = self._query_statements.get(shape)
        if built is None:
            built = self._query_statement(groups, text, order_fields, paging, backwards)
            with self._shapes_lock:
                if len(self._query_statements) >= MAX_QUERY_SHAPES:
                    del self._query_statements[next(iter(self._query_statements))]
                self._query_statements[shape] = built
        stmt, sort_count = built
        params = {**filter_values(groups, text), "limit": limit + 1}
        if state is not None:
            params.update({f"k{i}": state.values[i] for i in range(sort_count)})
        with self.database.read() as connection:
            rows = list(connection.execute(stmt, params).all())
        # on a first page, no row means no match
        total = state.total_items if state is not None else (int(rows[0].total) if rows else 0)
        more = len(rows) > limit
        rows = rows[:limit]
        if backwards:
            rows.reverse()
        items = [apply_fields(self._entity(row, _relation_list(row.rels)), fields) for row in rows]

        def cursor_at(row: AnyRow, go_back: bool) -> str:
            values = [row._mapping[f"s{i}"] for i in range(sort_count)]
            return Cursor(groups, order_fields, text, values, go_back, total).encode()

        next_cursor = prev_cursor = None
        if rows:
            if backwards:
                next_cursor = cursor_at(rows[-1], False)
                prev_cursor = cursor_at(rows[0], True) if more else None
            else:
                next_cursor = cursor_at(rows[-1], False) if more else None
                prev_cursor = cursor_at(rows[0], True) if state is not None else None
        return QueryResult(items, total, next_cursor, prev_cursor)

    def _query_statement(
        self,
        groups: Sequence[FilterGroup],
        text: FullTextFilter | None,
        order_fields: Sequence[OrderField],
        paging: bool,
        backwards: bool,
    ) -> tuple[Select[Any], int]:
        """The statement of every query of one shape (values are bind parameters: the
        filters' from ``filter_values``, ``limit``, and a cursor's sort values ``k0``...),
        and how many sort columns it has. Composing it costs more than running it."""
        where = filter_clause(groups, text, bound=True)
        plan = sort_plan(order_fields)
        columns = plan.columns
        labels = [expr.label(f"s{i}") for i, (expr, _) in enumerate(columns)]
        page = (
            select(entities.c.entity_ref, entities.c.uid, entities.c.etag, entities.c.body, *labels)
            .select_from(plan.source)
            .where(where)
        )
        if paging:
            after = [bindparam(f"k{i}", type_=expr.type) for i, (expr, _) in enumerate(columns)]
            page = page.where(keyset_clause(columns, after, backwards=backwards))
        descending = [desc != backwards for _, desc in columns]
        page = page.order_by(
            *(
                expr.desc() if down else expr.asc()
                for (expr, _), down in zip(columns, descending, strict=True)
            )
        ).limit(bindparam("limit", type_=Integer))
        # One statement: the page (its relations read for its rows only, after the limit)
        # and, on a first page, the total as an uncorrelated subquery the database runs once.
        paged = page.subquery("page")
        outputs: list[ColumnElement[Any]] = [
            *paged.c,
            _relations_json(paged.c.entity_ref, postgresql=self._postgresql).label("rels"),
        ]
        if not paging:
            count = select(func.count()).select_from(entities).where(where).correlate(None)
            outputs.append(count.scalar_subquery().label("total"))
        sorts = [paged.c[f"s{i}"] for i in range(len(columns))]
        stmt = select(*outputs).order_by(
            *(
                col.desc() if down else col.asc()
                for col, down in zip(sorts, descending, strict=True)
            )
        )
        return stmt, len(columns)

    @staticmethod
    def _order_field(item: OrderField | tuple[str, str] | str) -> OrderField:
        if isinstance(item, OrderField):
            field = item
        elif isinstance(item, tuple):
            field = OrderField(item[0], item[1])
        else:
            name, _, direction = item.partition(",")
            field = OrderField(name.strip(), direction.strip() or "asc")
        if field.order not in ("asc", "desc"):
            raise InvalidQueryError(
                f"order {field.order!r} must be asc or desc",
                errors=[FieldError("orderField", "enum", "must be asc or desc")],
            )
        return field

    def list_entities(
        self,
        *,
        filters: Filters = None,
        fields: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
        order: Sequence[OrderField | tuple[str, str] | str] = (),
    ) -> list[dict[str, Any]]:
        """All matching entities (Backstage's GET /entities), optionally paged by offset."""
        problems = []
        if limit is not None and not 0 <= limit <= MAX_LIMIT:
            problems.append(FieldError("limit", "range", f"must be between 0 and {MAX_LIMIT}"))
        if not 0 <= offset <= MAX_OFFSET:
            problems.append(FieldError("offset", "range", f"must be between 0 and {MAX_OFFSET}"))
        if problems:
            raise InvalidQueryError("; ".join(str(p) for p in problems), errors=problems)
        groups = normalise_filters(filters)
        plan = sort_plan([self._order_field(o) for o in order])
        stmt = (
            select(entities.c.entity_ref, entities.c.uid, entities.c.etag, entities.c.body)
            .select_from(plan.source)
            .where(filter_clause(groups))
            .order_by(*(e.desc() if d else e.asc() for e, d in plan.columns))
            .offset(offset)
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        with self.database.session() as session:
            rows = session.execute(stmt).all()
            return [apply_fields(e, fields) for e in self._materialise(session, rows)]

    def facets(
        self, facets: Sequence[str], *, filters: Filters = None
    ) -> dict[str, list[FacetCount]]:
        """Per facet key, each value and how many matching entities have it."""
        where = filter_clause(normalise_filters(filters))
        matching = select(entities.c.uid).where(where)
        out: dict[str, list[FacetCount]] = {}
        with self.database.session() as session:
            for facet in facets:
                key = facet.lower()
                if key.startswith("relations."):
                    matching_refs = select(entities.c.entity_ref).where(where)
                    stmt = (
                        select(relations.c.target_ref, func.count(distinct(relations.c.source_ref)))
                        .where(
                            relations.c.type_key == key[len("relations.") :],
                            relations.c.source_ref.in_(matching_refs),
                        )
                        .group_by(relations.c.target_ref)
                    )
                else:
                    shown = func.coalesce(search.c.original_value, search.c.value)
                    stmt = (
                        select(shown, func.count(distinct(search.c.entity_uid)))
                        .where(
                            search.c.key == key,
                            search.c.value.is_not(None),
                            search.c.entity_uid.in_(matching),
                        )
                        .group_by(shown)
                    )
                counts: dict[str, int] = {}
                for value, count in session.execute(stmt):
                    counts[value] = counts.get(value, 0) + int(count)
                out[facet] = [
                    {"value": v, "count": c}
                    for v, c in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
                ]
        return out

    # ---- validation -------------------------------------------------------------------

    def validate_entity(self, entity: object) -> None:
        """Raise InvalidEntityError listing every problem with the entity."""
        validate_entity(entity)

    # ---- locations --------------------------------------------------------------------

    def list_locations(self) -> list[LocationRecord]:
        """Every registered location, oldest first."""
        with self.database.session() as session:
            rows = session.execute(
                select(locations).order_by(locations.c.created_at, locations.c.id)
            )
            return [_location_record(row) for row in rows]

    def get_location(self, location_id: str) -> LocationRecord:
        """A location by id; raises LocationNotFoundError."""
        with self.database.session() as session:
            row = session.execute(select(locations).where(locations.c.id == location_id)).first()
        if row is None:
            raise LocationNotFoundError(f"no location {location_id}", id=location_id)
        return _location_record(row)

    def find_location_by_target(self, type_: str, target: str) -> LocationRecord | None:
        """The location registered for this type and target, or None."""
        type_, target = ConfinedReader.normalise(type_, target)
        with self.database.session() as session:
            row = session.execute(
                select(locations).where(locations.c.type == type_, locations.c.target == target)
            ).first()
        return _location_record(row) if row else None

    def get_location_by_target(self, type_: str, target: str) -> LocationRecord:
        """The location for this type and target; raises LocationNotFoundError."""
        found = self.find_location_by_target(type_, target)
        if found is None:
            raise LocationNotFoundError(f"no location {type_}:{target}", target=target)
        return found

    def get_location_by_entity(self, ref: str | EntityRef) -> LocationRecord:
        """The registered location an entity came from."""
        key = ref.key if isinstance(ref, EntityRef) else parse_entity_ref(ref).key
        with self.database.session() as session:
            location_id = session.execute(
                select(entities.c.location_id).where(entities.c.entity_ref == key)
            ).scalar_one_or_none()
        if location_id is None:
            raise EntityNotFoundError(f"no entity {key}", ref=key)
        return self.get_location(location_id)

    def add_location(
        self, type_: str, target: str, *, dry_run: bool = False, origin: str = "api"
    ) -> tuple[LocationRecord, list[dict[str, Any]]]:
        """Register a location and ingest it now; duplicates raise LocationExistsError."""
        type_, target = ConfinedReader.normalise(type_, target)
        if self.find_location_by_target(type_, target) is not None:
            raise LocationExistsError(
                f"location {type_}:{target} is already registered", type=type_, target=target
            )
        self.reader.check(type_, target)  # outside the roots or the allowed hosts: 403
        recorder = RecordingReader(self.policy, self.readers)
        processed = process_location((type_, target), recorder)
        if processed.root_error is not None:
            # the target itself could not be read (missing, too big, not a regular file):
            # nothing is registered
            raise processed.root_error
        if dry_run:
            record = LocationRecord(
                id=str(uuid.uuid4()),
                type=type_,
                target=target,
                origin=origin,
                errors=tuple(processed.errors),
            )
            return record, [_processed_body(entity) for entity in processed.entities]
        location_id = str(uuid.uuid4())
        new_location = {
            "id": location_id,
            "type": type_,
            "target": target,
            "origin": origin,
            "created_at": datetime.now(UTC),
        }
        with self._ingest_lock:
            # the location and its entities in one transaction: both or neither
            outcome = self._store(location_id, processed, new_location=new_location)
            if recorder.complete:
                self._fingerprints[location_id] = recorder.seen
        self._notify_refreshed(location_id)
        refused = set(outcome.conflicts)
        record = dataclasses.replace(
            self.get_location(location_id), conflicts=tuple(sorted(refused))
        )
        # like Backstage, answer with the entities as this location produced them
        return record, [_processed_body(e) for e in processed.entities if e.ref not in refused]

    def ensure_location(self, type_: str, target: str, *, origin: str = "config") -> LocationRecord:
        """Register a location unless it already is (idempotent), then refresh it."""
        existing = self.find_location_by_target(type_, target)
        if existing is not None:
            self.refresh_location(existing.id)
            return self.get_location(existing.id)
        norm_type, norm_target = ConfinedReader.normalise(type_, target)
        location_id = str(uuid.uuid4())
        with self._ingest_lock, self.database.session() as session:
            session.execute(
                insert(locations).values(
                    id=location_id,
                    type=norm_type,
                    target=norm_target,
                    origin=origin,
                    created_at=datetime.now(UTC),
                    refreshed_at=None,
                    errors=None,
                )
            )
        self.refresh_location(location_id)
        return self.get_location(location_id)

    def remove_location(self, location_id: str) -> None:
        """Unregister a location and delete every entity it brought in."""
        with self._ingest_lock, self.database.session() as session:
            found = session.execute(
                select(locations.c.id).where(locations.c.id == location_id)
            ).first()
            if found is None:
                raise LocationNotFoundError(f"no location {location_id}", id=location_id)
            uids = list(
                session.execute(
                    select(entities.c.uid).where(entities.c.location_id == location_id)
                ).scalars()
            )
            delete_entities(session, uids)
            session.execute(delete(locations).where(locations.c.id == location_id))
            self._announce(session)
            self._fingerprints.pop(location_id, None)
        self._changed()

    # ---- refresh ----------------------------------------------------------------------

    def read_targets(self, location_id: str) -> tuple[tuple[str, str], ...]:
        """``(type, target)`` of the location itself and of every file its last processing
        in this process read (nested targets, ``$text`` placeholders); what a change to
        a git repository is compared with (``goldpath.gitserver``)."""
        record = self.get_location(location_id)
        with self._ingest_lock:
            seen = list(self._fingerprints.get(location_id, {}))
        return tuple(dict.fromkeys([(record.type, record.target), *seen]))

    def add_refresh_listener(self, listener: RefreshListener) -> None:
        """Call ``listener(location_id, entity_refs)`` after a location is ingested or
        refreshed (TechDocs checks its docs sources then); a failing listener is logged."""
        self._listeners.append(listener)

    def _notify_refreshed(self, location_id: str) -> None:
        if not self._listeners:
            return
        with self.database.session() as session:
            refs = list(
                session.execute(
                    select(entities.c.entity_ref).where(entities.c.location_id == location_id)
                ).scalars()
            )
        for listener in self._listeners:
            try:
                listener(location_id, refs)
            except Exception:  # a listener's trouble must not fail the refresh
                log.exception("refresh listener %r failed for location %s", listener, location_id)

    def _store(
        self,
        location_id: str,
        processed: ProcessedLocation,
        *,
        new_location: Mapping[str, Any] | None = None,
    ) -> StoreOutcome:
        """Store a location's entities; with ``new_location`` (its row's values) the
        location is inserted in the same transaction."""
        errors = list(processed.errors)
        with self.database.session() as session:
            if new_location is not None:
                session.execute(insert(locations).values(**new_location))
            outcome = store_location_entities(
                session, location_id, processed.entities, keep_orphans=bool(processed.errors)
            )
            for ref in outcome.conflicts:
                errors.append(
                    f"{ref} is already provided by another location; this copy is ignored"
                )
            session.execute(
                update(locations)
                .where(locations.c.id == location_id)
                .values(
                    refreshed_at=datetime.now(UTC), errors=json.dumps(errors) if errors else None
                )
            )
            self._announce(session)
        self._changed()
        if outcome.added + outcome.updated + outcome.deleted >= ANALYZE_AFTER_CHANGES:
            self._analyze()
        log.info(
            "catalog location %s: %d added, %d updated, %d unchanged, %d deleted, %d problem(s)",
            location_id,
            outcome.added,
            outcome.updated,
            outcome.unchanged,
            outcome.deleted,
            len(errors),
        )
        return outcome

    def _analyze(self) -> None:
        """Refresh the planner's statistics so big catalogs keep index-driven plans."""
        with self.database.engine.begin() as connection:
            if connection.dialect.name == "sqlite":
                connection.exec_driver_sql("PRAGMA analysis_limit=2000")
                connection.exec_driver_sql("ANALYZE")
            elif connection.dialect.name == "postgresql":
                connection.exec_driver_sql(
                    "ANALYZE catalog_entities, catalog_search, catalog_relations"
                )

    def refresh_location(self, location_id: str) -> LocationRecord:
        """Re-read one location now: new entities added, changed updated, vanished deleted."""
        record = self.get_location(location_id)
        with self._ingest_lock:
            seen = self._fingerprints.get(location_id)
            # a location with errors (a refused ref, say) is always reprocessed: what it
            # could not claim last time may be free now
            if seen is not None and not record.errors and unchanged_since(self.reader, seen):
                with self.database.session() as session:
                    session.execute(
                        update(locations)
                        .where(locations.c.id == location_id)
                        .values(refreshed_at=datetime.now(UTC))
                    )
                self._notify_refreshed(location_id)
                return self.get_location(location_id)
            recorder = RecordingReader(self.policy, self.readers)
            processed = process_location((record.type, record.target), recorder)
            self._store(location_id, processed)
            if recorder.complete:
                self._fingerprints[location_id] = recorder.seen
            else:
                self._fingerprints.pop(location_id, None)
        self._notify_refreshed(location_id)
        return self.get_location(location_id)

    def refresh(self, entity_ref: str | EntityRef | None = None) -> None:
        """Refresh every location now, or only the one an entity came from."""
        if entity_ref is not None:
            self.refresh_location(self.get_location_by_entity(entity_ref).id)
            return
        for record in self.list_locations():
            try:
                self.refresh_location(record.id)
            except GoldpathError as exc:  # one bad location must not stop the others
                log.warning("refreshing location %s failed: %s", record.key, exc.message)

    def refresh_due(self, interval_seconds: float) -> int:
        """Refresh every location no process refreshed in the last half interval.

        What the background loop runs. Each location is claimed with one atomic update of
        its ``refreshed_at``, so portal replicas sharing a database split the locations
        between them instead of each re-reading all of them. Returns how many locations
        this process refreshed.
        """
        refreshed = 0
        for record in self.list_locations():
            if not self._claim_refresh(record.id, timedelta(seconds=interval_seconds / 2)):
                continue  # another replica refreshed it a moment ago
            try:
                self.refresh_location(record.id)
                refreshed += 1
            except GoldpathError as exc:  # one bad location must not stop the others
                log.warning("refreshing location %s failed: %s", record.key, exc.message)
        return refreshed

    def _claim_refresh(self, location_id: str, fresh_for: timedelta) -> bool:
        now = datetime.now(UTC)
        with self.database.session() as session:
            claimed = session.execute(
                update(locations)
                .where(
                    locations.c.id == location_id,
                    or_(
                        locations.c.refreshed_at.is_(None),
                        locations.c.refreshed_at <= now - fresh_for,
                    ),
                )
                .values(refreshed_at=now)
            )
            return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    def register_configured_locations(self) -> None:
        """Register (idempotently) the locations listed in settings.catalog.locations."""
        if self.settings is None:
            return
        for item in self.settings.catalog.locations:
            try:
                self.ensure_location(item.type, item.target, origin="config")
            except GoldpathError as exc:
                log.warning(
                    "configured location %s:%s failed: %s", item.type, item.target, exc.message
                )
