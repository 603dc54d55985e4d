"""The task broker: events are pushed once to every subscriber, in process and across
replicas (PostgreSQL LISTEN/NOTIFY), and nobody following a task polls the database."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import event
from tests.scaffolder.conftest import (
    TEST_PROVIDERS,
    Releaser,
    task_spec,
    test_runtime,
    write_template,
)

from goldpath.config import Settings
from goldpath.runtime import Runtime
from goldpath.scaffolder import TaskBroker, TaskEvent
from goldpath.web import create_app

EVENTS_TABLE = "scaffolder_task_events"


def _event(event_id: int, task_id: str = "t", type_: str = "log") -> TaskEvent:
    return TaskEvent(event_id, task_id, type_, {"message": str(event_id)}, datetime.now(UTC))


class QueryLog:
    """The SQL statements a database runs, with the thread that ran each."""

    def __init__(self, runtime: Runtime) -> None:
        self.statements: list[tuple[int, str]] = []
        event.listen(runtime.database.engine, "before_cursor_execute", self._record)

    def _record(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append((threading.get_ident(), statement))

    def reads_of_events(self, thread: int | None = None) -> int:
        """SELECTs of the event log (by one thread, when given)."""
        return sum(
            1
            for who, sql in self.statements
            if sql.lstrip().upper().startswith("SELECT")
            and EVENTS_TABLE in sql
            and (thread is None or who == thread)
        )


def _waiting_template(root: Path, flag: Path) -> Path:
    return write_template(
        root,
        name="waits",
        parameters=[],
        steps=[
            {"id": "before", "action": "debug:log", "input": {"message": "before the wait"}},
            {"id": "hang", "action": "test:wait", "input": {"flag": str(flag)}},
            *(
                {"id": f"after-{i}", "action": "debug:log", "input": {"message": f"after {i}"}}
                for i in range(3)
            ),
        ],
    )




# -- the broker and its subscriptions --------------------------------------------------------


@given(
    batches=st.lists(st.integers(min_value=1, max_value=4), min_size=1, max_size=12),
    join_at=st.integers(min_value=0, max_value=12),
    resend=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=6),
)
def test_each_subscriber_gets_every_later_event_once_and_in_order(
    batches: list[int], join_at: int, resend: list[tuple[int, int]]
) -> None:
    broker = TaskBroker()
    ids = iter(range(1, 1000))
    published: list[list[TaskEvent]] = [[_event(next(ids)) for _ in range(n)] for n in batches]
    join_at = min(join_at, len(published))
    early = broker.subscribe("t")
    late: Any = None
    for index, batch in enumerate(published):
        if index == join_at:
            # a late reader has read the log so far from the database, then subscribes
            read = max((e.id for b in published[:index] for e in b), default=0)
            late = broker.subscribe("t", after=read)
        broker.publish("t", batch)
        for start, stop in resend:  # the relay and the local store may both publish a batch
            if start <= index:
                again = published[start : min(stop, index) + 1]
                broker.publish("t", [e for b in again for e in b])
    if late is None:
        late = broker.subscribe("t", after=published[-1][-1].id)
    everything = [e.id for b in published for e in b]
    assert [e.id for e in early.get(0)] == everything
    seen_before = max((e.id for b in published[:join_at] for e in b), default=0)
    assert [e.id for e in late.get(0)] == [i for i in everything if i > seen_before]


def test_advancing_drops_what_the_reader_already_has() -> None:
    broker = TaskBroker()
    subscription = broker.subscribe("t")
    broker.publish("t", [_event(1), _event(2), _event(3)])
    subscription.advance(2)
    assert [e.id for e in subscription.get(0)] == [3]
    assert broker.newest_seen("t") == 3


def test_a_closed_subscription_gets_nothing_and_the_task_is_forgotten() -> None:
    broker = TaskBroker()
    with broker.subscribe("t") as subscription:
        broker.publish("t", [_event(1)])
    broker.publish("t", [_event(2)])
    assert [e.id for e in subscription.get(0)] == [1]
    assert broker.newest_seen("t") is None and broker.watched() == {}


def test_an_asyncio_reader_is_woken_by_a_publish_from_another_thread() -> None:
    broker = TaskBroker()
    subscription = broker.subscribe("t")

    async def read() -> list[TaskEvent]:
        loop = asyncio.get_running_loop()
        publisher = threading.Thread(target=broker.publish, args=("t", [_event(7)]))
        loop.call_later(0.01, publisher.start)
        return await subscription.next(timeout=60)

    # in a thread of its own: another test in this process may hold the main thread's loop
    got: list[list[TaskEvent]] = []
    reader = threading.Thread(target=lambda: got.append(asyncio.run(read())))
    reader.start()
    reader.join()
    assert [[e.id for e in events] for events in got] == [[7]]


def test_a_queued_task_wakes_a_waiting_worker(runtime: Runtime) -> None:
    runtime.task_store.create(spec=task_spec(), steps=[], created_by="user:default/ada")
    assert runtime.broker.wait_for_work(timeout=60) is True
    assert runtime.broker.wait_for_work(timeout=0) is False  # the signal was taken


# -- following a task in process --------------------------------------------------------------


def _follow_a_waiting_task(
    reader: Runtime, writer: Runtime, templates_dir: Path, flag: Path
) -> tuple[list[TaskEvent], int, QueryLog]:
    """``writer`` runs a task that waits until ``reader`` follows it; what the follower
    got, the task, and the queries ``reader`` ran (the follower's own read counted apart)."""
    writer.catalog.add_location("file", str(_waiting_template(templates_dir, flag)))
    task_id = writer.task_creator.create("template:default/waits", {})
    worker = threading.Thread(target=writer.task_executor.run_next, args=("w",), daemon=True)
    worker.start()
    queries = QueryLog(reader)
    releaser = Releaser(reader.broker, task_id, flag)
    followed = [e for e in reader.task_feed.follow(task_id) if e is not None]
    own_reads = queries.reads_of_events(threading.get_ident())
    worker.join()
    releaser.join()
    assert [e.id for e in followed] == [e.id for e in writer.task_store.events(task_id)]
    return followed, own_reads, queries


def test_following_a_running_task_reads_the_log_once_then_is_pushed_the_rest(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    followed, own_reads, _queries = _follow_a_waiting_task(
        runtime, runtime, templates_dir, tmp_path / "flag"
    )
    # the follower read the log once; everything after the wait was pushed to it
    assert own_reads == 1
    assert followed[-1].type == "completion"
    assert any(e.body.get("message") == "after 2" for e in followed)


def test_following_a_finished_task_from_an_event_id_ends_at_once(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "flag"
    flag.write_text("go")
    runtime.catalog.add_location("file", str(_waiting_template(templates_dir, flag)))
    task_id = runtime.task_creator.create("template:default/waits", {})
    runtime.task_executor.run_next("w")
    stored = runtime.task_store.events(task_id)
    tail = [e.id for e in runtime.task_feed.follow(task_id, after=stored[-3].id) if e]
    assert tail == [e.id for e in stored[-2:]]
    assert list(runtime.task_feed.follow(task_id, after=stored[-1].id)) == []


# -- the SSE endpoint ----------------------------------------------------------------------------


@pytest.fixture
def portal(settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    runtime = test_runtime(settings)
    with TestClient(create_app(settings, runtime=runtime)) as client:
        yield client, runtime


def _sse(text: str) -> list[dict[str, str]]:
    messages = []
    for block in text.strip().split("\n\n"):
        fields = dict(
            line.split(": ", 1) for line in block.split("\n") if line and not line.startswith(":")
        )
        if fields:
            messages.append(fields)
    return messages


def test_the_eventstream_pushes_live_events_without_polling_the_log(
    portal: tuple[TestClient, Runtime], templates_dir: Path, tmp_path: Path
) -> None:
    client, runtime = portal
    flag = tmp_path / "flag"
    runtime.catalog.add_location("file", str(_waiting_template(templates_dir, flag)))
    task_id = client.post(
        "/api/scaffolder/v2/tasks", json={"templateRef": "template:default/waits", "values": {}}
    ).json()["id"]
    worker = threading.Thread(target=runtime.task_executor.run_next, args=("w",), daemon=True)
    worker.start()
    queries = QueryLog(runtime)
    releaser = Releaser(runtime.broker, task_id, flag)
    with client.stream("GET", f"/api/scaffolder/v2/tasks/{task_id}/eventstream") as stream:
        text = "".join(stream.iter_text())
    assert queries.reads_of_events() == 1  # the log once; the rest was pushed
    worker.join()
    releaser.join()
    messages = _sse(text)
    stored = runtime.task_store.events(task_id)
    assert [int(m["id"]) for m in messages] == [e.id for e in stored]
    assert [m["event"] for m in messages][-1] == "completion"


def test_the_eventstream_resumes_after_last_event_id(
    portal: tuple[TestClient, Runtime], templates_dir: Path, tmp_path: Path
) -> None:
    client, runtime = portal
    flag = tmp_path / "flag"
    flag.write_text("go")
    runtime.catalog.add_location("file", str(_waiting_template(templates_dir, flag)))
    task_id = runtime.task_creator.create("template:default/waits", {})
    runtime.task_executor.run_next("w")
    stored = runtime.task_store.events(task_id)
    url = f"/api/scaffolder/v2/tasks/{task_id}/eventstream"
    resumed = client.get(url, headers={"Last-Event-ID": str(stored[2].id)}).text
    assert [int(m["id"]) for m in _sse(resumed)] == [e.id for e in stored[3:]]
    after = client.get(url, params={"after": stored[-2].id}).text
    assert [int(m["id"]) for m in _sse(after)] == [stored[-1].id]
    events = client.get(f"/api/scaffolder/v2/tasks/{task_id}/events", params={"after": 0}).json()
    assert [e["id"] for e in events] == [e.id for e in stored]


def test_the_eventstream_of_an_unknown_task_is_404(portal: tuple[TestClient, Runtime]) -> None:
    client, _ = portal
    assert client.get("/api/scaffolder/v2/tasks/nope/eventstream").status_code == 404


# -- two replicas on one PostgreSQL database --------------------------------------------------


@pytest.fixture
def replicas(settings: Settings, postgres_url: str) -> Iterator[tuple[Runtime, Runtime]]:
    """Two composition roots (two Database engines, two brokers, two relays) on one
    PostgreSQL database: two portal replicas."""
    shared = settings.model_copy(update={"database_url": postgres_url})
    first = Runtime(shared, action_providers=TEST_PROVIDERS)
    second = Runtime(shared, action_providers=TEST_PROVIDERS)
    first.prepare()
    second.prepare()
    first.task_relay.start()
    second.task_relay.start()
    try:
        yield first, second
    finally:
        first.task_relay.stop()
        second.task_relay.stop()
        first.stop()
        second.stop()


@pytest.mark.postgres
def test_a_queued_task_wakes_the_workers_of_another_replica(
    replicas: tuple[Runtime, Runtime],
) -> None:
    reader, writer = replicas
    writer.task_store.create(spec=task_spec(), steps=[], created_by="user:default/ada")
    assert reader.broker.wait_for_work(timeout=60) is True  # NOTIFY woke the other replica


@pytest.mark.postgres
def test_a_follower_on_one_replica_is_pushed_the_events_another_replica_writes(
    replicas: tuple[Runtime, Runtime], templates_dir: Path, tmp_path: Path
) -> None:
    reader, writer = replicas
    followed, own_reads, queries = _follow_a_waiting_task(
        reader, writer, templates_dir, tmp_path / "flag"
    )
    # the follower read the log once; the relay read each batch once for the whole replica
    assert own_reads == 1
    relay_reads = queries.reads_of_events() - own_reads
    assert followed[-1].type == "completion"
    batches = len({e.created_at for e in followed})
    assert 0 < relay_reads <= batches


@pytest.mark.postgres
def test_events_written_by_the_same_replica_reach_its_follower_once(
    replicas: tuple[Runtime, Runtime], templates_dir: Path, tmp_path: Path
) -> None:
    runtime, _ = replicas
    followed, own_reads, _queries = _follow_a_waiting_task(
        runtime, runtime, templates_dir, tmp_path / "flag"
    )
    assert own_reads == 1 and followed[-1].type == "completion"
