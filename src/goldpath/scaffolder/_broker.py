"""The task broker: task events published once and pushed to every subscriber.

The task store writes events to the database (the durable log every reader can resume
from) and, once the transaction has committed, publishes them to the ``TaskBroker`` of
its process, which pushes them into the queue of every subscription to that task: no
subscriber polls the database. A subscription serves threads (``get``) and asyncio
(``next``) alike.

Across replicas (PostgreSQL), the store also sends ``NOTIFY goldpath_tasks`` in the
same transaction, naming the task and its newest event id. Every replica runs a
``PostgresTaskRelay`` that ``LISTEN``s on that channel; for a task this replica has
subscribers to, it reads the events it has not seen yet (one read per notification and
replica, not per subscriber) and publishes them to its own broker. A queued task is
announced the same way, so idle workers of every replica wake at once. On SQLite (one
process) the in-process broker is all there is.

``TaskFeed`` is what the SSE endpoint and the CLI read: a task's log from an event id
on, then its new events as they are pushed, until the task ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field

import anyio

from goldpath.db import Database, PostgresListener
from goldpath.scaffolder._store import NOTIFY_CHANNEL, TaskEvent, TaskStore

__all__ = ["PostgresTaskRelay", "Subscription", "TaskBroker", "TaskFeed"]

log = logging.getLogger(__name__)


class Subscription:
    """One subscriber's queue of a task's events, in id order and each once.

    Events at or below the subscription's mark (``advance``) are dropped, so a reader
    that has read the log up to an id can subscribe first, read, then advance, and miss
    nothing nor see anything twice.
    """

    def __init__(self, broker: TaskBroker, task_id: str, after: int | None) -> None:
        self.task_id = task_id
        self._broker = broker
        self._mark = after or 0
        self._queue: deque[TaskEvent] = deque()
        self._ready = threading.Condition()
        self._waiter: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None
        self.closed = False

    @property
    def mark(self) -> int:
        """The newest event id this subscription has queued or been told is read."""
        with self._ready:
            return self._queue[-1].id if self._queue else self._mark

    def advance(self, event_id: int) -> None:
        """The reader has everything up to ``event_id``; drop what is queued up to it."""
        with self._ready:
            self._mark = max(self._mark, event_id)
            while self._queue and self._queue[0].id <= self._mark:
                self._queue.popleft()
        self._broker._seen(self.task_id, event_id)

    def _deliver(self, events: Sequence[TaskEvent]) -> None:
        with self._ready:
            newest = self._queue[-1].id if self._queue else self._mark
            fresh = [event for event in events if event.id > newest]
            if not fresh:
                return
            self._queue.extend(fresh)
            self._ready.notify_all()
            waiter = self._waiter
        if waiter is not None:
            loop, ready = waiter
            with contextlib.suppress(RuntimeError):  # the reader's event loop has closed
                loop.call_soon_threadsafe(ready.set)

    def _take(self) -> list[TaskEvent]:
        events = list(self._queue)
        self._queue.clear()
        if events:
            self._mark = events[-1].id
        return events

    def get(self, timeout: float | None = None) -> list[TaskEvent]:
        """The events pushed since the last call; waits up to ``timeout`` for one."""
        with self._ready:
            if not self._queue and not self.closed:
                self._ready.wait(timeout)
            return self._take()

    async def next(self, timeout: float | None = None) -> list[TaskEvent]:
        """``get`` for asyncio: waits without holding a thread."""
        with self._ready:
            events = self._take()
            if events or self.closed:
                return events
            ready = asyncio.Event()
            self._waiter = (asyncio.get_running_loop(), ready)
        try:
            await asyncio.wait_for(ready.wait(), timeout)
        except TimeoutError:
            pass
        finally:
            with self._ready:
                self._waiter = None
        with self._ready:
            return self._take()

    def close(self) -> None:
        """Stop receiving events (idempotent)."""
        if self.closed:
            return
        self.closed = True
        self._broker._unsubscribe(self)
        with self._ready:
            self._ready.notify_all()

    def __enter__(self) -> Subscription:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


class TaskBroker:
    """Fans each task's events out to its subscriptions in this process; wakes idle workers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscriptions: dict[str, list[Subscription]] = {}
        self._newest: dict[str, int] = {}
        self._work = threading.Event()

    def subscribe(self, task_id: str, *, after: int | None = None) -> Subscription:
        """A new subscription to a task's events with ids above ``after``."""
        subscription = Subscription(self, task_id, after)
        with self._lock:
            self._subscriptions.setdefault(task_id, []).append(subscription)
            self._newest[task_id] = max(self._newest.get(task_id, 0), after or 0)
        return subscription

    def _unsubscribe(self, subscription: Subscription) -> None:
        with self._lock:
            found = self._subscriptions.get(subscription.task_id, [])
            if subscription in found:
                found.remove(subscription)
            if not found:
                self._subscriptions.pop(subscription.task_id, None)
                self._newest.pop(subscription.task_id, None)

    def _seen(self, task_id: str, event_id: int) -> None:
        with self._lock:
            if task_id in self._newest:
                self._newest[task_id] = max(self._newest[task_id], event_id)

    def publish(self, task_id: str, events: Sequence[TaskEvent]) -> None:
        """Push committed events (in id order) to every subscription to their task."""
        if not events:
            return
        with self._lock:
            subscriptions = list(self._subscriptions.get(task_id, ()))
            if subscriptions:
                self._newest[task_id] = max(self._newest[task_id], events[-1].id)
        for subscription in subscriptions:
            subscription._deliver(events)

    def newest_seen(self, task_id: str) -> int | None:
        """The newest event id this process has for a task it has subscribers to, else None."""
        with self._lock:
            return self._newest.get(task_id)

    def watched(self) -> dict[str, int]:
        """Every task with subscribers here, with the newest event id this process has."""
        with self._lock:
            return dict(self._newest)

    def work_queued(self) -> None:
        """A task was queued: wake an idle worker."""
        self._work.set()

    def wait_for_work(self, timeout: float) -> bool:
        """Wait until a task is queued (or ``timeout`` passes), then reset the signal;
        returns whether a task was announced."""
        queued = self._work.wait(timeout)
        self._work.clear()
        return queued


