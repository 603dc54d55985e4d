"""Recovery: roll back and fail every task whose worker stopped sending heartbeats."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

from goldpath.config import Settings
from goldpath.scaffolder._actions import ActionRegistry
from goldpath.scaffolder._runner import run_undo
from goldpath.scaffolder._store import TaskStore
from goldpath.scaffolder._task import StepChange, StepStatus, TaskError, TaskStatus

__all__ = ["TaskRecovery"]


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class TaskRecovery:
    """Takes over stale tasks and unwinds their persisted undo records."""

    def __init__(self, *, store: TaskStore, registry: ActionRegistry, settings: Settings) -> None:
        self.store = store
        self.registry = registry
        self.settings = settings

    def recover_stale(self, worker_id: str, *, older_than: timedelta | None = None) -> list[str]:
        """Roll back and fail every task whose worker stopped sending heartbeats."""
        timeout = older_than or timedelta(
            seconds=self.settings.scaffolder.heartbeat_timeout_seconds
        )
        recovered: list[str] = []
        for task_id in self.store.stale(older_than=timeout):
            if not self.store.take_over(task_id, worker_id, older_than=timeout):
                continue
            task = self.store.get(task_id)
            secrets = list(task.secrets.values())

            def line(message: str, _task_id: str = task_id, _secrets: list[str] = secrets) -> None:
                self.store.append_event(_task_id, "log", {"message": message}, secrets=_secrets)

            since = task.heartbeat_at.isoformat() if task.heartbeat_at else "never"
            line(f"The worker running this task stopped (last heartbeat {since}); rolling back")
            for step in task.steps:
                if step.status == StepStatus.PROCESSING:
                    self.store.update_step(
                        task_id, StepChange(step.id, StepStatus.FAILED, _now())
                    )
            report = run_undo(
                [(record, None) for record in task.undo],
                registry=self.registry,
                task_id=task_id,
                log_line=line,
            )
            error = TaskError(
                name="WorkerLostError",
                message="the worker running this task stopped; the task was rolled back",
                rollback=report,
            )
            self.store.finish(
                task_id,
                TaskStatus.FAILED,
                error=error,
                events=[
                    (
                        "completion",
                        {
                            "status": str(TaskStatus.FAILED),
                            "message": "Run completed with status: failed",
                            "error": error.as_dict(),
                            "rollback": report.as_dict(),
                        },
                    )
                ],
                secrets=secrets,
            )
            shutil.rmtree(self.settings.workspace_root / task_id, ignore_errors=True)
            recovered.append(task_id)
        return recovered
