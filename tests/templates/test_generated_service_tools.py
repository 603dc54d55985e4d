"""A created nodejs-service passes its own ecosystem's tools, run for real."""

from __future__ import annotations

import json
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings

from tests.templates._render import create
from tests.templates.conftest import CreatedService, npm_ci
from tests.templates.strategies import parameters

pytestmark = pytest.mark.slow

GITLAB_CI_LOCAL = "gitlab-ci-local"
VENV_BIN = Path(sys.executable).parent


def _venv_tool(name: str) -> str:
    path = VENV_BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install the dev extras)")
    return found


def _run(
    command: list[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=cwd,
        env=dict(env) if env is not None else None,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _bin(service: CreatedService, name: str) -> str:
    return str(service.path / "node_modules" / ".bin" / name)


def _schema_check(files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    command = [
        _venv_tool("check-jsonschema"),
        "--builtin-schema",
        "vendor.gitlab-ci",
        "--data-transform",
        "gitlab-ci",
        *map(str, files),
    ]
    return _run(command, cwd=cwd, timeout=120)


# --- npm, eslint, jest -------------------------------------------------------------


def test_npm_ci_installs_exactly_the_locked_tree(
    installed_service: CreatedService, npm_env: dict[str, str]
) -> None:
    result = _run(["npm", "ls", "--all"], cwd=installed_service.path, env=npm_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (installed_service.path / "node_modules" / "express").is_dir()


def test_npm_ci_refuses_a_lockfile_that_no_longer_matches_package_json(
    created_service: CreatedService, npm_env: dict[str, str]
) -> None:
    package_json = created_service.path / "package.json"
    package = json.loads(package_json.read_text(encoding="utf-8"))
    package["dependencies"]["left-pad"] = "^1.3.0"
    package_json.write_text(json.dumps(package, indent=2) + "\n", encoding="utf-8")
    result = npm_ci(created_service.path, npm_env)
    assert result.returncode != 0
    assert "in sync" in result.stderr or "Missing: left-pad" in result.stderr, result.stderr


def test_eslint_passes(installed_service: CreatedService, npm_env: dict[str, str]) -> None:
    result = _run([_bin(installed_service, "eslint"), "."], installed_service.path, npm_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_eslint_flags_a_real_problem(
    installed_service: CreatedService, npm_env: dict[str, str], tmp_path: Path
) -> None:
    # Proof the lint gate can fail: the same config rejects an undefined variable. The
    # probe lives in a scratch project so tests sharing the installed service never see it.
    shutil.copy(installed_service.path / "eslint.config.js", tmp_path / "eslint.config.js")
    (tmp_path / "node_modules").symlink_to(installed_service.path / "node_modules")
    (tmp_path / "probe.js").write_text(
        "'use strict';\nmodule.exports = undefinedThing;\n", encoding="utf-8"
    )
    result = _run([_bin(installed_service, "eslint"), "probe.js"], tmp_path, npm_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no-undef" in result.stdout


def test_jest_passes_with_coverage_and_a_junit_report(
    installed_service: CreatedService, npm_env: dict[str, str], tmp_path: Path
) -> None:
    env = {**npm_env, "JEST_JUNIT_OUTPUT_DIR": str(tmp_path / "reports")}
    command = [
        _bin(installed_service, "jest"),
        "--ci",
        "--coverage",
        f"--coverageDirectory={tmp_path / 'coverage'}",
        f"--cacheDirectory={tmp_path / 'jest-cache'}",
    ]
    result = _run(command, installed_service.path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    suites = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    assert int(suites.attrib["tests"]) >= 20
    assert int(suites.attrib["failures"]) == 0 and int(suites.attrib["errors"]) == 0
    assert (tmp_path / "coverage" / "cobertura-coverage.xml").is_file()
    tested = {case.attrib["classname"].split(" ")[0] for case in suites.iter("testcase")}
    assert {"routes", "metrics", "graceful"} <= tested


# --- Dockerfile and pipeline ---------------------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile(installed_service: CreatedService) -> None:
    result = _run([_venv_tool("hadolint"), "Dockerfile"], installed_service.path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@settings(max_examples=8)
@given(params=parameters())
def test_hadolint_finds_nothing_for_any_node_version_or_port(params: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        create(params, root)
        result = _run([_venv_tool("hadolint"), "Dockerfile"], root, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlab_ci_file_passes_gitlabs_schema(installed_service: CreatedService) -> None:
    result = _schema_check([installed_service.path / ".gitlab-ci.yml"], installed_service.path)
    assert result.returncode == 0, result.stdout + result.stderr


@settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=parameters())
def test_gitlab_ci_file_passes_the_schema_for_any_parameters(params: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        create(params, root)
        result = _schema_check([root / ".gitlab-ci.yml"], root)
    assert result.returncode == 0, result.stdout + result.stderr


def _gitlab_ci_local() -> str:
    path = shutil.which(GITLAB_CI_LOCAL)
    if path is None:
        pytest.skip("gitlab-ci-local is not installed (npm install -g gitlab-ci-local@4.73.0)")
    if shutil.which("rsync") is None:
        pytest.skip("gitlab-ci-local needs rsync (apt-get install rsync)")
    return path


def _planned_jobs(service: CreatedService, source: str, branch: str) -> list[str]:
    command = [
        _gitlab_ci_local(),
        "--list",
        "--variable",
        f"CI_PIPELINE_SOURCE={source}",
        "--variable",
        f"CI_COMMIT_BRANCH={branch}",
    ]
    result = _run(command, service.path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("name "))
    return [line.split()[0] for line in lines[header + 1 :] if line.strip()]


def test_merge_request_pipelines_plan_lint_test_and_dependency_audit(
    created_service: CreatedService,
) -> None:
    jobs = _planned_jobs(created_service, "merge_request_event", "feature/x")
    assert jobs == ["lint", "test", "dependency-audit"]


def test_main_pipelines_plan_every_job_of_the_six_stages(created_service: CreatedService) -> None:
    jobs = _planned_jobs(created_service, "push", "main")
    assert jobs == [
        "lint",
        "test",
        "dependency-audit",
        "container-scan",
        "build",
        "push",
        "update-gitops",
    ]


def test_gitlab_ci_local_runs_the_lint_and_test_jobs_green(
    created_service: CreatedService, npm_env: dict[str, str]
) -> None:
    command = [
        _gitlab_ci_local(),
        "--force-shell-executor",
        # The jobs' npm ci uses the suite's shared cache instead of a cold .npm/.
        "--variable",
        f"npm_config_cache={npm_env['npm_config_cache']}",
        "lint",
        "test",
    ]
    result = _run(command, created_service.path, npm_env, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "PASS  lint" in output
    assert "PASS  test" in output
    status = _run(["git", "status", "--porcelain"], created_service.path)
    assert status.stdout == "", "the pipeline run left files git does not ignore"


# --- the running service -------------------------------------------------------------


class RunningService:
    """``npm start`` in a created service, with its stdout lines collected."""

    def __init__(self, path: Path, env: Mapping[str, str]) -> None:
        # --silent keeps npm's own banner off stdout, so every line is the app's.
        self.process = subprocess.Popen(
            ["npm", "start", "--silent"],
            cwd=path,
            env={**env, "PORT": "0", "LOG_LEVEL": "info"},
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()
        listening = self.wait_for(lambda entry: entry.get("msg") == "listening")
        self.base_url = f"http://127.0.0.1:{listening['port']}"

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, predicate: Any, timeout: float = 60) -> dict[str, Any]:
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
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


@pytest.fixture
def running_service(
    installed_service: CreatedService, npm_env: dict[str, str]
) -> Iterator[RunningService]:
    service = RunningService(installed_service.path, npm_env)
    try:
        yield service
    finally:
        service.stop()


def test_service_answers_liveness_and_readiness(running_service: RunningService) -> None:
    with httpx.Client(base_url=running_service.base_url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


def test_service_exports_red_metrics_with_status_codes_including_404(
    running_service: RunningService,
) -> None:
    with httpx.Client(base_url=running_service.base_url, timeout=10) as client:
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 200
        assert client.get("/no-such-page").status_code == 404
        metrics = client.get("/metrics").text
    lines = metrics.splitlines()
    assert 'http_requests_total{method="GET",route="/",status_code="200"} 2' in lines
    assert 'http_requests_total{method="GET",route="unmatched",status_code="404"} 1' in lines
    assert (
        'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"} 1'
        in lines
    )
    assert any(
        line.startswith('http_request_duration_seconds_bucket{le="0.005",method="GET",route="/"')
        for line in lines
    )


def test_service_logs_json_lines_with_request_ids(running_service: RunningService) -> None:
    with httpx.Client(base_url=running_service.base_url, timeout=10) as client:
        client.get("/", headers={"X-Request-Id": "probe-1"})
    entry = running_service.wait_for(lambda e: e.get("requestId") == "probe-1")
    assert entry["level"] == "info"
    assert entry["service"] == "orders-api"
    for line in running_service.lines:
        assert isinstance(json.loads(line), dict)


def test_sigterm_stops_the_service_with_exit_code_zero(running_service: RunningService) -> None:
    with httpx.Client(base_url=running_service.base_url, timeout=10) as client:
        assert client.get("/").status_code == 200
    running_service.process.send_signal(signal.SIGTERM)
    # Generous: the service itself gives up on in-flight requests after 8 s.
    assert running_service.process.wait(timeout=60) == 0
    running_service.drain()
    messages = [json.loads(line)["msg"] for line in running_service.lines]
    assert "server closed" in messages
