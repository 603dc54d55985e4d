"""Fixtures for the golden-path template tests: created services, shared npm and pip caches."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from goldpath.config import Settings, load_settings
from goldpath.runtime import Runtime
from tests.conftest import SHARED_DIR
from tests.support.catalog import register_owners
from tests.support.osv import OsvSnapshot, serve_osv
from tests.templates._render import NODEJS, PYTHON, GoldenPath
from tests.templates._tools import RunningService

BASE_PARAMETERS: dict[str, Any] = {
    "name": "orders-api",
    "description": 'Takes "orders": fast, and <safely>',
    "owner": "group:default/team-orders",
    "system": "commerce",
    "port": 3000,
    "nodeVersion": "26",
}
PYTHON_PARAMETERS: dict[str, Any] = {
    **{key: value for key, value in BASE_PARAMETERS.items() if key != "nodeVersion"},
    "port": 8000,
    "pythonVersion": "3.13",
}


@dataclass(frozen=True)
class CreatedService:
    """An application repository made by a real Create, cloned from the local git host."""

    path: Path
    parameters: Mapping[str, Any]
    values: Mapping[str, Any]
    output: Mapping[str, Any]
    settings: Settings
    golden_path: GoldenPath = NODEJS


def _need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed on this machine")
    return path


def embedded_settings(home: Path) -> Settings:
    """Development settings rooted at ``home``, with no background catalog or task work."""
    return load_settings(home=home, catalog={"refresh_enabled": False}, scaffolder={"workers": 0})


def create_service(
    parameters: Mapping[str, Any],
    destination: Path,
    *,
    home: Path,
    golden_path: GoldenPath = NODEJS,
) -> CreatedService:
    """A real Create of ``golden_path`` on the local git host, cloned to ``destination``."""
    settings = embedded_settings(home)
    runtime = Runtime(settings)
    runtime.prepare()
    try:
        runtime.templates.register_builtin()
        register_owners(runtime.catalog, home / "owners", str(parameters["owner"]))
        task_id = runtime.task_creator.create(golden_path.ref, parameters)
        while runtime.task_executor.run_next("templates-tests") is not None:
            pass
        task = runtime.task_store.get(task_id)
        assert task.status == "completed", task.error
        output = dict(task.output or {})
    finally:
        runtime.stop()
    return cloned_service(parameters, destination, settings, output, golden_path)


def cloned_service(
    parameters: Mapping[str, Any],
    destination: Path,
    settings: Settings,
    output: Mapping[str, Any],
    golden_path: GoldenPath,
) -> CreatedService:
    """The application repository a finished Create published, cloned to ``destination``."""
    group = settings.platform.app_group
    bare = settings.git_root / group / f"{parameters['name']}.git"
    subprocess.run(
        ["git", "clone", "-q", str(bare), str(destination)], check=True, capture_output=True
    )
    return CreatedService(
        path=destination,
        parameters=dict(parameters),
        values=golden_path.template_values(parameters, settings),
        output=dict(output),
        settings=settings,
        golden_path=golden_path,
    )


def _shared_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Under xdist every worker has its own basetemp; their parent is common to the run.
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build_once(root: Path, key: str, build: Callable[[], None]) -> None:
    """Run ``build`` once per test run, whichever xdist worker asks first (a file lock)."""
    with (root / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not (root / f"{key}.ready").exists():
                build()
                (root / f"{key}.ready").write_text("ok", encoding="utf-8")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


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

    def build() -> None:
        shutil.rmtree(target, ignore_errors=True)
        shutil.rmtree(home, ignore_errors=True)
        create_service(BASE_PARAMETERS, target, home=home)
        result = npm_ci(target, npm_env)
        assert result.returncode == 0, f"npm ci failed:\n{result.stdout}\n{result.stderr}"

    _build_once(root, "installed-orders-api", build)
    settings = embedded_settings(home)
    return CreatedService(
        path=target,
        parameters=BASE_PARAMETERS,
        values=NODEJS.template_values(BASE_PARAMETERS, settings),
        output={},
        settings=settings,
    )


@pytest.fixture
def created_service(tmp_path: Path) -> CreatedService:
    """A fresh, uninstalled service (BASE_PARAMETERS) from a real Create; tests may change it."""
    return create_service(BASE_PARAMETERS, tmp_path / "orders-api", home=tmp_path / "home")


@pytest.fixture
def running_service(
    installed_service: CreatedService, npm_env: dict[str, str]
) -> Iterator[RunningService]:
    """The installed Node.js service started with ``npm start``."""
    # --silent keeps npm's own banner off stdout, so every line is the app's.
    service = RunningService(["npm", "start", "--silent"], installed_service.path, npm_env)
    try:
        yield service
    finally:
        service.stop()


# --- the Python golden path ------------------------------------------------------------------


def find_python(version: str) -> str | None:
    """An interpreter of CPython ``version`` (``3.13``): on PATH, or installed by pyenv."""
    root = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    candidates = [shutil.which(f"python{version}")]
    candidates += [str(p) for p in sorted(root.glob(f"versions/{version}.*/bin/python{version}"))]
    for candidate in candidates:
        if candidate is None:
            continue
        probe = subprocess.run(
            [candidate, "-c", "import sys, venv; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0 and probe.stdout.strip() == version:
            return candidate
    return None


@dataclass(frozen=True)
class PythonTools:
    """What the generated Python service's checks run with: an interpreter, a pip cache, an
    environment whose ``python3`` is that interpreter and that no outer venv leaks into."""

    python: str
    pip_cache: Path
    env: Mapping[str, str]

    def venv(self, path: Path, *lock_files: Path) -> Path:
        """A fresh virtual environment at ``path`` with exactly ``lock_files`` installed
        (``--require-hashes``, wheels only), as the Dockerfile does; returns its ``bin``."""
        subprocess.run([self.python, "-m", "venv", "--without-pip", str(path)], check=True)
        result = self.pip_install(path / "bin" / "python", *lock_files)
        assert result.returncode == 0, f"pip install failed:\n{result.stdout}\n{result.stderr}"
        return path / "bin"

    def pip_install(self, target: Path, *lock_files: Path) -> subprocess.CompletedProcess[str]:
        """Install ``lock_files`` into the environment of interpreter ``target``."""
        requirements = [arg for lock in lock_files for arg in ("--requirement", str(lock))]
        command = [
            self.python, "-m", "pip", "--python", str(target), "install", "--quiet",
            "--no-deps", "--require-hashes", "--only-binary=:all:", *requirements,
        ]  # fmt: skip
        return subprocess.run(
            command, env=dict(self.env), capture_output=True, text=True, timeout=900
        )


@pytest.fixture(scope="session")
def python_tools(tmp_path_factory: pytest.TempPathFactory) -> PythonTools:
    """The python-service default line's interpreter, one pip cache for every test and worker."""
    version = PYTHON_PARAMETERS["pythonVersion"]
    python = find_python(version)
    if python is None:
        pytest.skip(f"python{version} is not installed (a CPython {version} on PATH or in pyenv)")
    root = _shared_root(tmp_path_factory)
    cache = root / "pip-cache"
    cache.mkdir(exist_ok=True)
    shim = root / "python-shim"
    shim.mkdir(exist_ok=True)
    for name in ("python3", "python"):
        link = shim / name
        if not link.exists():
            link.symlink_to(python)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GOLDPATH_", "PYTHON", "VIRTUAL_ENV", "PIP_AUDIT", "COV_"))
        and key not in ("PIP_CACHE_DIR", "PIP_REQUIRE_VIRTUALENV")
    }
    outer = str(Path(sys.executable).parent)
    path = [entry for entry in env.get("PATH", "").split(os.pathsep) if entry != outer]
    env.update(
        PATH=os.pathsep.join([str(shim), *path]),
        PIP_CACHE_DIR=str(cache),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INPUT="1",
        PIP_AUDIT_PROGRESS_SPINNER="off",
        CI="true",
    )
    return PythonTools(python=python, pip_cache=cache, env=env)


