"""Catalog queries: Backstage's filter/order/fields/cursor semantics turned into SQL."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    FromClause,
    and_,
    bindparam,
    case,
    false,
    func,
    literal,
    or_,
    select,
    true,
)

from goldpath.catalog._tables import entities, fulltext, relations, search
from goldpath.catalog.errors import InvalidQueryError
from goldpath.errors import FieldError

__all__ = [
    "CATALOG_FILTER_EXISTS",
    "Cursor",
    "FilterGroup",
    "FullTextFilter",
    "OrderField",
    "apply_fields",
    "filter_clause",
    "filter_shape",
    "filter_values",
    "normalise_filters",
    "parse_filter_params",
    "parse_order_params",
    "split_fields",
]


class _Exists:
    def __repr__(self) -> str:
        return "CATALOG_FILTER_EXISTS"


CATALOG_FILTER_EXISTS: Final = _Exists()
"""Use as a filter value to match entities that have the key, whatever its value."""

# key -> lower-cased values (any of), or None for "the key exists"
FilterGroup = dict[str, list[str] | None]
_COLUMN_KEYS = {
    "metadata.uid": entities.c.uid,
    "kind": entities.c.kind,
    "metadata.namespace": entities.c.namespace,
    "metadata.name": entities.c.name,
}


@dataclass(frozen=True, slots=True)
class OrderField:
    """Sort by a dotted field, ascending or descending."""

    field: str
    order: str = "asc"


@dataclass(frozen=True, slots=True)
class FullTextFilter:
    """A case-insensitive substring search, over given fields or the usual text fields."""

    term: str
    fields: tuple[str, ...] = ()


def _bad(field_name: str, rule: str, message: str) -> InvalidQueryError:
    return InvalidQueryError(message, errors=[FieldError(field_name, rule, message)])


def parse_filter_params(params: Sequence[str] | None) -> list[FilterGroup]:
    """``filter=kind=component,spec.type=service`` params: AND inside one, OR across them."""
    groups: list[FilterGroup] = []
    for param in params or ():
        group: FilterGroup = {}
        for part in param.split(","):
            part = part.strip()
            if not part:
                continue
            key, eq, value = part.partition("=")
            key = key.strip().lower()
            if not key:
                raise _bad("filter", "syntax", f"filter part {part!r} has no key")
            if not eq:
                group.setdefault(key, None)
                continue
            current = group.get(key, [])
            if current is None:  # "key" and "key=value": the value test is stricter
                current = []
            current.append(value.strip().lower())
            group[key] = current
        if group:
            groups.append(group)
    return groups


def normalise_filters(
    filters: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None,
) -> list[FilterGroup]:
    """The Python-side filter form (Backstage's EntityFilterQuery) as filter groups."""
    if filters is None:
        return []
    raw = [filters] if isinstance(filters, Mapping) else list(filters)
    groups: list[FilterGroup] = []
    for item in raw:
        group: FilterGroup = {}
        for key, value in item.items():
            lowered = str(key).lower()
            if value is None or value is CATALOG_FILTER_EXISTS:
                group[lowered] = None
            elif isinstance(value, str):
                group[lowered] = [value.lower()]
            elif isinstance(value, Iterable):
                group[lowered] = [str(v).lower() for v in value]
            else:
                group[lowered] = [str(value).lower()]
        if group:
            groups.append(group)
    return groups


def _condition(key: str, values: list[str] | None, bind: str | None) -> ColumnElement[bool]:
    """One ``key=values`` test; with ``bind``, the values are that bind parameter's."""

    def any_of(column: Any, given: list[str]) -> ColumnElement[bool]:
        if bind is None:
            return column.in_(given)  # type: ignore[no-any-return]
        return column.in_(bindparam(bind, expanding=True, type_=column.type))  # type: ignore[no-any-return]

    if key in _COLUMN_KEYS:
        if values is None:
            return true()
        return any_of(_COLUMN_KEYS[key], values)
    if key.startswith("relations."):
        rel_type = key[len("relations.") :]
        sub = select(relations.c.source_ref).where(relations.c.type_key == rel_type)
        if values is not None:
            sub = sub.where(any_of(relations.c.target_ref, values))
        return entities.c.entity_ref.in_(sub)
    sub = select(search.c.entity_uid).where(search.c.key == key)
    if values is not None:
        sub = sub.where(any_of(search.c.value, values))
    return entities.c.uid.in_(sub)


def _value_bind(group: int, index: int) -> str:
    return f"v{group}_{index}"


def _text_pattern(full_text: FullTextFilter | None) -> str | None:
    if full_text is None or not full_text.term.strip():
        return None
    return f"%{_like_escape(full_text.term.strip().lower())}%"


def filter_shape(groups: Sequence[FilterGroup], full_text: FullTextFilter | None) -> Hashable:
    """What ``filter_clause(..., bound=True)`` builds depends on, values left out: filters
    of one shape share one statement, executed with ``filter_values``."""
    text = None
    if _text_pattern(full_text) is not None:
        assert full_text is not None
        text = tuple(f.lower() for f in full_text.fields)
    return (tuple(tuple((k, v is None) for k, v in g.items()) for g in groups), text)


def filter_values(
    groups: Sequence[FilterGroup], full_text: FullTextFilter | None
) -> dict[str, Any]:
    """The bind parameters of ``filter_clause(groups, full_text, bound=True)``."""
    values: dict[str, Any] = {
        _value_bind(g, i): v
        for g, group in enumerate(groups)
        for i, v in enumerate(group.values())
        if v is not None
    }
    pattern = _text_pattern(full_text)
    if pattern is not None:
        values["text"] = pattern
    return values


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_clause(
    groups: Sequence[FilterGroup],
    full_text: FullTextFilter | None = None,
    *,
    bound: bool = False,
) -> ColumnElement[bool]:
    """A WHERE clause for entities: OR of AND-groups, plus the full-text term.

    ``bound``: the values are bind parameters (``filter_values`` gives them), so the clause
    serves every filter of its ``filter_shape``.
    """
    clause: ColumnElement[bool] = true()
    if groups:
        ors = []
        for g, group in enumerate(groups):
            if not group:
                continue
            ors.append(
                and_(
                    *(
                        _condition(k, v, _value_bind(g, i) if bound else None)
                        for i, (k, v) in enumerate(group.items())
                    )
                )
            )
        clause = or_(*ors) if ors else false()
    literal_pattern = _text_pattern(full_text)
    if full_text is not None and literal_pattern is not None:
        pattern: Any = bindparam("text", type_=search.c.value.type) if bound else literal_pattern
        if full_text.fields:
            keys = [f.lower() for f in full_text.fields]
            sub = select(search.c.entity_uid).where(
                search.c.key.in_(keys), search.c.value.like(pattern, escape="\\")
            )
            text_clause: ColumnElement[bool] = entities.c.uid.in_(sub)
        else:
            text_clause = entities.c.uid.in_(
                select(fulltext.c.entity_uid).where(fulltext.c.text.like(pattern, escape="\\"))
            )
        clause = and_(clause, text_clause)
    return clause


def parse_order_params(params: Sequence[str] | None) -> list[OrderField]:
    """``orderField=metadata.name,asc`` params, in priority order."""
    fields: list[OrderField] = []
    for param in params or ():
        name, _, order = param.partition(",")
        name, order = name.strip(), (order.strip().lower() or "asc")
        if not name:
            raise _bad("orderField", "syntax", f"orderField {param!r} names no field")
        if order not in ("asc", "desc"):
            raise _bad("orderField", "enum", f"orderField order {order!r} must be asc or desc")
        fields.append(OrderField(name, order))
    return fields


@dataclass(frozen=True, slots=True)
class SortPlan:
    """How a query orders its rows: what it selects from, and (expression, descending)
    pairs, missing values last and the ref breaking ties."""

    source: FromClause
    columns: list[tuple[ColumnElement[Any], bool]]


def sort_plan(order: Sequence[OrderField]) -> SortPlan:
    """`SortPlan` of ``order``. A field that is not a column of the entities table is
    read from the search table, each entity's smallest value of it, for all entities in
    one grouped pass joined in: a subquery per row made ordering 10,000 entities by
    ``spec.type`` three times slower than ordering them by name."""
    source: FromClause = entities
    columns: list[tuple[ColumnElement[Any], bool]] = []
    for index, item in enumerate(order):
        key = item.field.lower()
        desc = item.order == "desc"
        if key in _COLUMN_KEYS:
            columns.append((_COLUMN_KEYS[key], desc))
            continue
        values = (
            select(search.c.entity_uid, func.min(search.c.value).label("value"))
            .where(search.c.key == key)
            .group_by(search.c.entity_uid)
            .subquery(f"sort_{index}")
        )
        source = source.outerjoin(values, values.c.entity_uid == entities.c.uid)
        value = values.c.value
        columns.append((case((value.is_(None), 1), else_=0), False))
        columns.append((func.coalesce(value, literal("")), desc))
    columns.append((entities.c.entity_ref, False))
    return SortPlan(source, columns)


def keyset_clause(
    columns: Sequence[tuple[ColumnElement[Any], bool]], values: Sequence[Any], *, backwards: bool
) -> ColumnElement[bool]:
    """Rows strictly after (or, backwards, before) the row whose sort values are given."""
    ors = []
    for i, (expr, desc) in enumerate(columns):
        equal = [columns[j][0] == values[j] for j in range(i)]
        after = desc == backwards  # asc forwards -> ">", desc forwards -> "<"
        step = expr > values[i] if after else expr < values[i]
        ors.append(and_(*equal, step))
    return or_(*ors)


@dataclass
class Cursor:
    """The state a by-query cursor carries (opaque base64 JSON to clients)."""

    filters: list[FilterGroup]
    order: list[OrderField]
    full_text: FullTextFilter | None
    values: list[Any]
    backwards: bool
    total_items: int

    def encode(self) -> str:
        """The opaque string handed to clients."""
        payload = {
            "f": self.filters,
            "o": [[o.field, o.order] for o in self.order],
            "t": [self.full_text.term, list(self.full_text.fields)] if self.full_text else None,
            "v": self.values,
            "b": self.backwards,
            "n": self.total_items,
        }
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str) -> Cursor:
        """Parse a cursor string; a malformed one is a 400 naming ``cursor``."""
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            data = json.loads(raw)
            full_text = FullTextFilter(data["t"][0], tuple(data["t"][1])) if data["t"] else None
            return cls(
                filters=[
                    {str(k): (None if v is None else [str(x) for x in v]) for k, v in g.items()}
                    for g in data["f"]
                ],
                order=[OrderField(str(f), str(o)) for f, o in data["o"]],
                full_text=full_text,
                values=list(data["v"]),
                backwards=bool(data["b"]),
                total_items=int(data["n"]),
            )
        except (binascii.Error, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
            raise _bad("cursor", "format", "cursor is not a cursor this catalog issued") from exc


def split_fields(params: Sequence[str] | None) -> list[str]:
    """``fields=kind,metadata.name`` params as a flat list of dotted paths."""
    out: list[str] = []
    for param in params or ():
        out.extend(p.strip() for p in param.split(",") if p.strip())
    return out


def apply_fields(entity: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    """Only the listed dotted paths of the entity (Backstage's ``fields``)."""
    if not fields:
        return entity
    out: dict[str, Any] = {}
    for path in fields:
        steps = path.split(".")
        node: Any = entity
        for step in steps:
            if not isinstance(node, dict) or step not in node:
                node = _MISSING
                break
            node = node[step]
        if node is _MISSING:
            continue
        target = out
        for step in steps[:-1]:
            target = target.setdefault(step, {})
        target[steps[-1]] = node
    return out


_MISSING = object()
