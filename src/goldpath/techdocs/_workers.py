"""The build worker pool: threads that take entities off the queue and sync their docs."""

from __future__ import annotations

import logging
import threading
import time

from goldpath.techdocs._sandbox import SandboxPool
from goldpath.techdocs._service import TechDocsService

__all__ = ["TechDocsWorkers"]

log = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 600.0


class TechDocsWorkers:
    """``count`` threads building docs in the background (a BackgroundService)."""

    def __init__(self, service: TechDocsService, *, count: int, pool: SandboxPool) -> None:
        self.service = service
        self.count = count
        self.pool = pool
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._next_prune = 0.0
        self._prune_lock = threading.Lock()

    def start(self) -> None:
        """Start the worker threads (none when ``count`` is 0: this process only serves)."""
        if self._threads or self.count <= 0:
            return
        self._stop.clear()
        for index in range(self.count):
            thread = threading.Thread(
                target=self._loop, name=f"techdocs-worker-{index}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Stop after the builds in progress, then stop the build sandboxes."""
        self._stop.set()
        self.service.queue.wake()
        for thread in self._threads:
            thread.join(timeout=self.service.policy.timeout_seconds + 30)
        self._threads.clear()
        self.pool.close()

    def _loop(self) -> None:
        while not self._stop.is_set():
            job = self.service.queue.take(timeout=1.0)
            if job is None:
                self._maybe_prune()
                continue
            ref, force = job
            try:
                self.service.sync(ref, force=force)
            except Exception:  # a worker must outlive any one entity's trouble
                log.exception("syncing the docs of %s failed", ref)
            finally:
                self.service.queue.done(ref)

    def _maybe_prune(self) -> None:
        now = time.monotonic()
        if now < self._next_prune or not self._prune_lock.acquire(blocking=False):
            return
        try:
            self._next_prune = now + PRUNE_EVERY_SECONDS
            removed = self.service.prune()
            if removed:
                log.info("removed the docs of %d entities no longer documented", removed)
        except Exception:
            log.exception("pruning old docs failed")
        finally:
            self._prune_lock.release()
