"""Fixtures for the golden-path template tests: one created service, one npm cache."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from goldpath.config import Settings, load_settings
from goldpath.runtime import Runtime
from tests.support.catalog import register_owners
from tests.templates._render import TEMPLATE_REF, template_values

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
    """An application repository made by a real Create, cloned from the local git host."""

    path: Path
    parameters: Mapping[str, Any]
    values: Mapping[str, Any]
    output: Mapping[str, Any]
    settings: Settings


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed on this machine")
    return path


def _settings(home: Path) -> Settings:
    return load_settings(home=home, catalog={"refresh_enabled": False}, scaffolder={"workers": 0})


def create_service(
    parameters: Mapping[str, Any], destination: Path, *, home: Path
) -> CreatedService:
    """A real Create into the embedded local git host, cloned to ``destination``."""
    settings = _settings(home)
    runtime = Runtime(settings)
    runtime.prepare()
    try:
        runtime.templates.register_builtin()
        register_owners(runtime.catalog, home / "owners", str(parameters["owner"]))
        task_id = runtime.task_creator.create(TEMPLATE_REF, parameters)
        while runtime.task_executor.run_next("templates-tests") is not None:
            pass
        task = runtime.task_store.get(task_id)
        assert task.status == "completed", task.error
        output = dict(task.output or {})
    finally:
        runtime.stop()
    group = settings.platform.app_group
    bare = settings.git_root / group / f"{parameters['name']}.git"
    subprocess.run(
        ["git", "clone", "-q", str(bare), str(destination)], check=True, capture_output=True
    )
    return CreatedService(
        path=destination,
        parameters=dict(parameters),
        values=template_values(parameters, settings),
        output=output,
        settings=settings,
    )


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
) -> CreatedService:
    """The service created once per run with BASE_PARAMETERS and installed with ``npm ci``.

    Shared by every xdist worker (a file lock makes the first one build it); tests must
    not change files in it, only read them and run tools that write to ignored paths.
    """
    root = _shared_root(tmp_path_factory)
    target = root / "installed-orders-api"
    home = root / "installed-orders-api-home"
    with (root / "installed-orders-api.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (root / "installed-orders-api.ready").exists():
                shutil.rmtree(target, ignore_errors=True)
                shutil.rmtree(home, ignore_errors=True)
                create_service(BASE_PARAMETERS, target, home=home)
                result = npm_ci(target, npm_env)
                assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"
                (root / "installed-orders-api.ready").write_text("ok", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    settings = _settings(home)
    return CreatedService(
        path=target,
        parameters=BASE_PARAMETERS,
        values=template_values(BASE_PARAMETERS, settings),
        output={},
        settings=settings,
    )


@pytest.fixture
def created_service(tmp_path: Path) -> CreatedService:
    """A fresh, uninstalled service (BASE_PARAMETERS) from a real Create; tests may change it."""
    return create_service(BASE_PARAMETERS, tmp_path / "orders-api", home=tmp_path / "home")
