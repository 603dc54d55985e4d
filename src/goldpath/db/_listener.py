"""`PostgresListener`: one thread that ``LISTEN``s on a PostgreSQL channel for a service.

Replicas of goldpath tell each other things through ``NOTIFY`` (a task's new events, a
catalog change). Each listener is a dedicated autocommit connection in a daemon thread:
every notification's payload goes to ``on_notify``; a lost connection is reconnected,
and ``on_reconnect`` runs then, because notifications sent while no one listened are
gone. ``stop`` wakes the thread with an empty notification rather than waiting for its
next poll.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.engine import make_url

__all__ = ["PostgresListener"]

log = logging.getLogger(__name__)


class PostgresListener:
    """Delivers the payloads of ``channel``'s notifications to ``on_notify`` (a background
    service: `start`, `stop`)."""

    def __init__(
        self,
        database_url: str,
        channel: str,
        *,
        name: str,
        on_notify: Callable[[str], None],
        on_reconnect: Callable[[], None],
        reconnect_seconds: float = 1.0,
        poll_seconds: float = 5.0,
    ) -> None:
        self.channel = channel
        self.name = name
        self.reconnect_seconds = reconnect_seconds
        self._url = database_url
        self._on_notify = on_notify
        self._on_reconnect = on_reconnect
        self._poll_seconds = poll_seconds
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    def _conninfo(self) -> str:
        url = make_url(self._url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def start(self) -> None:
        """Start listening in a daemon thread (returns once the LISTEN is in place)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._listening.clear()
        self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
        self._thread.start()
        self._listening.wait(10)

    def stop(self) -> None:
        """Stop listening and wait for the thread."""
        if self._thread is None:
            return
        self._stop.set()
        try:  # wake the listener now rather than at its next poll
            import psycopg

            with psycopg.connect(self._conninfo(), autocommit=True) as conn:
                conn.execute("SELECT pg_notify(%s, '')", (self.channel,))
        except Exception:  # the database is gone; the poll's timeout ends the thread
            log.debug("could not wake the %s listener", self.name, exc_info=True)
        self._thread.join()
        self._thread = None

    def _run(self) -> None:
        import psycopg

        reconnected = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True) as conn:
                    conn.execute(f"LISTEN {self.channel}")
                    self._listening.set()
                    if reconnected:
                        self._on_reconnect()
                    while not self._stop.is_set():
                        for notify in conn.notifies(timeout=self._poll_seconds):
                            if self._stop.is_set():
                                break
                            if notify.payload:  # empty: only the wake of `stop`
                                self._on_notify(notify.payload)
            except Exception:  # a lost connection must not end the listener
                if self._stop.is_set():
                    break
                reconnected = True
                log.warning("%s lost its connection; reconnecting", self.name, exc_info=True)
                self._stop.wait(self.reconnect_seconds)
            finally:
                self._listening.set()
