"""Reading scorecards follows catalog read: a policy that denies catalog.entity.read denies
the API, the page and ``goldpath score`` too; scoring again takes catalog.entity.refresh."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import Settings
from goldpath.runtime import Runtime
from tests.support.waiting import wait_until
from tests.web.conftest import make_client

PAYMENTS = "component:default/payments-service"


def _with_policy(settings: Settings, policy: Path) -> Settings:
    permission = settings.permission.model_copy(update={"policy": policy})
    return settings.model_copy(update={"permission": permission})


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    """Margaret (storefront-team) may not read the catalog; everyone else may."""
    path = tmp_path / "policy.yaml"
    path.write_text(
        "rules:\n"
        "  - name: margaret-reads-nothing\n"
        "    permission: catalog.entity.read\n"
        "    decision: deny\n"
        "    when: {users: [user:default/margaret]}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def demo(settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    """The demo portal; its components are scored by the worker once seeded."""
    for client, runtime in make_client(settings, seed=True):
        wait_until(
            partial(runtime.scorecards.find, PAYMENTS),
            what="the worker to score the demo components",
        )
        yield client, runtime


def test_the_guest_reads_every_demo_components_scorecard(
    demo: tuple[TestClient, Runtime],
) -> None:
    client, _runtime = demo
    response = client.get("/api/goldpath/v1/scorecards")
    assert response.status_code == 200
    refs = [card["entityRef"] for card in response.json()]
    assert PAYMENTS in refs and refs == sorted(refs)


def test_a_policy_denying_catalog_read_denies_scorecards(
    settings: Settings, policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    guarded = _with_policy(settings, policy)
    for client, _runtime in make_client(guarded, seed=True):
        monkeypatch.setenv("GOLDPATH_HOME", str(settings.home))
        monkeypatch.setenv("GOLDPATH_PERMISSION__POLICY", str(policy))
        runner = CliRunner()
        minted = runner.invoke(
            app, ["tokens", "create", "--user", "margaret", "--name", "t", "--json"]
        )
        assert minted.exit_code == 0, minted.output
        token = minted.output.split('"token": "', 1)[1].split('"', 1)[0]
        headers = {"Authorization": f"Bearer {token}"}
        for url in (
            "/api/goldpath/v1/scorecards",
            "/api/goldpath/v1/scorecards/teams",
            "/api/goldpath/v1/scorecards/component/default/payments-service",
        ):
            refused = client.get(url, headers=headers)
            assert refused.status_code == 403, url
            assert refused.json()["error"]["permission"] == "catalog.entity.read"
        assert client.get("/api/goldpath/v1/scorecards").status_code == 200  # the guest
        denied = runner.invoke(app, ["--as", "margaret", "score", "payments-service"])
        assert denied.exit_code == 5, denied.output
        assert "catalog.entity.read" in denied.output
        allowed = runner.invoke(app, ["--as", "grace", "score", "payments-service", "--json"])
        assert allowed.exit_code == 0, allowed.output


def test_scoring_again_takes_the_refresh_permission(demo: tuple[TestClient, Runtime]) -> None:
    client, _runtime = demo
    # the guest is in storefront-team: payments-service belongs to payments-team
    refused = client.post("/api/goldpath/v1/scorecards/component/default/payments-service/evaluate")
    assert refused.status_code == 403
    assert refused.json()["error"]["permission"] == "catalog.entity.refresh"
    own = client.post("/api/goldpath/v1/scorecards/component/default/web-storefront/evaluate")
    assert own.status_code == 200, own.text
    assert own.json()["entityRef"] == "component:default/web-storefront"
