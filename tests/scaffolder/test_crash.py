"""A worker process killed mid-task: the next start rolls the task back and fails it.

The second process builds its registry from the same composition root, so the persisted
undo records find handlers that close over that process's own git hosts.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from tests.scaffolder.conftest import TEST_PROVIDERS, write_template
from tests.support.waiting import wait_until

from goldpath.config import load_settings
from goldpath.runtime import Runtime

REPO_ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from goldpath.config import load_settings
    from goldpath.runtime import Runtime
    from tests.scaffolder.conftest import TEST_PROVIDERS

    settings = load_settings(home={home!r}, catalog={{"refresh_enabled": False}},
                             scaffolder={{"workers": 1, "heartbeat_seconds": 0.1,
                                          "poll_seconds": 0.05}})
    runtime = Runtime(settings, action_providers=TEST_PROVIDERS)
    runtime.prepare()
    runtime.catalog.add_location("file", {template!r})
    task_id = runtime.task_creator.create("template:default/crashy", {{"name": "x"}})
    print(task_id, flush=True)
    runtime.task_workers.start()
    while True:
        time.sleep(1)
    """
)


@pytest.mark.slow
def test_killed_worker_task_is_rolled_back_at_next_start(tmp_path: Path) -> None:
    home = tmp_path / "home"
    world = tmp_path / "world"
    flag = tmp_path / "flag"
    template = write_template(
        tmp_path / "templates",
        name="crashy",
        files={"skeleton/README.md": "made by a task that dies\n"},
        steps=[
            {"id": "fetch", "action": "fetch:template", "input": {"url": "./skeleton"}},
            {
                "id": "publish",
                "action": "publish:gitlab",
                "input": {"repoUrl": "gitlab.example.com?owner=crash&repo=crashy-app"},
            },
            {
                "id": "make",
                "action": "test:world-write",
                "input": {"path": str(world / "made-by-task")},
            },
            {"id": "hang", "action": "test:wait", "input": {"flag": str(flag)}},
        ],
    )
    script = CHILD.format(root=str(REPO_ROOT), home=str(home), template=str(template))
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert child.stdout is not None
        task_id = child.stdout.readline().strip()
        def started() -> bool:
            assert child.poll() is None, "the worker process exited before the task started"
            return Path(str(flag) + ".started").exists()

        wait_until(started, what="the task to start in the worker process")
        assert (world / "made-by-task").exists()
        # a step's start is written once it has run the sink's flush time: the crash
        # comes while the store knows 'hang' runs (a crash sooner leaves it 'open')
        watcher = Runtime(
            load_settings(home=home, catalog={"refresh_enabled": False},
                          scaffolder={"workers": 0})
        )
        try:
            wait_until(
                lambda: watcher.task_store.get(task_id).steps[-1].status == "processing",
                what="the running step to be written",
            )
        finally:
            watcher.stop()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()

    settings = load_settings(
        home=home,
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 1, "heartbeat_timeout_seconds": 0.5},
    )
    runtime = Runtime(settings, action_providers=TEST_PROVIDERS)
    runtime.prepare()
    assert runtime.git_hosts.local.repo_exists("crash", "crashy-app")
    assert runtime.task_store.get(task_id).status == "processing"
    wait_until(
        lambda: runtime.task_store.stale(older_than=timedelta(seconds=0.5)),
        what="the killed worker's heartbeat to go stale",
    )
    workers = runtime.task_workers
    workers.start()  # start-up recovery
    workers.stop()
    task = runtime.task_store.get(task_id)
    assert task.status == "failed"
    assert task.error is not None and task.error.name == "WorkerLostError"
    assert task.error.rollback is not None and task.error.rollback.undone == [
        f"remove {world / 'made-by-task'}",
        f"delete repository crash/crashy-app on {runtime.git_hosts.local.host}",
    ]
    assert not (world / "made-by-task").exists()
    assert not runtime.git_hosts.local.repo_exists("crash", "crashy-app")
    assert [s.status for s in task.steps] == ["completed", "completed", "completed", "failed"]
    assert runtime.task_store.events(task_id)[-1].type == "completion"
    assert not runtime.task_executor.workspace_of(task_id).exists()
    runtime.stop()
