"""Fixtures for permission tests: the demo portal, API tokens of demo users, CLI environment."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import Settings
from goldpath.runtime import Runtime
from tests.web.conftest import make_client

# The demo organisation (src/goldpath/demo/data/org.yaml):
ADA = "user:default/ada"  # platform-team: a platform admin
GRACE = "user:default/grace"  # payments-team
LINUS = "user:default/linus"  # payments-team and storefront-team
MARGARET = "user:default/margaret"  # storefront-team
GUEST = "user:default/guest"  # storefront-team (the development guest)


@dataclass
class Demo:
    """The demo portal, its runtime, and a bearer header per demo user."""

    client: TestClient
    runtime: Runtime
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, user: str) -> dict[str, str]:
        """Headers carrying a personal API token minted for the user by ``goldpath tokens``."""
        if user not in self._tokens:
            result = CliRunner().invoke(
                app, ["tokens", "create", "--user", user, "--name", "permissions", "--json"]
            )
            assert result.exit_code == 0, result.output
            self._tokens[user] = json.loads(result.output)["token"]
        return {"Authorization": f"Bearer {self._tokens[user]}"}


@pytest.fixture
def demo(settings: Settings, cli_env: Path) -> Iterator[Demo]:
    """The development portal with the demo organisation (no task workers: tasks stay open);
    the CLI opens the same home, so ``goldpath tokens`` mints its users' tokens."""
    for client, runtime in make_client(settings, seed=True):
        yield Demo(client, runtime)


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Path:
    """GOLDPATH_* so the CLI opens the same home as ``settings``; returns the home."""
    monkeypatch.setenv("GOLDPATH_HOME", str(settings.home))
    monkeypatch.setenv("GOLDPATH_CATALOG__REFRESH_ENABLED", "false")
    monkeypatch.setenv("GOLDPATH_SCAFFOLDER__WORKERS", "0")
    return settings.home