@dataclass
class PostgresTaskRelay:
    """Carries other replicas' task events and queued tasks into this process's broker.

    A dedicated connection ``LISTEN``s on ``NOTIFY_CHANNEL``; a background service of the
    composition root on PostgreSQL. After a lost connection it reconnects and catches up
    on every watched task, since notifications sent meanwhile are gone.
    """

    database: Database
    store: TaskStore
    broker: TaskBroker
    reconnect_seconds: float = 1.0
    _listener: PostgresListener = field(init=False)

    def __post_init__(self) -> None:
        self._listener = PostgresListener(
            self.database.url,
            NOTIFY_CHANNEL,
            name="task-relay",
            on_notify=self.handle,
            # notifications sent while no one listened are gone: read what was missed
            on_reconnect=self._catch_up,
            reconnect_seconds=self.reconnect_seconds,
        )

    def start(self) -> None:
        """Start listening (returns once the LISTEN is in place)."""
        self._listener.start()

    def stop(self) -> None:
        """Stop listening."""
        self._listener.stop()

    def handle(self, payload: str) -> None:
        """Act on one notification: new events of a task, a queued task, or a stop."""
        kind, _, rest = payload.partition(" ")
        if kind == "queued":
            self.broker.work_queued()
        elif kind == "events":
            task_id, _, newest = rest.rpartition(" ")
            if newest.isdigit():
                self._relay(task_id, int(newest))

    def _relay(self, task_id: str, newest: int) -> None:
        seen = self.broker.newest_seen(task_id)
        if seen is None or newest <= seen:
            return  # nobody here follows this task, or this process has the events already
        self.broker.publish(task_id, self.store.events(task_id, after=seen))

    def _catch_up(self) -> None:
        for task_id, seen in self.broker.watched().items():
            self.broker.publish(task_id, self.store.events(task_id, after=seen))


class TaskFeed:
    """A task's events from an id on: the log so far, then each new event as it is pushed.

    The iterators end after the task's last event (``completion`` or ``cancelled``). They
    yield ``None`` whenever ``keepalive_seconds`` pass without an event, so a server can
    keep the connection alive (and notice a client that left).
    """

    def __init__(
        self, store: TaskStore, broker: TaskBroker, *, keepalive_seconds: float = 10.0
    ) -> None:
        self.store = store
        self.broker = broker
        self.keepalive_seconds = keepalive_seconds

    def _backlog(self, task_id: str, after: int | None) -> tuple[list[TaskEvent], bool]:
        # the status first: a task that had ended by then has its last event in the log read
        finished = self.store.get(task_id).finished_at is not None
        return self.store.events(task_id, after=after), finished

    async def stream(
        self, task_id: str, *, after: int | None = None
    ) -> AsyncIterator[TaskEvent | None]:
        """The feed for asyncio (the SSE endpoint); database reads run in a thread."""
        with self.broker.subscribe(task_id, after=after) as subscription:
            backlog, finished = await anyio.to_thread.run_sync(self._backlog, task_id, after)
            events, done = _through_last(backlog)
            for event in events:
                yield event
            if done or finished:
                return
            subscription.advance(events[-1].id if events else 0)
            while not done:
                events, done = _through_last(await subscription.next(self.keepalive_seconds))
                if not events:
                    yield None
                for event in events:
                    yield event

    def follow(self, task_id: str, *, after: int | None = None) -> Iterator[TaskEvent | None]:
        """The same feed for a thread (the CLI running a task in-process)."""
        with self.broker.subscribe(task_id, after=after) as subscription:
            backlog, finished = self._backlog(task_id, after)
            events, done = _through_last(backlog)
            yield from events
            if done or finished:
                return
            subscription.advance(events[-1].id if events else 0)
            while not done:
                events, done = _through_last(subscription.get(self.keepalive_seconds))
                if not events:
                    yield None
                yield from events


def _through_last(events: Sequence[TaskEvent]) -> tuple[list[TaskEvent], bool]:
    """The events up to the task's last one, and whether that was among them."""
    for index, event in enumerate(events):
        if event.is_last:
            return list(events[: index + 1]), True
    return list(events), False
