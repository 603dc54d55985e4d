"""Other replicas' catalog changes, heard through PostgreSQL ``LISTEN/NOTIFY``."""

from __future__ import annotations

from goldpath.catalog._service import CHANGES_CHANNEL, CatalogService
from goldpath.db import PostgresListener

__all__ = ["CatalogChangeListener"]


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
        self._listener = PostgresListener(
            catalog.database.url,
            CHANGES_CHANNEL,
            name="catalog-changes",
            on_notify=self.handle,
            # whatever was sent while no one listened is gone: assume a change
            on_reconnect=catalog.note_changed_elsewhere,
            reconnect_seconds=reconnect_seconds,
        )

    def start(self) -> None:
        """Start listening (returns once the LISTEN is in place)."""
        self._listener.start()

    def stop(self) -> None:
        """Stop listening."""
        self._listener.stop()

    def handle(self, payload: str) -> None:
        """One notification: a change made by another process (this one's are known)."""
        if payload != self.catalog.origin:
            self.catalog.note_changed_elsewhere()
