"""PostgresListener: the one LISTEN loop that task relays and catalog listeners share."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

from goldpath.db import PostgresListener

CHANNEL = "goldpath_test_listener"


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _notify(url: str, payload: str) -> None:
    with psycopg.connect(_conninfo(url), autocommit=True) as conn:
        conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, payload))


def _eventually(check: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.02)
    return check()


def test_payloads_arrive_in_order_and_stop_returns_without_waiting_for_a_poll(
    postgres_url: str,
) -> None:
    heard: list[str] = []
    listener = PostgresListener(
        postgres_url, CHANNEL, name="test", on_notify=heard.append,
        on_reconnect=lambda: heard.append("RECONNECTED"), poll_seconds=60,
    )
    listener.start()
    try:
        for payload in ("one", "two", "three"):
            _notify(postgres_url, payload)
        assert _eventually(lambda: heard == ["one", "two", "three"])
    finally:
        stopping = threading.Thread(target=listener.stop)
        stopping.start()
        stopping.join(timeout=10)
    # the wake of stop (an empty payload) reached no one, and a 60 s poll did not hold it
    assert not stopping.is_alive()
    assert heard == ["one", "two", "three"]


def test_a_lost_connection_is_reconnected_and_reported(postgres_url: str) -> None:
    heard: list[str] = []
    reconnected = threading.Event()
    listener = PostgresListener(
        postgres_url, CHANNEL, name="test", on_notify=heard.append,
        on_reconnect=reconnected.set, reconnect_seconds=0.05, poll_seconds=0.2,
    )
    listener.start()
    try:
        assert not reconnected.is_set()
        # the server ends the listener's connection, as a restart or a network cut would;
        # only this test's database: the other tests' listeners share the server
        with psycopg.connect(_conninfo(postgres_url), autocommit=True) as admin:
            admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE query LIKE %s AND pid <> pg_backend_pid() "
                "AND datname = current_database()",
                (f"LISTEN {CHANNEL}%",),
            )
        assert reconnected.wait(10)
        _notify(postgres_url, "after")
        assert _eventually(lambda: heard == ["after"])
    finally:
        listener.stop()
