"""The python-service skeleton as rendered files, over any valid parameters (no tools run)."""

from __future__ import annotations

import ast
import re
import tomllib
from typing import Any

from hypothesis import given, settings

from goldpath.gitops import AppSpec
from tests.templates._render import PYTHON, load_yaml
from tests.templates.conftest import BASE_PARAMETERS
from tests.templates.strategies import parameters
from tests.templates.test_skeleton_rendering import render, resolved

PYTHON_PARAMETERS = {**BASE_PARAMETERS, "port": 8000, "pythonVersion": "3.13"}
PIN = re.compile(r"^([a-z0-9][a-z0-9._-]*)==(\S+?)(?: ;.*)? \\$", re.M)


def _files(params: dict[str, Any] | None = None) -> dict[str, str]:
    files, _ = render(params or PYTHON_PARAMETERS, PYTHON)
    return files


def _pins(lock: str) -> dict[str, str]:
    return dict(PIN.findall(lock))


def _entries(lock: str) -> dict[str, str]:
    """Each pinned package's whole entry (pin, hashes, via comments)."""
    blocks = re.split(r"\n(?=[a-z0-9])", lock.split("\n", 2)[2])
    return {block.split("==", 1)[0]: block for block in blocks if "==" in block}


def _requirements(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower())
    return names


@settings(max_examples=30)
@given(parameters(PYTHON))
def test_every_python_file_is_valid_python_and_names_the_service(params: dict[str, Any]) -> None:
    files = _files(params)
    for path, text in files.items():
        if path.endswith(".py"):
            ast.parse(text, filename=path)
    config = ast.parse(files["app/config.py"])
    constants = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in config.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("SERVICE_NAME", "DEFAULT_PORT")
    }
    assert constants["SERVICE_NAME"] == params["name"]
    assert constants["DEFAULT_PORT"] == params.get("port", 8000)


@settings(max_examples=30)
@given(parameters(PYTHON))
def test_pyproject_is_valid_toml_naming_the_project_and_python_line(
    params: dict[str, Any],
) -> None:
    pyproject = tomllib.loads(_files(params)["pyproject.toml"])
    version = params.get("pythonVersion", PYTHON.versions[0])
    assert pyproject["project"]["name"] == params["name"]
    assert pyproject["tool"]["mypy"]["strict"] is True
    assert pyproject["tool"]["mypy"]["python_version"] == version
    assert pyproject["tool"]["coverage"]["report"]["fail_under"] >= 80


@settings(max_examples=30)
@given(parameters(PYTHON))
def test_python_version_and_port_reach_the_image_the_pipeline_and_the_docs(
    params: dict[str, Any],
) -> None:
    files = _files(params)
    version = params.get("pythonVersion", PYTHON.versions[0])
    port = params.get("port", 8000)
    assert files[".python-version"] == f"{version}\n"
    assert re.search(
        rf"^FROM python:{re.escape(version)}-slim-trixie AS base$", files["Dockerfile"], re.M
    )
    assert re.search(rf"^EXPOSE {port}$", files["Dockerfile"], re.M)
    assert f"PORT={port}" in files["Dockerfile"]
    pipeline = load_yaml(files[".gitlab-ci.yml"])
    assert pipeline["variables"]["PYTHON_IMAGE"] == f"python:{version}-slim-trixie"


def test_locks_pin_every_requirement_with_hashes() -> None:
    files = _files()
    for source, lock in (
        ("requirements.in", "requirements.lock"),
        ("requirements-dev.in", "requirements-dev.lock"),
    ):
        entries = _entries(files[lock])
        assert entries, lock
        for name, entry in entries.items():
            assert "--hash=sha256:" in entry, f"{lock}: {name} has no hash"
        assert _requirements(files[source]) <= set(entries), lock
    assert "uv pip compile --universal" in files["requirements.lock"].splitlines()[1]


def test_the_tools_lock_holds_the_runtime_lock_unchanged() -> None:
    files = _files()
    runtime, dev = _entries(files["requirements.lock"]), _entries(files["requirements-dev.lock"])
    for name in runtime:
        assert _pins(runtime[name] + "\n") == _pins(dev[name] + "\n"), name
        runtime_hashes = set(re.findall(r"--hash=(\S+)", runtime[name]))
        assert runtime_hashes == set(re.findall(r"--hash=(\S+)", dev[name])), name
    assert files["requirements-dev.in"].count("-c requirements.lock") == 1
    assert files["requirements-dev.in"].count("-r requirements.in") == 1


