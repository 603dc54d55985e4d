"""The task sink: what a running task writes, in which order, and in how many transactions."""

from __future__ import annotations

import threading

import pytest
from tests.scaffolder.conftest import open_steps, task_spec

from goldpath.db import Database
from goldpath.scaffolder import TaskSink, TaskStatus, TaskStore, UndoRecord

SPEC = task_spec("a", "b")
STEPS = open_steps(SPEC)


@pytest.fixture
def store(database: Database) -> TaskStore:
    return TaskStore(database)


def _sink(store: TaskStore, writes: list[str]) -> tuple[TaskSink, str]:
    task_id = store.create(
        spec=SPEC, steps=STEPS, created_by="u", secrets={"token": "sekrit"}
    )
    real = store.record

    def counted(*args: object, **kwargs: object) -> None:
        writes.append(task_id)
        real(*args, **kwargs)  # type: ignore[arg-type]

    store.record = counted  # type: ignore[method-assign]
    sink = TaskSink(store, store.get(task_id), threading.Event(), flush_seconds=60)
    return sink, task_id


def _states(store: TaskStore, task_id: str) -> dict[str, str]:
    return {step.id: step.status for step in store.get(task_id).steps}


def test_step_starts_and_ends_wait_for_the_next_write(store: TaskStore) -> None:
    writes: list[str] = []
    sink, task_id = _sink(store, writes)
    sink.step("a", "processing")
    sink.log("working with sekrit", step_id="a")
    sink.step("a", "completed")
    sink.step("b", "processing")
    sink.flush_due()  # nothing has waited the flush time (60 s here)
    assert writes == []
    assert _states(store, task_id) == {"a": "open", "b": "open"}
    sink.flush()
    assert len(writes) == 1  # two steps' changes and their lines: one transaction
    assert _states(store, task_id) == {"a": "completed", "b": "processing"}
    messages = [event.body["message"] for event in store.events(task_id)]
    assert messages == [
        "Step a processing",
        "working with ***",
        "Step a completed",
        "Step b processing",
    ]
    step_a = store.get(task_id).steps[0]
    assert step_a.started_at is not None and step_a.ended_at is not None
    assert step_a.started_at <= step_a.ended_at


def test_what_has_waited_the_flush_time_is_written_by_the_ticker(store: TaskStore) -> None:
    task_id = store.create(spec=SPEC, steps=STEPS, created_by="u")
    sink = TaskSink(store, store.get(task_id), threading.Event(), flush_seconds=0)
    sink.flush_due()  # nothing queued: no empty transaction
    assert store.events(task_id) == []
    sink.step("a", "processing")
    sink.flush_due()
    assert _states(store, task_id) == {"a": "processing", "b": "open"}


def test_failure_is_written_at_once_with_queued_ends(store: TaskStore) -> None:
    writes: list[str] = []
    sink, task_id = _sink(store, writes)
    sink.step("a", "skipped")
    sink.step("b", "processing")
    sink.step("b", "failed")
    assert _states(store, task_id) == {"a": "skipped", "b": "failed"}
    assert len(writes) == 1


def test_undo_records_and_flushes_carry_queued_step_ends(store: TaskStore) -> None:
    writes: list[str] = []
    sink, task_id = _sink(store, writes)
    sink.step("a", "processing")
    sink.step("a", "completed")
    record = UndoRecord("debug:log", "a", "nothing to undo", None, {})
    sink.undo_recorded(record)  # written before the action returns, with a's end
    assert _states(store, task_id)["a"] == "completed"
    assert store.get(task_id).undo == [record]
    sink.step("b", "processing")
    sink.step("b", "completed")
    sink.flush()  # what the ticker does once they have waited
    assert _states(store, task_id)["b"] == "completed"
    assert len(writes) == 2
    sink.flush()
    assert len(writes) == 2  # nothing queued: no empty transaction


def test_finish_writes_what_is_still_queued_in_the_same_transaction(store: TaskStore) -> None:
    writes: list[str] = []
    sink, task_id = _sink(store, writes)
    sink.step("a", "processing")
    sink.step("a", "completed")
    sink.log("last line")
    events, steps = sink.take_all()
    store.finish(
        task_id,
        TaskStatus.COMPLETED,
        output={},
        events=[*events, ("completion", {"message": "done"})],
        steps=steps,
        secrets=sink.secrets,
    )
    task = store.get(task_id)
    assert task.status == "completed"
    assert _states(store, task_id) == {"a": "completed", "b": "open"}
    assert [e.body["message"] for e in store.events(task_id)][-3:] == [
        "Step a completed",
        "last line",
        "done",
    ]
    assert sink.take_all() == ([], [])
