"""A created nodejs-service passes its own ecosystem's tools, run for real."""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from goldpath.templates import MERGE_REQUEST_JOBS, PIPELINE_JOBS
from tests.templates._render import create
from tests.templates._tools import (
    gitlab_ci_local,
    planned_jobs,
    run,
    schema_check,
    venv_tool,
)
from tests.templates.conftest import CreatedService, npm_ci
from tests.templates.strategies import parameters

pytestmark = pytest.mark.slow


def _bin(service: CreatedService, name: str) -> str:
    return str(service.path / "node_modules" / ".bin" / name)


# --- npm, eslint, jest -------------------------------------------------------------


def test_npm_ci_installs_exactly_the_locked_tree(
    installed_service: CreatedService, npm_env: dict[str, str]
) -> None:
    result = run(["npm", "ls", "--all"], cwd=installed_service.path, env=npm_env)
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
    result = run([_bin(installed_service, "eslint"), "."], installed_service.path, npm_env)
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
    result = run([_bin(installed_service, "eslint"), "probe.js"], tmp_path, npm_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "no-undef" in result.stdout


def test_sast_passes_on_the_generated_code(
    installed_service: CreatedService, npm_env: dict[str, str]
) -> None:
    result = run(["npm", "run", "--silent", "sast"], installed_service.path, npm_env)
    assert result.returncode == 0, result.stdout + result.stderr


def test_sast_fails_on_a_real_finding(
    installed_service: CreatedService, npm_env: dict[str, str], tmp_path: Path
) -> None:
    # The same security config, in a scratch project so the shared service never sees it.
    shutil.copy(installed_service.path / "eslint.security.config.js", tmp_path)
    (tmp_path / "node_modules").symlink_to(installed_service.path / "node_modules")
    (tmp_path / "probe.js").write_text(
        "'use strict';\nmodule.exports = (input) => eval(input);\n", encoding="utf-8"
    )
    command = [
        _bin(installed_service, "eslint"),
        "--config",
        "eslint.security.config.js",
        "--max-warnings",
        "0",
        "probe.js",
    ]
    result = run(command, tmp_path, npm_env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "security/detect-eval-with-expression" in result.stdout


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
    result = run(command, installed_service.path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    suites = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    assert int(suites.attrib["tests"]) >= 20
    assert int(suites.attrib["failures"]) == 0 and int(suites.attrib["errors"]) == 0
    assert (tmp_path / "coverage" / "cobertura-coverage.xml").is_file()
    tested = {case.attrib["classname"].split(" ")[0] for case in suites.iter("testcase")}
    assert {"routes", "metrics", "graceful"} <= tested


# --- Dockerfile and pipeline ---------------------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile(installed_service: CreatedService) -> None:
    result = run([venv_tool("hadolint"), "Dockerfile"], installed_service.path, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@settings(max_examples=8)
@given(params=parameters())
def test_hadolint_finds_nothing_for_any_node_version_or_port(params: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        create(params, root)
        result = run([venv_tool("hadolint"), "Dockerfile"], root, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlab_ci_file_passes_gitlabs_schema(installed_service: CreatedService) -> None:
    result = schema_check([installed_service.path / ".gitlab-ci.yml"], installed_service.path)
    assert result.returncode == 0, result.stdout + result.stderr


@settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=parameters())
def test_gitlab_ci_file_passes_the_schema_for_any_parameters(params: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        create(params, root)
        result = schema_check([root / ".gitlab-ci.yml"], root)
    assert result.returncode == 0, result.stdout + result.stderr


def test_merge_request_pipelines_plan_the_checks(created_service: CreatedService) -> None:
    jobs = planned_jobs(created_service.path, "merge_request_event", "feature/x")
    assert jobs == list(MERGE_REQUEST_JOBS)


def test_main_pipelines_plan_every_job_of_the_six_stages(created_service: CreatedService) -> None:
    jobs = planned_jobs(created_service.path, "push", "main")
    assert jobs == list(PIPELINE_JOBS)


def test_gitlab_ci_local_runs_lint_test_sast_and_secret_detection_green(
    created_service: CreatedService, npm_env: dict[str, str]
) -> None:
    jobs = ["lint", "test", "sast", "secret-detection"]
    command = [
        gitlab_ci_local(),
        "--force-shell-executor",
        # The jobs' npm ci uses the suite's shared cache instead of a cold .npm/.
        "--variable",
        f"npm_config_cache={npm_env['npm_config_cache']}",
        *jobs,
    ]
    result = run(command, created_service.path, npm_env, timeout=900)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    for job in jobs:
        assert re.search(rf"PASS  {job}\b", output), job
    status = run(["git", "status", "--porcelain"], created_service.path)
    assert status.stdout == "", "the pipeline run left files git does not ignore"
