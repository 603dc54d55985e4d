"""Fixtures for the golden-path template tests: one created service, one npm cache."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.templates._render import create, template_values

BASE_PARAMETERS: dict[str, Any] = {
    "name": "orders-api",
    "description": 'Takes "orders": fast, and <safely>',
    "owner": "group:default/team-orders",
    "system": "commerce",
    "port": 3000,
    "nodeVersion": "26",
}


@dataclass(frozen=True)
class CreatedService:
    """An application repository produced by the template, committed to git."""

    path: Path
    parameters: Mapping[str, Any]
    values: Mapping[str, Any]


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed on this machine")
    return path


def commit_all(path: Path, message: str = "Initial commit") -> None:
    """Make ``path`` a git repository on ``main`` holding every file in it."""
    git = ["git", "-c", "user.name=goldpath tests", "-c", "user.email=tests@goldpath.invalid"]
    if not (path / ".git").exists():
        subprocess.run([*git, "init", "-q", "-b", "main", str(path)], check=True)
    subprocess.run([*git, "-C", str(path), "add", "-A"], check=True)
    subprocess.run([*git, "-C", str(path), "commit", "-q", "-m", message], check=True)


def create_service(parameters: Mapping[str, Any], destination: Path) -> CreatedService:
    """Create the service from the template into ``destination`` and commit it."""
    destination.mkdir(parents=True, exist_ok=True)
    values = create(parameters, destination)
    commit_all(destination)
    return CreatedService(path=destination, parameters=dict(parameters), values=values)


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Under xdist every worker has its own basetemp; their parent is common to the run.
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def npm_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment for npm and node tools: one npm cache shared by every test and worker."""
    _need("npm")
    cache = _shared_root(tmp_path_factory) / "npm-cache"
    cache.mkdir(exist_ok=True)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("npm_", "NPM_", "GOLDPATH_")) and key != "NODE_OPTIONS"
    }
    env.update(
        npm_config_cache=str(cache),
        npm_config_audit="false",
        npm_config_fund="false",
        npm_config_update_notifier="false",
        npm_config_prefer_offline="true",
        CI="true",
    )
    return env


def npm_ci(path: Path, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``npm ci`` in ``path``."""
    return subprocess.run(
        ["npm", "ci"], cwd=path, env=dict(env), capture_output=True, text=True, timeout=600
    )


@pytest.fixture(scope="session")
def installed_service(
    tmp_path_factory: pytest.TempPathFactory, npm_env: dict[str, str]
) -> Iterator[CreatedService]:
    """The service created once per run with BASE_PARAMETERS and installed with ``npm ci``.

    Shared by every xdist worker (a file lock makes the first one build it); tests must
    not change files in it, only read them and run tools that write to ignored paths.
    """
    root = _shared_root(tmp_path_factory)
    target = root / "installed-orders-api"
    ready = root / "installed-orders-api.ready"
    with (root / "installed-orders-api.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            shutil.rmtree(target, ignore_errors=True)
            create_service(BASE_PARAMETERS, target)
            result = npm_ci(target, npm_env)
            assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
            ready.write_text("ok", encoding="utf-8")
        fcntl.flock(lock, fcntl.LOCK_UN)
    yield CreatedService(
        path=target, parameters=BASE_PARAMETERS, values=template_values(BASE_PARAMETERS)
    )


@pytest.fixture
def created_service(tmp_path: Path) -> CreatedService:
    """A fresh, uninstalled copy of the service (BASE_PARAMETERS) that a test may change."""
    return create_service(BASE_PARAMETERS, tmp_path / "orders-api")
