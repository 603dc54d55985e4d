"""The local runner with real git, real npm and real node: a tiny service from the local host."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from goldpath.config import load_settings
from goldpath.live import (
    AlreadyRunningError,
    AppFiles,
    NotRunnableError,
    NotRunningError,
    RunState,
    RuntimeStatus,
)
from goldpath.live._state import is_alive, process_identity
from goldpath.runtime import Runtime
from tests.live._tiny_app import LOCK, PACKAGE, push_tiny_app

KEY = "default/tiny"


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} is not installed on this machine")


@contextmanager
def _tiny_runtime(tmp_path: Path, prometheus_binary: str = "") -> Iterator[Runtime]:
    """A development runtime whose local git host holds the tiny service, registered."""
    _need("npm")
    _need("node")
    settings = load_settings(
        home=tmp_path / "home",
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 0},
        live={"prometheus_binary": prometheus_binary, "npm_cache": str(tmp_path / "npm-cache")},
    )
    runtime = Runtime(settings)
    runtime.start()
    try:
        host = runtime.git_hosts.local
        push_tiny_app(host, tmp_path)
        runtime.catalog.add_location(
            "url", host.contents_url("apps", "tiny", "main") + "/catalog-info.yaml"
        )
        yield runtime
    finally:
        runtime.stop()


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """The tiny service's runtime, with no Prometheus."""
    with _tiny_runtime(tmp_path) as runtime:
        yield runtime


def _entity(runtime: Runtime) -> dict[str, Any]:
    return runtime.catalog.get_entity("component:default/tiny")


def _running(runtime: Runtime) -> RunState:
    runtime.live.run(_entity(runtime))
    assert runtime.live.runner is not None
    state = runtime.live.runner.wait_until_settled(KEY, timeout=120)
    assert state is not None and state.phase == "running", state
    return state


def _status(runtime: Runtime) -> RuntimeStatus:
    return runtime.live.runtime(runtime.live.facts(_entity(runtime)))