def test_runtime_lock_holds_no_test_or_lint_tools() -> None:
    runtime = set(_entries(_files()["requirements.lock"]))
    assert runtime.isdisjoint({"pytest", "ruff", "mypy", "pip-audit", "bandit", "coverage"})
    assert {"fastapi", "uvicorn", "prometheus-client", "pydantic-settings"} <= runtime


def test_dockerfile_is_multi_stage_hash_locked_non_root_and_without_pip() -> None:
    dockerfile = _files()["Dockerfile"]
    assert len(re.findall(r"^FROM ", dockerfile, re.M)) >= 3
    install = dockerfile[
        dockerfile.index("FROM base AS deps") : dockerfile.index("FROM base AS runtime")
    ]
    for flag in ("--require-hashes", "--only-binary=:all:", "--no-deps", "--no-cache-dir"):
        assert flag in install, flag
    assert "--requirement requirements.lock" in install
    assert "venv --without-pip /opt/venv" in install
    runtime = dockerfile[dockerfile.index("FROM base AS runtime") :]
    assert "pip uninstall --yes pip" in runtime
    assert "COPY --from=deps /opt/venv /opt/venv" in runtime
    assert "apt-get install" not in dockerfile
    user = re.search(r"^USER (\d+):(\d+)$", dockerfile, re.M)
    assert user and int(user.group(1)) == AppSpec.model_fields["run_as_user"].default
    assert re.search(r'^CMD \["python", "-m", "app"\]$', dockerfile, re.M)


def test_dockerignore_sends_only_the_runtime_lock_and_the_app() -> None:
    ignored = set(_files()[".dockerignore"].splitlines())
    assert {"tests/", "requirements-dev.lock", ".venv/", "docs/"} <= ignored
    assert "requirements.lock" not in ignored and "app/" not in ignored


def test_python_jobs_install_the_tools_lock_with_hashes_in_a_venv_of_their_own() -> None:
    pipeline = load_yaml(_files()[".gitlab-ci.yml"])
    template = pipeline[".python"]
    assert template["variables"]["VENV"] == ".cache/venv/$CI_JOB_NAME"  # under the checkout
    install = template["before_script"][1]
    for flag in ("--require-hashes", "--only-binary=:all:", "--requirement requirements-dev.lock"):
        assert flag in install, flag
    for name in ("lint", "test", "dependency-audit", "sast"):
        assert resolved(pipeline, pipeline[name])["image"] == "$PYTHON_IMAGE", name


def test_lint_runs_ruff_and_strict_mypy_and_test_reports_coverage() -> None:
    pipeline = load_yaml(_files()[".gitlab-ci.yml"])
    assert pipeline["lint"]["script"] == ["ruff check .", "ruff format --check .", "mypy ."]
    test = resolved(pipeline, pipeline["test"])
    assert test["script"] == ["pytest --cov --cov-report=term --cov-report=xml"]
    assert re.search(test["coverage"].strip("/"), "TOTAL      290     12     44      5    94%")
    assert test["artifacts"]["reports"]["coverage_report"]["path"] == "coverage/coverage.xml"


def test_dependency_audit_checks_both_locks_strictly_and_keeps_a_report() -> None:
    pipeline = load_yaml(_files()[".gitlab-ci.yml"])
    job = resolved(pipeline, pipeline["dependency-audit"])
    assert job["stage"] == "security" and job["needs"] == []
    audit = job["script"][-1]
    assert audit.startswith("pip-audit --strict ")
    for part in ("--requirement requirements.lock", "--requirement requirements-dev.lock"):
        assert part in audit, part
    assert "--output reports/pip-audit.json" in audit
    assert job["artifacts"]["when"] == "always"


def test_sast_runs_bandit_over_the_app_with_the_project_settings() -> None:
    files = _files()
    pipeline = load_yaml(files[".gitlab-ci.yml"])
    job = resolved(pipeline, pipeline["sast"])
    assert job["script"] == ["bandit --configfile pyproject.toml --recursive app"]
    assert tomllib.loads(files["pyproject.toml"])["tool"]["bandit"]["exclude_dirs"][0] == "tests"
