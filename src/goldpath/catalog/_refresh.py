"""The background loop that re-reads every location on an interval."""

from __future__ import annotations

import logging
import threading

from goldpath.catalog._service import CatalogService

__all__ = ["RefreshLoop"]

log = logging.getLogger(__name__)


class RefreshLoop:
    """Registers configured locations, then refreshes all locations every interval.

    Every replica runs one; they share the work through ``CatalogService.refresh_due``.
    """

    def __init__(
        self, catalog: CatalogService, *, interval_seconds: float, enabled: bool = True
    ) -> None:
        self.catalog = catalog
        self.interval_seconds = interval_seconds
        self.enabled = enabled
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.rounds = 0

    def start(self) -> None:
        """Register configured locations now; start the loop thread when enabled."""
        self.catalog.register_configured_locations()
        if not self.enabled or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="catalog-refresh", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            try:
                self.catalog.refresh_due(self.interval_seconds)
            except Exception:  # the loop must survive anything one round does
                log.exception("catalog refresh round failed")
            self.rounds += 1

    def stop(self) -> None:
        """Stop the loop and wait for the running round to finish."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
