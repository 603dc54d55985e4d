"""Running real tools on created services: subprocess helpers, gitlab-ci-local, the service."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

__all__ = [
    "GITLAB_CI_LOCAL",
    "RunningService",
    "gitlab_ci_local",
    "metric_samples",
    "parse_sample",
    "planned_jobs",
    "run",
    "schema_check",
    "venv_tool",
]

GITLAB_CI_LOCAL = "gitlab-ci-local"
VENV_BIN = Path(sys.executable).parent
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_sample(line: str) -> tuple[str, dict[str, str], float]:
    """One sample line of a Prometheus text exposition: name, labels, value."""
    match = _SAMPLE.match(line)
    assert match, line
    name, labels, value = match.groups()
    return name, dict(_LABEL.findall(labels or "")), float(value)


def metric_samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """A Prometheus text exposition's samples: (name, labels) -> value."""
    samples: dict[tuple[str, frozenset[tuple[str, str]]], float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, labels, value = parse_sample(line)
            samples[name, frozenset(labels.items())] = value
    return samples


def venv_tool(name: str) -> str:
    """A tool of goldpath's own dev environment (hadolint, check-jsonschema)."""
    path = VENV_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install the dev extras)")
    return found


def run(
    command: Sequence[str],
    cwd: Path,
    env: Mapping[str, str] | None = None,
    timeout: float = 600,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` in ``cwd``, capturing its output as text."""
    return subprocess.run(
        list(command),
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def schema_check(files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """check-jsonschema with GitLab's CI schema over ``files``."""
    command = [
        venv_tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        *map(str, files),
    ]
    return run(command, cwd=cwd, timeout=120)


def gitlab_ci_local() -> str:
    """The gitlab-ci-local executable (installed by `make node-tools`)."""
    path = shutil.which(GITLAB_CI_LOCAL)
    if path is None:
        pytest.skip("gitlab-ci-local is not installed (npm install -g gitlab-ci-local@4.73.0)")
    if shutil.which("rsync") is None:
        pytest.skip("gitlab-ci-local needs rsync (apt-get install rsync)")
    return path


def planned_jobs(path: Path, source: str, branch: str) -> list[str]:
    """The jobs gitlab-ci-local plans for a pipeline from ``source`` on ``branch``."""
    command = [
        gitlab_ci_local(),
        "--list",
        "--variable",
        f"CI_PIPELINE_SOURCE={source}",
        "--variable",
        f"CI_COMMIT_BRANCH={branch}",
    ]
    result = run(command, path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("name "))
    return [line.split()[0] for line in lines[header + 1 :] if line.strip()]


class RunningService:
    """A created service's process, with its JSON log lines (stdout) collected."""

    def __init__(self, command: Sequence[str], cwd: Path, env: Mapping[str, str]) -> None:
        self.process = subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**env, "PORT": "0", "LOG_LEVEL": "info"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            # Its own process group: `npm start` runs node as a child, and stop() must end both.
            start_new_session=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._pump_thread = threading.Thread(target=self._pump, daemon=True)
        self._pump_thread.start()
        listening = self.wait_for(lambda entry: entry.get("msg") == "listening")
        self.base_url = f"http://127.0.0.1:{listening['port']}"

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(
        self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 60
    ) -> dict[str, Any]:
        """The first log entry matching ``predicate`` (fails if the process ends first)."""
        while True:
            line = self._queue.get(timeout=timeout)
            if line is None:
                raise AssertionError(f"the service exited; stdout was {self.lines}")
            self.lines.append(line)
            entry = json.loads(line)
            if predicate(entry):
                return dict(entry)

    def drain(self) -> None:
        """Collect every remaining stdout line (after the process has ended)."""
        while (line := self._queue.get(timeout=30)) is not None:
            self.lines.append(line)

    def stop(self) -> None:
        """Kill the process and everything it started, then release its output pipe."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        # The pipe closes once every process holding it is gone; only then is it safe to close.
        self._pump_thread.join(timeout=30)
        if self.process.stdout is not None and not self._pump_thread.is_alive():
            self.process.stdout.close()
