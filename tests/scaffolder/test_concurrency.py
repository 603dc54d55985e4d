"""Parallel Creates of one name: exactly one completes, the rest are refused or fail cleanly."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from tests.scaffolder.conftest import TEST_PROVIDERS, task_workers, write_template
from tests.support.waiting import wait_until

from goldpath.config import Settings
from goldpath.runtime import Runtime
from goldpath.scaffolder import FINISHED, RESERVED_NAME_ANNOTATION
from goldpath.scaffolder.errors import NameReservedError

CATALOG_INFO = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${{ parameters.name }}
spec:
  type: service
  owner: group:default/platform
  lifecycle: experimental
"""


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def runtime(request: pytest.FixtureRequest, settings: Settings) -> Iterator[Runtime]:
    """A prepared runtime on SQLite and on a real PostgreSQL server (the same tests on both)."""
    if request.param == "postgresql":
        settings = settings.model_copy(
            update={"database_url": request.getfixturevalue("postgres_url")}
        )
    prepared = Runtime(settings, action_providers=TEST_PROVIDERS)
    prepared.prepare()
    yield prepared
    prepared.stop()


def _template(templates_dir: Path, world: Path, *, reserved: bool) -> Path:
    return write_template(
        templates_dir,
        name="parallel",
        annotations={RESERVED_NAME_ANNOTATION: "name"} if reserved else {},
        steps=[
            {
                "id": "publish",
                "action": "test:world-write",
                "input": {
                    "path": f"{world}/" + "${{ parameters.name }}/catalog-info.yaml",
                    "content": CATALOG_INFO,
                },
            },
            {
                "id": "register",
                "action": "catalog:register",
                "input": {
                    "catalogInfoUrl": f"file://{world}/"
                    + "${{ parameters.name }}/catalog-info.yaml"
                },
            },
        ],
    )


def _wait_all(runtime: Runtime, ids: list[str]) -> None:
    wait_until(
        lambda: all(runtime.task_store.get(i).status in FINISHED for i in ids),
        timeout=300,
        what="every task to end",
    )


def _create_in_parallel(runtime: Runtime, count: int) -> tuple[list[str], int]:
    barrier = threading.Barrier(count)

    def create(_: int) -> str | None:
        barrier.wait()
        try:
            return runtime.task_creator.create("template:default/parallel", {"name": "same-name"})
        except NameReservedError:
            return None

    with ThreadPoolExecutor(count) as pool:
        results = list(pool.map(create, range(count)))
    ids = [r for r in results if r is not None]
    return ids, len(results) - len(ids)


def _run(runtime: Runtime, count: int) -> tuple[list[str], int]:
    threads = task_workers(runtime, 4)
    threads.start()
    try:
        ids, refused = _create_in_parallel(runtime, count)
        _wait_all(runtime, ids)
    finally:
        threads.stop()
    return ids, refused


def test_twenty_parallel_creates_with_a_reserved_name(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    world = tmp_path / "world"
    runtime.catalog.add_location("file", str(_template(templates_dir, world, reserved=True)))
    ids, refused = _run(runtime, 20)
    statuses = [runtime.task_store.get(i).status for i in ids]
    assert statuses.count("completed") == 1
    assert (
        len(ids) + refused == 20
        and statuses.count("completed") + refused + statuses.count("failed") == 20
    )
    assert runtime.catalog.get_entity("component:default/same-name")
    assert len([loc for loc in runtime.catalog.list_locations() if "same-name" in loc.target]) == 1
    assert runtime.task_store.reservation_owner("same-name") is None
    assert not any(runtime.settings.workspace_root.iterdir())


def test_twenty_parallel_creates_without_a_declaration(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    world = tmp_path / "world"
    runtime.catalog.add_location("file", str(_template(templates_dir, world, reserved=False)))
    ids, refused = _run(runtime, 20)
    assert refused == 0
    statuses = [runtime.task_store.get(i).status for i in ids]
    assert statuses.count("completed") == 1
    assert statuses.count("failed") == 19
    winner = ids[statuses.index("completed")]
    assert (world / "same-name/catalog-info.yaml").exists()
    assert runtime.catalog.get_entity("component:default/same-name")
    assert len([loc for loc in runtime.catalog.list_locations() if "same-name" in loc.target]) == 1
    for task_id in ids:
        if task_id != winner:
            error = runtime.task_store.get(task_id).error
            assert error is not None and error.rollback is not None and error.rollback.undone == []
    assert not any(runtime.settings.workspace_root.iterdir())
