"""Catalog changes move ``CatalogService.generation``, here and (PostgreSQL) in other replicas."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.catalog.conftest import WriteYaml, component, reading_policy

from goldpath.catalog import CatalogChangeListener, CatalogService
from goldpath.db import Database
from goldpath.permissions import CatalogDirectory


def _eventually(check: Callable[[], bool], *, within: float = 20.0) -> bool:
    """Whether ``check`` comes true before ``within`` seconds pass (a bound, not a timing)."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_every_committed_change_moves_the_generation(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("a"), component("b"))
    seen = [catalog.generation]
    record, _ = catalog.add_location("file", str(path))
    seen.append(catalog.generation)
    write_yaml("catalog-info.yaml", component("a"))
    catalog.refresh_location(record.id)
    seen.append(catalog.generation)
    catalog.delete_by_uid(catalog.get_entity("component:default/a")["metadata"]["uid"])
    seen.append(catalog.generation)
    catalog.remove_location(record.id)
    seen.append(catalog.generation)
    assert seen == sorted(set(seen))  # every step moved it forwards


def test_reads_and_an_unchanged_refresh_leave_the_generation(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    record, _ = catalog.add_location("file", str(write_yaml("c.yaml", component("a"))))
    before = catalog.generation
    catalog.refresh_location(record.id)  # the files did not change: nothing is stored
    catalog.query(filters={"kind": "component"})
    catalog.get_entity("component:default/a")
    assert catalog.generation == before


def test_the_listener_ignores_its_own_services_notifications(database: Database) -> None:
    catalog = CatalogService(database)
    listener = CatalogChangeListener(catalog)
    before = catalog.generation
    listener.handle(catalog.origin)
    assert catalog.generation == before
    listener.handle("another-replica")
    assert catalog.generation > before


@pytest.mark.postgres
def test_another_replicas_membership_change_reaches_this_replicas_groups(
    postgres_url: str, tmp_path: Path, write_yaml: WriteYaml
) -> None:
    database = Database(postgres_url)
    database.migrate()
    here = CatalogService(database, policy=reading_policy(tmp_path))
    there = CatalogService(Database(postgres_url), policy=reading_policy(tmp_path))
    team = {"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {"name": "t"}}
    team["spec"] = {"type": "team", "children": []}

    def user(*groups: str) -> dict[str, object]:
        return {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "User",
            "metadata": {"name": "ann"},
            "spec": {"memberOf": list(groups)},
        }

    path = write_yaml("org.yaml", team, user("t"))
    record, _ = there.add_location("file", str(path))
    # the clock never moves: only a notification can make this directory read again
    directory = CatalogDirectory(here, clock=lambda: 0.0)
    listener = CatalogChangeListener(here)
    listener.start()
    try:
        assert directory.groups_of("user:default/ann") == {"group:default/t"}
        write_yaml("org.yaml", team, user())
        there.refresh_location(record.id)
        assert _eventually(lambda: directory.groups_of("user:default/ann") == frozenset())
    finally:
        listener.stop()
        there.database.dispose()
        database.dispose()
