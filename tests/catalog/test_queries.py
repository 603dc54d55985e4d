"""Queries: Backstage's filters, fields, ordering, full-text, cursors, facets and lookups."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from tests.catalog.conftest import WriteYaml, component, group

from goldpath.catalog import (
    CATALOG_FILTER_EXISTS,
    CatalogService,
    EntityNotFoundError,
    InvalidQueryError,
    OrderField,
    parse_filter_params,
)

TYPES = ["service", "website", "library"]


@pytest.fixture
def populated(catalog: CatalogService, write_yaml: WriteYaml) -> CatalogService:
    docs: list[dict[str, Any]] = [group("team-a"), group("team-b")]
    for i in range(23):
        entity = component(
            f"svc-{i:02d}",
            type=TYPES[i % 3],
            owner="team-a" if i % 2 == 0 else "team-b",
        )
        entity["metadata"]["title"] = f"Service {i:02d}"
        entity["metadata"]["tags"] = ["java"] if i < 5 else ["go"]
        if i == 7:
            entity["metadata"]["annotations"] = {"example.com/special": "yes"}
            entity["metadata"]["description"] = "The Needle in the haystack"
        docs.append(entity)
    catalog.add_location("file", str(write_yaml("catalog-info.yaml", *docs)))
    return catalog


def _names(result: Any) -> list[str]:
    return [e["metadata"]["name"] for e in result.items]


def test_filters_inside_one_group_are_anded(populated: CatalogService) -> None:
    result = populated.query(
        filters={"kind": "component", "spec.type": "service", "spec.owner": "team-a"}, limit=100
    )
    assert _names(result) == ["svc-00", "svc-06", "svc-12", "svc-18"]
    assert result.total_items == 4


def test_filter_groups_are_ored(populated: CatalogService) -> None:
    result = populated.query(filters=[{"kind": "group"}, {"metadata.name": "svc-01"}], limit=100)
    assert sorted(_names(result)) == ["svc-01", "team-a", "team-b"]


def test_several_values_for_one_key_match_any(populated: CatalogService) -> None:
    groups = parse_filter_params(["kind=component,metadata.name=svc-01,metadata.name=svc-02"])
    assert _names(populated.query(filters=groups)) == ["svc-01", "svc-02"]


def test_filter_values_match_case_insensitively(populated: CatalogService) -> None:
    assert _names(populated.query(filters={"Kind": "COMPONENT", "metadata.name": "SVC-03"})) == [
        "svc-03"
    ]


def test_existence_filters_match_entities_having_the_key(populated: CatalogService) -> None:
    exists = populated.query(
        filters={"metadata.annotations.example.com/special": CATALOG_FILTER_EXISTS}
    )
    assert _names(exists) == ["svc-07"]
    via_params = populated.query(
        filters=parse_filter_params(["metadata.annotations.example.com/special"])
    )
    assert _names(via_params) == ["svc-07"]


def test_relation_filters_follow_stored_relations(populated: CatalogService) -> None:
    owned = populated.query(filters={"relations.ownedBy": "group:default/team-b"}, limit=100)
    assert len(owned.items) == 11
    owners = populated.query(filters={"relations.ownerOf": "component:default/svc-01"})
    assert _names(owners) == ["team-b"]


def test_array_values_are_searchable(populated: CatalogService) -> None:
    assert populated.query(filters={"metadata.tags": "java"}).total_items == 5


def test_fields_select_parts_of_entities(populated: CatalogService) -> None:
    result = populated.query(filters={"metadata.name": "svc-01"}, fields=["kind", "metadata.name"])
    assert result.items == [{"kind": "Component", "metadata": {"name": "svc-01"}}]


def test_order_fields_sort_ascending_and_descending(populated: CatalogService) -> None:
    desc = populated.query(
        filters={"kind": "component"}, order=[("metadata.name", "desc")], limit=3
    )
    assert _names(desc) == ["svc-22", "svc-21", "svc-20"]
    by_title = populated.query(
        filters={"kind": "component"}, order=[OrderField("metadata.title")], limit=2
    )
    assert _names(by_title) == ["svc-00", "svc-01"]


def test_entities_missing_the_order_field_sort_last(populated: CatalogService) -> None:
    result = populated.query(order=[("metadata.title", "asc")], limit=100)
    names = _names(result)
    untitled = [n for n in names if not n.startswith("svc-")]  # groups and the Location
    assert names[: len(names) - len(untitled)] == [f"svc-{i:02d}" for i in range(23)]


def test_full_text_matches_substrings_case_insensitively(populated: CatalogService) -> None:
    assert _names(populated.query(full_text="NEEDLE")) == ["svc-07"]
    assert _names(
        populated.query(full_text="svc-1", full_text_fields=["metadata.name"], limit=100)
    ) == [f"svc-{i}" for i in range(10, 20)]


def test_full_text_treats_like_wildcards_literally(populated: CatalogService) -> None:
    assert populated.query(full_text="%").total_items == 0
    assert populated.query(full_text="_").total_items == 0


@pytest.mark.parametrize("order", [(), (("metadata.name", "desc"),), (("spec.type", "asc"),)])
def test_cursors_walk_every_item_once_forwards_and_back(
    populated: CatalogService, order: tuple[tuple[str, str], ...]
) -> None:
    everything = _names(populated.query(filters={"kind": "component"}, order=order, limit=1000))
    pages: list[list[str]] = []
    page = populated.query(filters={"kind": "component"}, order=order, limit=5)
    assert page.prev_cursor is None
    pages.append(_names(page))
    cursors = []
    while page.next_cursor:
        cursors.append(page.next_cursor)
        page = populated.query(cursor=page.next_cursor, limit=5)
        assert page.total_items == 23
        pages.append(_names(page))
    assert [n for p in pages for n in p] == everything
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    back: list[list[str]] = [_names(page)]
    while page.prev_cursor:
        page = populated.query(cursor=page.prev_cursor, limit=5)
        back.append(_names(page))
    assert list(reversed(back)) == pages


def test_a_malformed_cursor_is_rejected_naming_the_cursor(populated: CatalogService) -> None:
    with pytest.raises(InvalidQueryError) as caught:
        populated.query(cursor="not-a-cursor")
    assert caught.value.errors[0].field == "cursor"


def test_limit_zero_only_counts(populated: CatalogService) -> None:
    result = populated.query(filters={"kind": "group"}, limit=0)
    assert result.items == [] and result.total_items == 2


def test_facets_count_values_of_matching_entities(populated: CatalogService) -> None:
    facets = populated.facets(
        ["kind", "spec.type", "relations.ownedBy"], filters={"kind": "component"}
    )
    assert facets["kind"] == [{"value": "Component", "count": 23}]
    # most frequent first, ties by value
    assert facets["spec.type"] == [
        {"value": "service", "count": 8},
        {"value": "website", "count": 8},
        {"value": "library", "count": 7},
    ]
    assert {f["value"]: f["count"] for f in facets["relations.ownedBy"]} == {
        "group:default/team-a": 12,
        "group:default/team-b": 11,
    }


def test_get_by_refs_keeps_order_and_marks_missing(populated: CatalogService) -> None:
    found = populated.get_by_refs(["component:svc-02", "component:nope", "group:team-a", "bad ref"])
    assert [e["metadata"]["name"] if e else None for e in found] == ["svc-02", None, "team-a", None]


def test_entities_can_be_read_and_deleted_by_uid(populated: CatalogService) -> None:
    uid = populated.get_entity("component:svc-01")["metadata"]["uid"]
    assert populated.get_by_uid(uid)["metadata"]["name"] == "svc-01"
    populated.delete_by_uid(uid)
    with pytest.raises(EntityNotFoundError):
        populated.get_by_uid(uid)
    with pytest.raises(EntityNotFoundError):
        populated.delete_by_uid(uid)
    populated.refresh()
    assert populated.get_entity("component:svc-01")["metadata"]["uid"] != uid


def test_list_entities_pages_by_offset(populated: CatalogService) -> None:
    first = populated.list_entities(filters={"kind": "component"}, limit=3)
    second = populated.list_entities(filters={"kind": "component"}, limit=3, offset=3)
    assert [e["metadata"]["name"] for e in first + second] == [f"svc-{i:02d}" for i in range(6)]


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(limit=st.integers(min_value=1, max_value=30), desc=st.booleans())
def test_paging_with_any_limit_yields_every_item_once(
    populated: CatalogService, limit: int, desc: bool
) -> None:
    order = [("metadata.name", "desc" if desc else "asc")]
    seen: list[str] = []
    page = populated.query(filters={"kind": "component"}, order=order, limit=limit)
    seen += _names(page)
    while page.next_cursor:
        page = populated.query(cursor=page.next_cursor, limit=limit)
        seen += _names(page)
    assert seen == sorted(seen, reverse=desc)
    assert len(seen) == len(set(seen)) == 23


class _Statements:
    """Counts the SQL statements a block sends (the round trips a read costs)."""

    def __init__(self, catalog: CatalogService) -> None:
        self.engine = catalog.database.engine
        self.count = 0

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> _Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_reading_an_entity_with_its_relations_is_one_statement(
    populated: CatalogService,
) -> None:
    with _Statements(populated) as statements:
        entity = populated.get_entity("component:default/svc-03")
        by_uid = populated.get_by_uid(entity["metadata"]["uid"])
    assert statements.count == 2
    assert {"type": "ownedBy", "targetRef": "group:default/team-b"} in entity["relations"]
    assert by_uid == entity


def test_a_query_page_with_total_and_relations_is_one_statement(
    populated: CatalogService,
) -> None:
    with _Statements(populated) as statements:
        first = populated.query(filters={"relations.ownedBy": "group:default/team-a"}, limit=5)
        second = populated.query(cursor=first.next_cursor)
    assert statements.count == 2
    assert first.total_items == second.total_items == 12
    assert all(
        {"type": "ownedBy", "targetRef": "group:default/team-a"} in item["relations"]
        for item in [*first.items, *second.items]
    )


def test_a_first_page_past_every_match_counts_none(populated: CatalogService) -> None:
    result = populated.query(filters={"kind": "api"}, limit=5)
    assert (result.items, result.total_items, result.next_cursor) == ([], 0, None)
    assert populated.query(filters={"kind": "component"}, limit=0).total_items == 23


_FILTER_VALUES = {
    "kind": st.sampled_from(["component", "group", "api"]),
    "spec.type": st.sampled_from(TYPES),
    "relations.ownedBy": st.sampled_from(["group:default/team-a", "group:default/team-b"]),
    "metadata.tags": st.sampled_from(["java", "go", "rust"]),
    "metadata.name": st.sampled_from(["svc-01", "svc-02", "team-a"]),
}
_FILTER_GROUPS = st.sets(st.sampled_from(sorted(_FILTER_VALUES)), min_size=1, max_size=3).flatmap(
    lambda keys: st.fixed_dictionaries(
        {k: st.none() | st.lists(_FILTER_VALUES[k], min_size=1, max_size=2) for k in sorted(keys)}
    )
)
_ORDERS = ([], [("metadata.name", "desc")], [("metadata.name", "asc")], [("spec.type", "asc")])
_QUERIES = st.fixed_dictionaries(
    {
        "filters": st.lists(_FILTER_GROUPS, min_size=1, max_size=2),
        "full_text": st.sampled_from([None, "svc-1", "needle"]),
        "limit": st.integers(min_value=1, max_value=6),
    }
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries=st.lists(_QUERIES, min_size=2, max_size=3))
def test_a_query_answers_alike_whether_its_statement_is_composed_or_reused(
    populated: CatalogService, queries: list[dict[str, Any]]
) -> None:
    # Invariant: a statement composed for one query and reused for later queries of its
    # shape (other values, other limits) answers what a statement composed afresh answers,
    # first pages and the pages their cursors lead to alike, whatever the order.
    for query in queries:
        for order in _ORDERS:
            reused = populated.query(**query, order=order)
            fresh = CatalogService(populated.database).query(**query, order=order)
            assert reused == fresh
            if reused.next_cursor:
                following = populated.query(cursor=reused.next_cursor, limit=query["limit"])
                again = CatalogService(populated.database).query(
                    cursor=fresh.next_cursor, limit=query["limit"]
                )
                assert following == again
                if following.prev_cursor:
                    back = populated.query(cursor=following.prev_cursor, limit=query["limit"])
                    assert back.items == reused.items


def test_each_by_ref_reads_any_number_of_refs_in_parts_in_order(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from goldpath.catalog import CatalogService, ReadingPolicy
    from goldpath.catalog import _service as service_module
    from goldpath.db import Database

    database = Database(f"sqlite:///{tmp_path / 'c.db'}")
    database.migrate()
    catalog = CatalogService(database, policy=ReadingPolicy.build([tmp_path]))
    docs = "".join(
        f"---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g{i}\n"
        "spec:\n  type: team\n  children: []\n"
        for i in range(7)
    )
    (tmp_path / "org.yaml").write_text(docs, encoding="utf-8")
    catalog.add_location("file", str(tmp_path / "org.yaml"))
    monkeypatch.setattr(service_module, "MAX_BY_REFS", 3)
    refs = [f"group:default/g{i}" for i in (6, 0, 5)] + ["group:default/nobody"] + [
        f"group:default/g{i}" for i in (1, 2, 3, 4)]
    with pytest.raises(InvalidQueryError):
        catalog.get_by_refs(refs)
    names = [e["metadata"]["name"] if e else None for e in catalog.each_by_ref(refs)]
    assert names == ["g6", "g0", "g5", None, "g1", "g2", "g3", "g4"]


_EXAMPLE = iter(range(1_000_000))
_SORTABLE = st.fixed_dictionaries(
    {
        "type": st.sampled_from(["alpha", "Beta", "beta", "gamma"]),
        "title": st.sampled_from([None, "One", "one", "Two"]),
        "tags": st.lists(st.sampled_from(["x", "y", "z"]), min_size=0, max_size=3, unique=True),
    }
)
_ORDER_FIELDS = st.lists(
    st.tuples(st.sampled_from(["spec.type", "metadata.title", "metadata.tags", "metadata.name"]),
              st.sampled_from(["asc", "desc"])),
    min_size=1, max_size=2,
)


def _sort_value(entity: dict[str, Any], field: str) -> str | None:
    """The smallest lower-cased value of ``field``, as the search table holds it."""
    node: Any = entity
    for step in field.split("."):
        node = node.get(step) if isinstance(node, dict) else None
    values = node if isinstance(node, list) else [node]
    texts = [v.lower() for v in values if isinstance(v, str)]
    return min(texts) if texts else None


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bodies=st.lists(_SORTABLE, min_size=1, max_size=10), order=_ORDER_FIELDS,
       limit=st.integers(min_value=1, max_value=4))
def test_ordering_by_any_field_is_the_reference_order_on_one_page_and_across_cursors(
    catalog: CatalogService, write_yaml: WriteYaml,
    bodies: list[dict[str, Any]], order: list[tuple[str, str]], limit: int,
) -> None:
    # Invariant: entities come in the order of their smallest value of each order field
    # (lower-cased; missing last whatever the direction), then by ref; cursors walk the
    # same order a page at a time.
    namespace = f"ex{next(_EXAMPLE)}"
    docs = []
    for index, body in enumerate(bodies):
        entity = component(f"c{index:02d}")
        entity["metadata"]["namespace"] = namespace
        entity["spec"]["type"] = body["type"]
        if body["title"] is not None:
            entity["metadata"]["title"] = body["title"]
        if body["tags"]:
            entity["metadata"]["tags"] = body["tags"]
        docs.append(entity)
    catalog.add_location("file", str(write_yaml(f"{namespace}.yaml", *docs)))

    expected = sorted(docs, key=lambda e: e["metadata"]["name"])
    for field, direction in reversed(order):
        present = [e for e in expected if _sort_value(e, field) is not None]
        missing = [e for e in expected if _sort_value(e, field) is None]
        present.sort(key=lambda e: _sort_value(e, field) or "", reverse=direction == "desc")
        expected = present + missing
    wanted = [e["metadata"]["name"] for e in expected]

    filters = {"metadata.namespace": namespace}
    assert _names(catalog.query(filters=filters, order=order, limit=100)) == wanted
    walked: list[str] = []
    page = catalog.query(filters=filters, order=order, limit=limit)
    walked += _names(page)
    while page.next_cursor:
        page = catalog.query(cursor=page.next_cursor, limit=limit)
        walked += _names(page)
    assert walked == wanted
    listed = catalog.list_entities(filters=filters, order=order)
    assert [e["metadata"]["name"] for e in listed] == wanted
