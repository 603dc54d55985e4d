"""A created python-service passes its own ecosystem's tools, run for real.

The tools (ruff, mypy, pytest, pip-audit, bandit) come from the service's own
requirements-dev.lock, installed with ``--require-hashes`` in a fresh venv on the CPython
line the template defaults to. pip-audit asks a local OSV endpoint serving the advisory
snapshot in ../shared, and ``--strict`` turns any package it could not look up into a
failure (see tests/support/osv.py).
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from goldpath.templates import MERGE_REQUEST_JOBS, PIPELINE_JOBS
from tests.templates._render import PYTHON
from tests.templates._tools import (
    gitlab_ci_local,
    planned_jobs,
    run,
    schema_check,
    venv_tool,
)
from tests.templates.conftest import (
    CreatedService,
    InstalledPython,
    PythonTools,
    audit_env,
)
from tests.templates.strategies import parameters

pytestmark = pytest.mark.slow

# AWS's documented example key, assembled here so no scanner reads this file as a leak.
EXAMPLE_AWS_KEY = "AKIA" + "IOSFODNN7EXAMPLE"


def _audit(
    installed: InstalledPython, tools: PythonTools, url: str, *requirements: Path
) -> tuple[int, str]:
    command = [installed.tool("pip-audit"), "--strict", "--disable-pip", "--require-hashes"]
    for path in requirements:
        command += ["--requirement", str(path)]
    result = run(command, installed.service.path, audit_env(tools, url), timeout=300)
    return result.returncode, result.stdout + result.stderr


def _commit_all(path: Path, message: str) -> None:
    for command in (["add", "-A"], ["commit", "-q", "-m", message]):
        result = run(["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *command], path)
        assert result.returncode == 0, result.stdout + result.stderr


# --- install from the lock ----------------------------------------------------------------


def test_the_tools_lock_installs_with_hashes_into_a_consistent_venv(
    installed_python_service: InstalledPython, python_tools: PythonTools
) -> None:
    python = installed_python_service.tool("python")
    result = run([python, "-m", "pip", "check"], installed_python_service.service.path)
    assert result.returncode == 0, result.stdout + result.stderr
    listed = run([python, "-m", "pip", "list", "--format=json"], Path.cwd())
    installed = {re.sub(r"[-_.]+", "-", e["name"]).lower() for e in json.loads(listed.stdout)}
    assert {"fastapi", "uvicorn", "pytest", "ruff", "mypy", "pip-audit", "bandit"} <= installed


def test_pip_refuses_a_lock_whose_hash_no_longer_matches(
    created_python_service: CreatedService, python_tools: PythonTools, tmp_path: Path
) -> None:
    lock = created_python_service.path / "requirements.lock"
    text = lock.read_text(encoding="utf-8")
    # Every hash of fastapi's entry changed, so whichever file pip picks cannot match.
    start = text.index("\nfastapi==") + 1
    end = text.index("# via", start)
    tampered = re.sub(r"sha256:[0-9a-f]{64}", "sha256:" + "0" * 64, text[start:end])
    lock.write_text(text[:start] + tampered + text[end:], encoding="utf-8")
    run([python_tools.python, "-m", "venv", "--without-pip", str(tmp_path / "venv")], tmp_path)
    result = python_tools.pip_install(tmp_path / "venv" / "bin" / "python", lock)
    assert result.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in result.stderr, result.stderr


def test_pip_refuses_a_requirement_added_without_a_hash(
    created_python_service: CreatedService, python_tools: PythonTools, tmp_path: Path
) -> None:
    lock = created_python_service.path / "requirements.lock"
    lock.write_text(lock.read_text(encoding="utf-8") + "six==1.16.0\n", encoding="utf-8")
    run([python_tools.python, "-m", "venv", "--without-pip", str(tmp_path / "venv")], tmp_path)
    result = python_tools.pip_install(tmp_path / "venv" / "bin" / "python", lock)
    assert result.returncode != 0
    assert "Hashes are required in --require-hashes mode" in result.stderr, result.stderr


# --- lint, types, tests ----------------------------------------------------------------------


def test_ruff_lint_and_format_pass(installed_python_service: InstalledPython) -> None:
    ruff = installed_python_service.tool("ruff")
    path = installed_python_service.service.path
    for command in (
        [ruff, "check", "--no-cache", "."],
        [ruff, "format", "--no-cache", "--check", "."],
    ):
        result = run(command, path)
        assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_flags_a_real_problem(
    installed_python_service: InstalledPython, tmp_path: Path
) -> None:
    shutil.copy(installed_python_service.service.path / "pyproject.toml", tmp_path)
    (tmp_path / "probe.py").write_text("import os\nprint(undefined_name)\n", encoding="utf-8")
    result = run([installed_python_service.tool("ruff"), "check", "--no-cache", "."], tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "F401" in result.stdout and "F821" in result.stdout


def test_mypy_strict_passes(installed_python_service: InstalledPython, tmp_path: Path) -> None:
    command = [installed_python_service.tool("mypy"), "--cache-dir", str(tmp_path), "."]
    result = run(command, installed_python_service.service.path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success: no issues found" in result.stdout


def test_mypy_flags_a_type_error_and_an_untyped_function(
    installed_python_service: InstalledPython, tmp_path: Path
) -> None:
    shutil.copy(installed_python_service.service.path / "pyproject.toml", tmp_path)
    (tmp_path / "probe.py").write_text(
        'def untyped(x):\n    return x\n\n\ncount: int = "three"\n', encoding="utf-8"
    )
    command = [
        installed_python_service.tool("mypy"),
        "--cache-dir",
        str(tmp_path / "c"),
        "probe.py",
    ]
    result = run(command, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "[no-untyped-def]" in result.stdout and "[assignment]" in result.stdout


def test_pytest_passes_with_coverage_and_a_junit_report(
    installed_python_service: InstalledPython, python_tools: PythonTools, tmp_path: Path
) -> None:
    junit, coverage = tmp_path / "junit.xml", tmp_path / "coverage.xml"
    command = [
        installed_python_service.tool("pytest"),
        "-p",
        "no:cacheprovider",
        f"--junitxml={junit}",
        "--cov",
        f"--cov-report=xml:{coverage}",
        "--cov-report=term",
    ]
    env = {**python_tools.env, "COVERAGE_FILE": str(tmp_path / ".coverage")}
    result = run(command, installed_python_service.service.path, env)
    assert result.returncode == 0, result.stdout + result.stderr
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.attrib["tests"]) >= 35
    assert int(suite.attrib["failures"]) == 0 and int(suite.attrib["errors"]) == 0
    tested = {case.attrib["classname"].split(".")[-1] for case in suite.iter("testcase")}
    assert {"test_app", "test_config", "test_logs", "test_metrics", "test_shutdown"} <= tested
    assert float(ET.parse(coverage).getroot().attrib["line-rate"]) >= 0.85


# --- security checks -------------------------------------------------------------------------


def test_pip_audit_finds_no_known_vulnerability_and_skips_nothing(
    installed_python_service: InstalledPython, python_tools: PythonTools, osv_url: str
) -> None:
    path = installed_python_service.service.path
    code, output = _audit(
        installed_python_service,
        python_tools,
        osv_url,
        path / "requirements.lock",
        path / "requirements-dev.lock",
    )
    assert code == 0, output
    assert "No known vulnerabilities found" in output
    assert "Skipping" not in output and "could not be audited" not in output


def test_pip_audit_reports_a_known_vulnerability(
    installed_python_service: InstalledPython,
    python_tools: PythonTools,
    osv_url: str,
    tmp_path: Path,
) -> None:
    # jinja2 2.11.2 has PYSEC-2021-66 (fixed in 2.11.3) in the snapshot.
    vulnerable = tmp_path / "requirements.txt"
    vulnerable.write_text(f"jinja2==2.11.2 --hash=sha256:{'a' * 64}\n", encoding="utf-8")
    code, output = _audit(installed_python_service, python_tools, osv_url, vulnerable)
    assert code == 1, output
    assert "PYSEC-2021-66" in output


def test_bandit_finds_nothing_in_the_service(installed_python_service: InstalledPython) -> None:
    command = [installed_python_service.tool("bandit"), "-q", "-c", "pyproject.toml", "-r", "app"]
    result = run(command, installed_python_service.service.path)
    assert result.returncode == 0, result.stdout + result.stderr


# --- Dockerfile and pipeline -----------------------------------------------------------------


def test_hadolint_finds_nothing_in_the_dockerfile(
    installed_python_service: InstalledPython,
) -> None:
    result = run([venv_tool("hadolint"), "Dockerfile"], installed_python_service.service.path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


@settings(max_examples=6)
@given(params=parameters(PYTHON))
def test_hadolint_and_gitlabs_schema_pass_for_any_parameters(params: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        PYTHON.create(params, root)
        lint = run([venv_tool("hadolint"), "Dockerfile"], root, timeout=120)
        schema = schema_check([root / ".gitlab-ci.yml"], root)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_merge_request_and_main_pipelines_plan_the_shared_jobs(
    created_python_service: CreatedService,
) -> None:
    path = created_python_service.path
    assert planned_jobs(path, "merge_request_event", "feature/x") == list(MERGE_REQUEST_JOBS)
    assert planned_jobs(path, "push", "main") == list(PIPELINE_JOBS)


def _ci_local(
    service: CreatedService, tools: PythonTools, url: str, jobs: list[str]
) -> tuple[int, str]:
    command = [
        gitlab_ci_local(),
        "--force-shell-executor",
        # The suite's shared pip cache instead of a cold .cache/pip, and pip-audit pointed
        # at the local OSV endpoint (environment variables pip-audit reads).
        "--variable",
        f"PIP_CACHE_DIR={tools.pip_cache}",
        "--variable",
        "PIP_AUDIT_VULNERABILITY_SERVICE=osv",
        "--variable",
        f"PIP_AUDIT_OSV_URL={url}",
        *jobs,
    ]
    result = run(command, service.path, tools.env, timeout=1200)
    return result.returncode, result.stdout + result.stderr


def test_gitlab_ci_local_runs_every_merge_request_job_green(
    created_python_service: CreatedService, python_tools: PythonTools, osv_url: str
) -> None:
    code, output = _ci_local(
        created_python_service, python_tools, osv_url, list(MERGE_REQUEST_JOBS)
    )
    assert code == 0, output
    for job in MERGE_REQUEST_JOBS:
        assert re.search(rf"PASS  {job}\b", output), job
    report = json.loads((created_python_service.path / "reports" / "pip-audit.json").read_text())
    assert len(report["dependencies"]) >= 50
    assert all(dep.get("vulns") == [] for dep in report["dependencies"])
    status = run(["git", "status", "--porcelain"], created_python_service.path)
    assert status.stdout == "", "the pipeline run left files git does not ignore"


def test_a_sast_finding_and_a_committed_secret_each_fail_their_job(
    created_python_service: CreatedService, python_tools: PythonTools, osv_url: str
) -> None:
    path = created_python_service.path
    (path / "app" / "admin.py").write_text(
        '"""Runs what it is told."""\n\nimport subprocess\n\n\n'
        "def run(command: str) -> int:\n"
        '    """Run ``command`` in a shell."""\n'
        "    return subprocess.call(command, shell=True)\n",
        encoding="utf-8",
    )
    (path / "deploy.env").write_text(f"AWS_ACCESS_KEY_ID={EXAMPLE_AWS_KEY}\n", encoding="utf-8")
    _commit_all(path, "add an admin helper")
    code, output = _ci_local(
        created_python_service, python_tools, osv_url, ["sast", "secret-detection"]
    )
    assert code != 0, output
    assert re.search(r"FAIL  sast\b", output), output
    assert re.search(r"FAIL  secret-detection\b", output), output
    assert "B602" in output  # subprocess call with shell=True
    assert "AWS Access Key" in output and "deploy.env" in output
    assert EXAMPLE_AWS_KEY not in output  # the log names the finding, never the secret


# --- the runtime, installed as the image installs it ----------------------------------------


def test_the_runtime_venv_holds_no_pip_and_no_tools(runtime_venv: Path) -> None:
    names = {path.name for path in runtime_venv.iterdir()}
    assert not names & {"pip", "pip3", "pytest", "ruff", "mypy", "bandit", "pip-audit"}
