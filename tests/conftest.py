"""Fixtures shared by the whole suite: settings, databases (SQLite and real PostgreSQL)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import create_engine, text

from goldpath.config import Settings, load_settings
from goldpath.db import Database
from tests.support.postgres import find_pg_bin, start_postgres
from tests.support.strict_skips import strict_skip_failure

hypothesis_settings.register_profile(
    "goldpath", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=60
)
hypothesis_settings.load_profile("goldpath")

PG_URL_ENV = "GOLDPATH_TEST_POSTGRES_ADMIN_URL"
SHARED_DIR = Path(__file__).resolve().parents[2] / "shared"


def pytest_configure(config: pytest.Config) -> None:
    """Start one PostgreSQL server for the whole run (in the xdist controller only)."""
    if hasattr(config, "workerinput") or os.environ.get(PG_URL_ENV):
        return
    if find_pg_bin() is None:
        return
    server = start_postgres()
    config._goldpath_pg = server  # type: ignore[attr-defined]
    os.environ[PG_URL_ENV] = server.admin_url  # inherited by xdist workers


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the server the controller started."""
    server = getattr(config, "_goldpath_pg", None)
    if server is not None:
        server.stop()
        os.environ.pop(PG_URL_ENV, None)


# Read once at start-up: tests clear GOLDPATH_* variables while they run.
STRICT_SKIPS = bool(os.environ.get("GOLDPATH_STRICT_SKIPS"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Under ``make test`` (GOLDPATH_STRICT_SKIPS=1) a skip for a missing tool is a failure."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    if not STRICT_SKIPS or not report.skipped or hasattr(report, "wasxfail"):
        return
    longrepr = report.longrepr
    reason = str(longrepr[-1]) if isinstance(longrepr, tuple) else str(longrepr)
    failure = strict_skip_failure(reason, shared_dir=SHARED_DIR)
    if failure is not None:
        report.outcome = "failed"
        report.longrepr = failure


@pytest.fixture(autouse=True)
def _isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's goldpath.yaml or GOLDPATH_* variables by accident."""
    for key in list(os.environ):
        if key.startswith("GOLDPATH_") and key != PG_URL_ENV:
            monkeypatch.delenv(key)
    # tests write their catalog files and templates under tmp_path: the catalog may read
    # there (a test about the file roots themselves sets its own)
    monkeypatch.setenv("GOLDPATH_CATALOG__FILE_ROOTS", json.dumps([str(tmp_path)]))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def goldpath_home(tmp_path: Path) -> Path:
    """An empty GOLDPATH_HOME for one test."""
    home = tmp_path / "goldpath-home"
    home.mkdir()
    return home


@pytest.fixture
def settings(goldpath_home: Path, tmp_path: Path) -> Settings:
    """Development settings rooted in a temporary home, with no background loops.

    The catalog may read files anywhere under the test's tmp_path (where tests write
    their catalog files and templates), not only in the home.
    """
    return load_settings(
        home=goldpath_home,
        catalog={"refresh_enabled": False, "file_roots": [tmp_path]},
        scaffolder={"workers": 0},
    )


@pytest.fixture
def postgres_admin_url() -> str:
    """The suite's PostgreSQL server (skips only when PostgreSQL is not installed)."""
    url = os.environ.get(PG_URL_ENV)
    if not url:
        pytest.skip("PostgreSQL server binaries (initdb) are not installed on this machine")
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    name = "t_" + uuid.uuid4().hex[:16]
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    """A migrated SQLite database in a temporary file."""
    db = Database(f"sqlite:///{tmp_path / 'test.db'}")
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def any_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test on a migrated SQLite database and on a real PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    db = Database(url)
    db.migrate()
    yield db
    db.dispose()


@pytest.fixture
def shared_dir() -> Path:
    """../shared (design docs, CRD schemas); skips when this checkout has none beside it."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"{SHARED_DIR} is absent (a plain checkout has no ../shared)")
    return SHARED_DIR
