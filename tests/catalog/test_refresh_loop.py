"""The refresh loop: registers configured locations at start and re-reads on an interval."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from tests.catalog.conftest import WriteYaml, component, reading_policy

from goldpath.catalog import CatalogService, RefreshLoop
from goldpath.catalog._tables import locations
from goldpath.config import load_settings
from goldpath.db import Database
from goldpath.runtime import Runtime


def _wait_for(predicate: Callable[[], bool], timeout: float = 20.0) -> bool:
    """Poll a condition (no timing asserts: only waits, up to a generous bound)."""
    done = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return True
        done.wait(0.05)
    return False


def test_the_loop_picks_up_changes_to_a_location(
    database: Database, write_yaml: WriteYaml, tmp_path: Path
) -> None:
    catalog = CatalogService(database, policy=reading_policy(tmp_path))
    path = write_yaml("catalog-info.yaml", component("a"))
    catalog.add_location("file", str(path))
    loop = RefreshLoop(catalog, interval_seconds=0.05)
    loop.start()
    try:
        write_yaml("catalog-info.yaml", component("a"), component("b"))
        assert _wait_for(lambda: catalog.find_entity("component:b") is not None)
    finally:
        loop.stop()


def test_a_disabled_loop_only_registers_configured_locations(
    goldpath_home: Path, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("configured"))
    settings = load_settings(
        home=goldpath_home,
        catalog={"refresh_enabled": False, "locations": [{"type": "file", "target": str(path)}]},
        scaffolder={"workers": 0},
    )
    runtime = Runtime(settings)
    runtime.start()
    try:
        assert runtime.catalog.get_entity("component:configured")
        loops = [s for s in runtime._background if isinstance(s, RefreshLoop)]
        assert len(loops) == 1 and loops[0]._thread is None
    finally:
        runtime.stop()


def test_configured_locations_are_registered_once_across_restarts(
    goldpath_home: Path, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("configured"))
    settings = load_settings(
        home=goldpath_home,
        catalog={"refresh_enabled": False, "locations": [{"type": "file", "target": str(path)}]},
        scaffolder={"workers": 0},
    )
    for _ in range(2):
        runtime = Runtime(settings)
        runtime.start()
        runtime.stop()
    runtime = Runtime(settings)
    runtime.prepare()
    targets = [loc.target for loc in runtime.catalog.list_locations()]
    assert targets.count(str(path)) == 1
    runtime.stop()


def test_replicas_sharing_a_database_split_the_refresh_work(
    any_database: Database, write_yaml: WriteYaml, tmp_path: Path
) -> None:
    # Two portal replicas (two services on one database) wake for the same round: each
    # location is refreshed by exactly one of them.
    policy = reading_policy(tmp_path)
    replicas = [
        CatalogService(any_database, policy=policy),
        CatalogService(any_database, policy=policy),
    ]
    for index in range(6):
        path = write_yaml(f"loc-{index}.yaml", component(f"c{index}"))
        replicas[0].add_location("file", str(path))
    refreshed: list[list[str]] = [[], []]
    for number, replica in enumerate(replicas):
        real = replica.refresh_location

        def counting(location_id: str, _real=real, _mine=refreshed[number]):  # type: ignore[no-untyped-def]
            _mine.append(location_id)
            return _real(location_id)

        replica.refresh_location = counting  # type: ignore[method-assign]
    # locations were just added (refreshed now): nothing is due within the interval
    assert [replica.refresh_due(3600) for replica in replicas] == [0, 0]
    assert refreshed == [[], []]
    stale = datetime.now(UTC) - timedelta(hours=2)
    with any_database.session() as session:
        session.execute(update(locations).values(refreshed_at=stale))
    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(lambda replica: replica.refresh_due(3600), replicas))
    assert sum(counts) == 6
    assert sorted(refreshed[0] + refreshed[1]) == sorted(
        location.id for location in replicas[0].list_locations()
    )
