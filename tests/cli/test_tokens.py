"""``goldpath tokens``: an operator mints a token that the production API accepts."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import load_settings
from goldpath.demo import seed_demo
from goldpath.runtime import Runtime
from goldpath.web import create_app

runner = CliRunner()


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Runtime:
    env = {
        "GOLDPATH_ENV": "production",
        "GOLDPATH_HOME": str(tmp_path / "home"),
        "GOLDPATH_ALLOW_SQLITE_IN_PRODUCTION": "true",
        "GOLDPATH_SERVER__BASE_URL": "https://portal.acme.test",
        "GOLDPATH_AUTH__SESSION_SECRET": secrets.token_urlsafe(48),
        "GOLDPATH_AUTH__GITHUB__CLIENT_ID": "Iv1.cli-test",
        "GOLDPATH_AUTH__GITHUB__CLIENT_SECRET": "cli-test-secret",
        "GOLDPATH_CATALOG__REFRESH_ENABLED": "false",
        "GOLDPATH_SCAFFOLDER__WORKERS": "0",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    runtime = Runtime(load_settings())
    runtime.prepare()
    seed_demo(runtime.catalog)
    return runtime


def _a_demo_user(runtime: Runtime) -> str:
    user = runtime.catalog.query(filters=[{"kind": "User"}], limit=1).items[0]
    return f"user:{user['metadata'].get('namespace', 'default')}/{user['metadata']['name']}"


def test_cli_token_signs_in_to_the_production_api(production: Runtime) -> None:
    user = _a_demo_user(production)
    result = runner.invoke(app, ["tokens", "create", "--user", user, "--name", "ci", "--json"])
    assert result.exit_code == 0, result.output
    token = json.loads(result.output)["token"]
    with TestClient(create_app(production.settings), base_url="https://portal.acme.test") as client:
        assert client.get("/api/catalog/entities").status_code == 401
        answer = client.get(
            "/api/catalog/entities/by-query", headers={"Authorization": f"Bearer {token}"}
        )
        assert answer.status_code == 200


def test_listed_tokens_never_show_their_secret(production: Runtime) -> None:
    user = _a_demo_user(production)
    created = runner.invoke(app, ["tokens", "create", "-u", user, "-n", "deploy", "--json"])
    token = json.loads(created.output)["token"]
    listed = runner.invoke(app, ["tokens", "list", "--user", user])
    assert listed.exit_code == 0
    assert "deploy" in listed.output
    secret = token[len("gp_") + 16 + 1 :]  # gp_<16 hex id>_<secret>
    assert len(secret) == 43
    assert secret not in listed.output


def test_revoked_token_is_refused(production: Runtime) -> None:
    user = _a_demo_user(production)
    created = json.loads(
        runner.invoke(app, ["tokens", "create", "-u", user, "-n", "x", "--json"]).output
    )
    revoked = runner.invoke(app, ["tokens", "revoke", created["id"], "--user", user])
    assert revoked.exit_code == 0, revoked.output
    with TestClient(create_app(production.settings), base_url="https://portal.acme.test") as client:
        answer = client.get(
            "/api/catalog/entities/by-query",
            headers={"Authorization": f"Bearer {created['token']}"},
        )
        assert answer.status_code == 401


def test_token_for_an_unknown_user_is_refused(production: Runtime) -> None:
    argv = ["tokens", "create", "--user", "user:default/nobody-here", "-n", "x"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 3
    assert "nobody-here" in result.output
    assert "Traceback" not in result.output


def test_token_for_a_group_is_refused(production: Runtime) -> None:
    result = runner.invoke(app, ["tokens", "create", "--user", "group:default/x", "-n", "x"])
    assert result.exit_code == 2
    assert "User" in result.output
