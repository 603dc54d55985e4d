"""In-process task workers: threads that recover stale tasks, claim open ones and run them."""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid

from goldpath.config import Settings
from goldpath.scaffolder._broker import TaskBroker
from goldpath.scaffolder._execution import TaskExecutor
from goldpath.scaffolder._recovery import TaskRecovery

__all__ = ["TaskWorkers"]

log = logging.getLogger(__name__)


class TaskWorkers:
    """``settings.scaffolder.workers`` threads sharing the database queue (a BackgroundService)."""

    def __init__(
        self,
        *,
        executor: TaskExecutor,
        recovery: TaskRecovery,
        settings: Settings,
        broker: TaskBroker,
        count: int | None = None,
    ) -> None:
        self.executor = executor
        self.recovery = recovery
        self.settings = settings
        self.broker = broker
        self.count = settings.scaffolder.workers if count is None else count
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.process_id = f"{socket.gethostname()[:24]}-{os.getpid()}-{uuid.uuid4().hex[:6]}"

    def start(self) -> None:
        """Recover tasks left by dead workers, then start the worker threads."""
        if self._threads or self.count <= 0:
            return
        self._stop.clear()
        try:
            self.recovery.recover_stale(f"{self.process_id}-startup")
        except Exception:  # recovery is retried by every poll
            log.exception("recovering stale scaffolder tasks at start-up failed")
        for index in range(self.count):
            thread = threading.Thread(
                target=self._loop,
                args=(f"{self.process_id}-{index}",),
                name=f"scaffolder-worker-{index}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        """Ask every worker to stop after its current task and wait for them."""
        self._stop.set()
        self.broker.work_queued()
        for thread in self._threads:
            thread.join()
        self._threads.clear()

    def _loop(self, worker_id: str) -> None:
        poll = self.settings.scaffolder.poll_seconds
        recover_every = max(1, int(self.settings.scaffolder.heartbeat_seconds / poll))
        idle = 0
        while not self._stop.is_set():
            try:
                if idle % recover_every == 0:
                    self.recovery.recover_stale(worker_id)
                ran = self.executor.run_next(worker_id)
            except Exception:  # a worker thread must outlive any one task's trouble
                log.exception("scaffolder worker %s failed", worker_id)
                ran = None
            if ran is None:
                idle += 1
                self.broker.wait_for_work(poll)
            else:
                idle = 0
