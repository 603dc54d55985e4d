"""Other replicas' catalog changes, heard through PostgreSQL ``LISTEN/NOTIFY``."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import make_url

from goldpath.catalog._service import CHANGES_CHANNEL, CatalogService

__all__ = ["CatalogChangeListener"]

log = logging.getLogger(__name__)


class CatalogChangeListener:
    """Moves this process's ``CatalogService.generation`` when another replica changes the
    catalog, so what was cached from the catalog here (the callers' groups) is read again.

    Every transaction that changes entities sends ``NOTIFY`` on ``CHANGES_CHANNEL`` with
    its service's origin; PostgreSQL delivers it at commit. A dedicated connection
    ``LISTEN``s; a background service of the composition root on PostgreSQL. After a lost
    connection it reconnects and moves the generation once, since notifications sent
    meanwhile are gone.
    """

    def __init__(self, catalog: CatalogService, *, reconnect_seconds: float = 1.0) -> None:
        self.catalog = catalog
        self.reconnect_seconds = reconnect_seconds
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start listening in a daemon thread (returns once the LISTEN is in place)."""
        if self._thread is not None:
            return
        self._stop.clear()
        self._listening.clear()
        self._thread = threading.Thread(target=self._run, name="catalog-changes", daemon=True)
        self._thread.start()
        self._listening.wait(10)

    def stop(self) -> None:
        """Stop listening and wait for the thread (at most one poll interval)."""
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self._thread = None

    def _conninfo(self) -> str:
        url = make_url(self.catalog.database.url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def _run(self) -> None:
        import psycopg

        connected_before = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo(), autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANGES_CHANNEL}")
                    if connected_before:  # whatever was sent while no one listened is gone
                        self.catalog.note_changed_elsewhere()
                    connected_before = True
                    self._listening.set()
                    while not self._stop.is_set():
                        for notify in conn.notifies(timeout=0.5):
                            self.handle(notify.payload)
            except Exception:  # a lost connection must not end the listener
                if self._stop.is_set():
                    break
                connected_before = True
                log.warning("catalog change listener lost its connection; reconnecting")
                self._stop.wait(self.reconnect_seconds)
            finally:
                self._listening.set()

    def handle(self, payload: str) -> None:
        """One notification: a change made by another process (this one's are known)."""
        if payload != self.catalog.origin:
            self.catalog.note_changed_elsewhere()