def _wait_for(predicate: Any, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_a_run_serves_on_a_free_port_and_its_logs_are_captured(runtime: Runtime) -> None:
    state = _running(runtime)
    assert state.url is not None and state.port is not None
    assert httpx.get(state.url + "/").json() == {"service": "tiny"}
    live_status = _status(runtime)
    assert live_status.state == "running" and live_status.url == state.url
    _wait_for(lambda: any(line.message == "request completed" for line in _status(runtime).logs))
    lines = _status(runtime).logs
    assert any(line.level == "info" and line.message == "listening" for line in lines)
    assert any(
        line.request == "GET / 200" or (line.request or "").startswith("GET / 200")
        for line in lines
    )


def test_the_service_gets_its_dev_environment_and_none_of_the_portals(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLDPATH_AUTH__SESSION_SECRET", "must-not-reach-the-app")
    _running(runtime)
    log = AppFiles.of(runtime.settings.run_root, KEY).log.read_text(encoding="utf-8")
    listening = next(json.loads(line) for line in log.splitlines() if '"listening"' in line)
    assert listening["env"] == "development"
    assert listening["goldpathVars"] == []


def test_a_second_run_of_a_running_service_is_refused_and_changes_nothing(runtime: Runtime) -> None:
    state = _running(runtime)
    with pytest.raises(AlreadyRunningError, match="already running"):
        runtime.live.run(_entity(runtime))
    assert runtime.live.runner is not None
    assert runtime.live.runner.state(KEY) == state


def test_stop_ends_the_process_group_and_forgets_the_run(runtime: Runtime) -> None:
    state = _running(runtime)
    status = runtime.live.stop(_entity(runtime))
    assert status.state == "stopped" and status.error is None
    assert not is_alive(state.pid, state.pid_identity)
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{state.url}/healthz", timeout=2)
    with pytest.raises(NotRunningError):
        runtime.live.stop(_entity(runtime))


def test_a_crash_is_recorded_and_nothing_restarts_it(runtime: Runtime) -> None:
    state = _running(runtime)
    assert state.pid is not None
    os.killpg(state.pid, signal.SIGKILL)
    assert runtime.live.runner is not None
    _wait_for(lambda: _status(runtime).state == "stopped")
    status = _status(runtime)
    assert status.error is not None and "exited with code" in status.error
    time.sleep(1.0)
    assert _status(runtime).state == "stopped"


def test_stopping_the_portal_stops_the_services_it_started(runtime: Runtime) -> None:
    state = _running(runtime)
    runtime.stop()
    assert not is_alive(state.pid, state.pid_identity)
    assert AppFiles.of(runtime.settings.run_root, KEY).read() is None


def test_a_failed_install_is_recorded_with_npms_words(runtime: Runtime, tmp_path: Path) -> None:
    host = runtime.git_hosts.local
    broken = tmp_path / "broken"
    broken.mkdir()
    package = dict(PACKAGE, dependencies={"left-pad": "1.3.0"})  # not in the lock file
    (broken / "package.json").write_text(json.dumps(package), encoding="utf-8")
    (broken / "package-lock.json").write_text(json.dumps(LOCK), encoding="utf-8")
    (broken / "server.js").write_text("", encoding="utf-8")
    repo = host.get_repo("apps", "tiny")
    host.push(
        broken,
        repo,
        branch="main",
        message="break it",
        author_name="T",
        author_email="t@example.com",
    )
    runtime.live.run(_entity(runtime))
    assert runtime.live.runner is not None
    state = runtime.live.runner.wait_until_settled(KEY, timeout=120)
    assert state is not None and state.phase == "stopped"
    assert state.error is not None and "npm ci failed" in state.error


def test_a_run_whose_supervisor_died_is_stopped_at_the_next_start(runtime: Runtime) -> None:
    # A stand-in for a service left behind by a killed portal: its own process group,
    # recorded as started by a process that no longer exists.
    orphan = subprocess.Popen(["sleep", "60"], start_new_session=True)
    dead = subprocess.Popen(["true"])
    dead.wait()
    files = AppFiles.of(runtime.settings.run_root, KEY)
    files.write(
        RunState(
            key=KEY,
            ref="component:default/tiny",
            session="s",
            phase="running",
            owner_pid=dead.pid,
            owner_identity="1",
            started_at=time.time(),
            pid=orphan.pid,
            pid_identity=process_identity(orphan.pid),
            port=1,
            url="http://127.0.0.1:1",
        )
    )
    assert runtime.live.runner is not None
    assert runtime.live.runner.state(KEY).phase == "stopped"  # type: ignore[union-attr]
    runtime.live.runner.start()  # what a portal does when it starts
    assert orphan.wait(timeout=10) == -signal.SIGTERM
    recorded = files.read()
    assert recorded is not None and recorded.phase == "stopped"
    assert "ended without stopping it" in (recorded.error or "")


def test_a_component_that_is_not_on_the_local_host_cannot_run(runtime: Runtime) -> None:
    entity = _entity(runtime)
    entity["metadata"]["annotations"] = {"gitlab.com/project-slug": "apps/elsewhere"}
    with pytest.raises(NotRunnableError, match="no repository on the local git host"):
        runtime.live.run(entity)


def test_the_runtime_of_a_component_never_run_is_stopped_without_logs(runtime: Runtime) -> None:
    assert _status(runtime) == RuntimeStatus(state="stopped")


def test_a_running_service_is_a_prometheus_target_until_it_stops(tmp_path: Path) -> None:
    # A Prometheus binary that is not there: the target file is the runner's part.
    with _tiny_runtime(tmp_path, prometheus_binary="no-such-prometheus") as runtime:
        state = _running(runtime)
        target = runtime.settings.run_root / "prometheus" / "targets" / "default--tiny.json"
        assert json.loads(target.read_text(encoding="utf-8")) == [
            {
                "targets": [f"127.0.0.1:{state.port}"],
                "labels": {"job": "tiny", "goldpath_component": "component:default/tiny"},
            }
        ]
        runtime.live.stop(_entity(runtime))
        assert not target.exists()
