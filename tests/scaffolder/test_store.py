"""The task store on SQLite and PostgreSQL: claims, reservations, events, cancel, stale tasks."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from tests.scaffolder.conftest import open_steps, task_spec

from goldpath.db import Database
from goldpath.scaffolder import (
    StepChange,
    StepStatus,
    TaskError,
    TaskStatus,
    TaskStore,
    UndoRecord,
    redact,
)
from goldpath.scaffolder.errors import NameReservedError, TaskNotFoundError, TaskStateError

SPEC = task_spec("a")
STEPS = open_steps(SPEC)


def _create(store: TaskStore, name: str | None = None) -> str:
    return store.create(spec=SPEC, steps=STEPS, created_by="user:default/ada", reserved_name=name)


def test_every_task_is_claimed_exactly_once(any_database: Database) -> None:
    store = TaskStore(any_database)
    ids = {_create(store) for _ in range(24)}
    claimed: list[str] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        while (task := store.claim(f"w{n}")) is not None:
            with lock:
                claimed.append(task.id)

    with ThreadPoolExecutor(6) as pool:
        list(pool.map(worker, range(6)))
    assert Counter(claimed) == Counter({task_id: 1 for task_id in ids})
    assert all(store.get(t).status == "processing" for t in ids)


def test_reservation_is_unique_across_threads(any_database: Database) -> None:
    store = TaskStore(any_database)
    barrier = threading.Barrier(8)

    def attempt(_: int) -> str | None:
        barrier.wait()
        try:
            return _create(store, "one-name")
        except NameReservedError:
            return None

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(attempt, range(8)))
    winners = [r for r in results if r is not None]
    assert len(winners) == 1
    assert store.reservation_owner("one-name") == (winners[0], "user:default/ada")
    assert store.list_tasks()[1] == 1


def test_clash_names_the_owning_task(any_database: Database) -> None:
    store = TaskStore(any_database)
    first = _create(store, "svc")
    with pytest.raises(NameReservedError, match=first):
        _create(store, "svc")


def test_finish_releases_the_reservation_and_forgets_secrets(any_database: Database) -> None:
    store = TaskStore(any_database)
    task_id = store.create(
        spec=SPEC, steps=STEPS, created_by="u", secrets={"t": "x"}, reserved_name="n"
    )
    store.finish(task_id, TaskStatus.FAILED, error=TaskError(name="Error", message="m"))
    task = store.get(task_id)
    assert (task.status, task.secrets) == (TaskStatus.FAILED, {})
    assert task.error == TaskError(name="Error", message="m")
    assert store.reservation_owner("n") is None


def test_events_are_appended_in_order_and_redacted(any_database: Database) -> None:
    store = TaskStore(any_database)
    task_id = _create(store)
    for i in range(5):
        store.append_event(task_id, "log", {"message": f"line {i} pw=sekrit"}, secrets=["sekrit"])
    events = store.events(task_id)
    assert [e.body["message"] for e in events] == [f"line {i} pw=***" for i in range(5)]
    assert [e.body["message"] for e in store.events(task_id, after=events[2].id)] == [
        "line 3 pw=***",
        "line 4 pw=***",
    ]


def test_undo_records_and_step_state_persist(any_database: Database) -> None:
    store = TaskStore(any_database)
    task_id = _create(store)
    record = UndoRecord(
        "catalog:register", "a", "remove it", "remove-location", {"locationId": "1"}
    )
    store.add_undo(task_id, record)
    store.update_step(task_id, StepChange("a", StepStatus.PROCESSING, "now"))
    task = store.get(task_id)
    assert task.undo == [record]
    assert task.steps[0].status == StepStatus.PROCESSING
    assert task.steps[0].started_at == "now"


def test_cancel_rules(any_database: Database) -> None:
    store = TaskStore(any_database)
    open_task = _create(store, "x")
    assert store.request_cancel(open_task) == "cancelled"
    assert store.reservation_owner("x") is None
    running = _create(store)
    claimed = store.claim("w")
    assert claimed is not None and claimed.id == running
    assert store.request_cancel(running) == "processing"
    assert store.heartbeat(running, "w") is True
    with pytest.raises(TaskStateError):
        store.request_cancel(open_task)
    with pytest.raises(TaskNotFoundError):
        store.request_cancel("missing")


def test_only_one_worker_takes_over_a_stale_task(any_database: Database) -> None:
    store = TaskStore(any_database)
    task_id = _create(store)
    assert store.claim("dead") is not None
    assert store.stale(older_than=timedelta(hours=1)) == []
    assert store.stale(older_than=timedelta(seconds=-1)) == [task_id]
    wins = [store.take_over(task_id, f"w{i}", older_than=timedelta(seconds=-1)) for i in range(1)]
    assert wins == [True]
    # after a take-over the heartbeat is fresh, so nobody else can take it
    assert store.take_over(task_id, "late", older_than=timedelta(seconds=30)) is False


@given(
    secret=st.text(alphabet=st.characters(blacklist_characters="*"), min_size=1, max_size=12),
    prefix=st.text(max_size=10),
    suffix=st.text(max_size=10),
)
@hsettings(max_examples=100)
def test_redaction_removes_every_secret(secret: str, prefix: str, suffix: str) -> None:
    body = {"message": prefix + secret + suffix, "nested": [secret, {"k": secret}]}
    out = redact(body, [secret])
    strings = [out["message"], out["nested"][0], out["nested"][1]["k"]]
    assert all(secret not in text for text in strings)
