"""``goldpath run``: a real foreground run in its own process, stopped from another process."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from tests.live._tiny_app import push_tiny_app

from goldpath.config import load_settings
from goldpath.live import AppFiles
from goldpath.runtime import Runtime

GOLDPATH = str(Path(sys.executable).parent / "goldpath")

pytestmark = pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home whose local git host holds the tiny service, registered in the catalog."""
    home = tmp_path / "home"
    runtime = Runtime(load_settings(home=home, scaffolder={"workers": 0}))
    runtime.prepare()
    host = runtime.git_hosts.local
    push_tiny_app(host, tmp_path)
    runtime.catalog.add_location(
        "url", host.contents_url("apps", "tiny", "main") + "/catalog-info.yaml"
    )
    runtime.stop()
    return home


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOLDPATH_")}
    env.update(
        GOLDPATH_HOME=str(home),
        GOLDPATH_LIVE__PROMETHEUS_BINARY="",
        GOLDPATH_LIVE__NPM_CACHE=str(home.parent / "npm-cache"),
        GOLDPATH_CATALOG__REFRESH_ENABLED="false",
    )
    return env


def _goldpath(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [GOLDPATH, *args], env=_env(home), capture_output=True, text=True, timeout=60
    )


def _start(home: Path) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [GOLDPATH, "run", "tiny"],
        env=_env(home),
        cwd=home.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    files = AppFiles.of(home / "run", "default/tiny")
    deadline = time.monotonic() + 120
    while True:
        state = files.read()
        if state is not None and state.phase == "running" and state.url:
            return process, state.url
        assert process.poll() is None, process.communicate()[0]
        assert time.monotonic() < deadline, "the run did not start"
        time.sleep(0.2)


def test_run_in_the_foreground_then_stop_it_from_another_process(home: Path) -> None:
    process, url = _start(home)
    try:
        assert httpx.get(url + "/").status_code == 200
        stop = _goldpath(home, "run", "--stop", "tiny")
        assert stop.returncode == 0, stop.stdout + stop.stderr
        assert "stopped component:default/tiny" in stop.stdout
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert f"component:default/tiny runs at {url}" in output
    assert "request completed" in output  # the service's log lines, followed
    assert AppFiles.of(home / "run", "default/tiny").read() is None


def test_ctrl_c_stops_the_service_and_exits_cleanly(home: Path) -> None:
    process, url = _start(home)
    state = AppFiles.of(home / "run", "default/tiny").read()
    assert state is not None and state.pid is not None
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "stopped" in output
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/healthz", timeout=2)


def test_run_of_an_unknown_component_exits_3_with_one_line(home: Path) -> None:
    result = _goldpath(home, "run", "ghost")
    assert result.returncode == 3
    assert result.stderr.strip().startswith("error:") and "Traceback" not in result.stderr


def test_stop_when_nothing_runs_exits_3(home: Path) -> None:
    result = _goldpath(home, "run", "--stop", "tiny")
    assert result.returncode == 3, result.stdout + result.stderr
    assert "not running" in result.stderr
