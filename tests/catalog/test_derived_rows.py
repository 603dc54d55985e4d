"""Every search, relation and full-text row belongs to a stored entity, and every stored
entity has its rows, whatever sequence of adds, refreshes and removals came before.

No foreign key holds these rows to their entity (catalog_0003): the store's own deletes
do. This is the invariant that replaced the constraint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from tests.catalog.conftest import component

from goldpath.catalog import CatalogService

NAMES = st.sampled_from(["orders", "payments", "cart", "search", "auth"])
FILES = st.sampled_from(["a.yaml", "b.yaml"])
# what one entity says: a name and who it depends on (both make relations and search rows)
ENTITY = st.tuples(NAMES, st.lists(NAMES, max_size=2, unique=True), st.sampled_from(["x", "y"]))
STEP = st.one_of(
    st.tuples(st.just("write"), FILES, st.lists(ENTITY, max_size=4)),
    st.tuples(st.just("refresh"), FILES),
    st.tuples(st.just("remove"), FILES),
    st.tuples(st.just("delete-one"), NAMES),
)


def _body(name: str, depends: list[str], word: str) -> dict[str, Any]:
    body = component(name, dependsOn=[f"component:{d}" for d in depends])
    body["metadata"]["description"] = f"{name} {word}"
    return body


def _orphans_and_bare(catalog: CatalogService) -> tuple[int, int]:
    """(derived rows without their entity, entities without full text or search rows)."""
    with catalog.database.engine.connect() as connection:
        orphans = sum(
            connection.execute(text(statement)).scalar_one()
            for statement in (
                "SELECT COUNT(*) FROM catalog_search s WHERE NOT EXISTS"
                " (SELECT 1 FROM catalog_entities e WHERE e.uid = s.entity_uid)",
                "SELECT COUNT(*) FROM catalog_relations r WHERE NOT EXISTS"
                " (SELECT 1 FROM catalog_entities e WHERE e.uid = r.originating_uid)",
                "SELECT COUNT(*) FROM catalog_fulltext f WHERE NOT EXISTS"
                " (SELECT 1 FROM catalog_entities e WHERE e.uid = f.entity_uid)",
            )
        )
        bare = connection.execute(
            text(
                "SELECT COUNT(*) FROM catalog_entities e WHERE NOT EXISTS"
                " (SELECT 1 FROM catalog_fulltext f WHERE f.entity_uid = e.uid) OR NOT EXISTS"
                " (SELECT 1 FROM catalog_search s WHERE s.entity_uid = e.uid)"
            )
        ).scalar_one()
    return orphans, bare


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=st.lists(STEP, min_size=1, max_size=8))
def test_no_derived_row_outlives_its_entity(
    catalog: CatalogService, tmp_path: Path, steps: list[tuple[Any, ...]]
) -> None:
    for step in steps:
        kind = step[0]
        if kind == "write":
            _, file, entities = step
            unique = {name: (name, depends, word) for name, depends, word in entities}
            path = tmp_path / file
            path.write_text(yaml.safe_dump_all([_body(*e) for e in unique.values()]))
            if catalog.find_location_by_target("file", str(path)) is None:
                catalog.add_location("file", str(path))
            else:
                catalog.refresh_location(catalog.get_location_by_target("file", str(path)).id)
        elif kind in ("refresh", "remove"):
            found = catalog.find_location_by_target("file", str(tmp_path / step[1]))
            if found is None:
                continue
            if kind == "refresh":
                catalog.refresh_location(found.id)
            else:
                catalog.remove_location(found.id)
        else:
            entity = catalog.find_entity(f"component:default/{step[1]}")
            if entity is not None:
                catalog.delete_by_uid(entity["metadata"]["uid"])
        assert _orphans_and_bare(catalog) == (0, 0), steps