@pytest.fixture(scope="session")
def osv_url() -> Iterator[str]:
    """A local OSV endpoint serving ../shared/advisories (PyPI's and OSV's APIs are
    unreachable here, and pip-audit would otherwise skip every package)."""
    snapshot = SHARED_DIR / "advisories" / "pypa"
    if not snapshot.is_dir():
        pytest.skip(f"no advisory snapshot at {snapshot} (../shared is absent)")
    with serve_osv(OsvSnapshot(snapshot)) as url:
        yield url


def audit_env(tools: PythonTools, url: str) -> dict[str, str]:
    """``tools.env`` with pip-audit pointed at the local OSV endpoint ``url``."""
    return {**tools.env, "PIP_AUDIT_VULNERABILITY_SERVICE": "osv", "PIP_AUDIT_OSV_URL": url}


@dataclass(frozen=True)
class InstalledPython:
    """A created python-service and a virtual environment with its tools lock installed."""

    service: CreatedService
    bin: Path

    def tool(self, name: str) -> str:
        """A tool installed from the lock."""
        return str(self.bin / name)


@pytest.fixture(scope="session")
def installed_python_service(
    tmp_path_factory: pytest.TempPathFactory, python_tools: PythonTools
) -> InstalledPython:
    """python-service created once per run with PYTHON_PARAMETERS, its requirements-dev.lock
    installed in a fresh venv (outside the repository) with ``--require-hashes``.

    Shared by every xdist worker; tests must not change files in it.
    """
    root = _shared_root(tmp_path_factory)
    target = root / "installed-python-orders-api"
    home = root / "installed-python-orders-api-home"
    venv = root / "installed-python-orders-api-venv"

    def build() -> None:
        for path in (target, home, venv):
            shutil.rmtree(path, ignore_errors=True)
        create_service(PYTHON_PARAMETERS, target, home=home, golden_path=PYTHON)
        python_tools.venv(venv, target / "requirements-dev.lock")

    _build_once(root, "installed-python-orders-api", build)
    settings = embedded_settings(home)
    service = CreatedService(
        path=target,
        parameters=PYTHON_PARAMETERS,
        values=PYTHON.template_values(PYTHON_PARAMETERS, settings),
        output={},
        settings=settings,
    )
    return InstalledPython(service=service, bin=venv / "bin")


@pytest.fixture
def created_python_service(tmp_path: Path) -> CreatedService:
    """A fresh, uninstalled python-service from a real Create; tests may change it."""
    return create_service(
        PYTHON_PARAMETERS, tmp_path / "orders-api", home=tmp_path / "home", golden_path=PYTHON
    )


@pytest.fixture(scope="session")
def runtime_venv(
    installed_python_service: InstalledPython,
    python_tools: PythonTools,
    tmp_path_factory: pytest.TempPathFactory,
) -> Path:
    """requirements.lock alone, in a venv without pip: what the Dockerfile's runtime holds."""
    venv = tmp_path_factory.mktemp("runtime") / "venv"
    python_tools.venv(venv, installed_python_service.service.path / "requirements.lock")
    return venv / "bin"


@pytest.fixture
def running_python_service(
    installed_python_service: InstalledPython, runtime_venv: Path, python_tools: PythonTools
) -> Iterator[RunningService]:
    """The installed Python service started as the image starts it (``python -m app``)."""
    service = RunningService(
        [str(runtime_venv / "python"), "-m", "app"],
        installed_python_service.service.path,
        {**python_tools.env, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    try:
        yield service
    finally:
        service.stop()
