"""A real Create on the embedded default is scored; removing the ``USER`` line from its
Dockerfile turns ``dockerfile-non-root`` red after a refresh (the CLI's, and the portal's
with its background worker); the portal shows the card, the page and the API."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

from goldpath.cli import app
from goldpath.runtime import Runtime
from tests.support.waiting import wait_until
from tests.templates.conftest import BASE_PARAMETERS, CreatedService, create_service
from tests.web.conftest import make_client, sign_in_guest

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
    reason="git is not installed",
)

NAME = BASE_PARAMETERS["name"]
REF = f"component:default/{NAME}"
OWNER = BASE_PARAMETERS["owner"]
GREEN_ON_CREATE = {
    "has-owner",
    "has-ci",
    "ci-security-stage",
    "template-up-to-date",
    "dockerfile-non-root",
    "alerts-defined",
    "docs-present",
    "tests-present",
}


@pytest.fixture
def created(tmp_path: Path) -> CreatedService:
    """A fresh nodejs-service from a real Create on the local git host, cloned."""
    return create_service(BASE_PARAMETERS, tmp_path / NAME, home=tmp_path / "home")


def _git(clone: Path, *args: str) -> str:
    result = subprocess.run(
        ["git", "-C", str(clone), *args], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def _drop_user_line(created: CreatedService) -> str:
    """Remove the Dockerfile's USER line, commit and push to main; the new head."""
    dockerfile = created.path / "Dockerfile"
    lines = dockerfile.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if not line.startswith("USER ")]
    assert len(kept) == len(lines) - 1
    dockerfile.write_text("".join(kept), encoding="utf-8")
    _git(created.path, "-c", "user.name=Dev", "-c", "user.email=dev@example.com",
         "commit", "-qam", "run as whoever the base image says")  # fmt: skip
    _git(created.path, "push", "-q", "origin", "main")
    return _git(created.path, "rev-parse", "HEAD")


def _cli(home: Path, *args: str) -> Result:
    env = {
        "GOLDPATH_HOME": str(home),
        "GOLDPATH_CATALOG__REFRESH_ENABLED": "false",
        "GOLDPATH_SCAFFOLDER__WORKERS": "0",
    }
    return CliRunner().invoke(app, list(args), env=env)


def _checks(card: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["id"]: check for check in card["checks"]}


def _score_json(home: Path) -> dict[str, Any]:
    result = _cli(home, "score", NAME, "--json")
    assert result.exit_code == 0, result.output
    card: dict[str, Any] = json.loads(result.stdout)
    return card


def test_the_create_scores_the_new_service_from_its_repositories(
    created: CreatedService,
) -> None:
    runtime = Runtime(created.settings)
    runtime.prepare()
    try:
        card = runtime.scorecards.find(REF)
        assert card is not None, "catalog:register's refresh scored the component"
        passed = {check.id for check in card.checks if check.passed}
        assert passed >= GREEN_ON_CREATE
        assert card.owner == OWNER
        assert card.commit == _git(created.path, "rev-parse", "HEAD")
        assert card.score == card.passed / card.total
    finally:
        runtime.stop()


def test_removing_the_user_line_turns_dockerfile_non_root_red_after_a_refresh(
    created: CreatedService,
) -> None:
    home = created.settings.home
    first = _score_json(home)
    before = _checks(first)
    assert before["dockerfile-non-root"]["passed"] is True
    head = _drop_user_line(created)
    # stored, not recomputed: unchanged until the catalog reads the location again
    assert _checks(_score_json(home))["dockerfile-non-root"]["passed"] is True

    refreshed = _cli(home, "catalog", "refresh", REF)
    assert refreshed.exit_code == 0, refreshed.output

    after = _score_json(home)
    checks = _checks(after)
    assert checks["dockerfile-non-root"]["passed"] is False
    assert "sets no USER" in checks["dockerfile-non-root"]["message"]
    assert {k: v["passed"] for k, v in checks.items() if k != "dockerfile-non-root"} == {
        k: v["passed"] for k, v in before.items() if k != "dockerfile-non-root"
    }
    assert after["score"] < first["score"]
    runtime = Runtime(created.settings)
    runtime.prepare()
    try:
        history = runtime.scorecards.history(REF)
        assert len(history) == 2  # the Create's outcome, then the change; newest first
        assert history[0].commit == head and history[1].commit != head
        outcomes = [card.result("dockerfile-non-root") for card in history]
        assert [r.passed if r else None for r in outcomes] == [False, True]
    finally:
        runtime.stop()


def test_goldpath_score_prints_each_check_and_the_team_table(created: CreatedService) -> None:
    home = created.settings.home
    one = _cli(home, "score", REF)
    assert one.exit_code == 0, one.output
    assert "dockerfile-non-root" in one.stdout and "pass" in one.stdout
    everyone = _cli(home, "score", "--owner", "team-orders")
    assert everyone.exit_code == 0, everyone.output
    assert "team-orders" in everyone.stdout and NAME in everyone.stdout
    listed = json.loads(_cli(home, "score", "--json", "--owner", "team-nobody").stdout)
    assert listed == []


def test_goldpath_score_of_an_unknown_component_fails_in_one_line(created: CreatedService) -> None:
    result = _cli(created.settings.home, "score", "no-such-service")
    assert result.exit_code != 0
    assert "component:default/no-such-service" in result.output
    assert "Traceback" not in result.output


@pytest.fixture
def portal(created: CreatedService) -> Iterator[tuple[TestClient, Runtime]]:
    """The portal on the Create's home, started: scoring runs on its background worker."""
    yield from make_client(created.settings, seed=False)


def _api_card(client: TestClient) -> dict[str, Any]:
    (card,) = client.get("/api/goldpath/v1/scorecards", params={"owner": OWNER}).json()
    assert isinstance(card, dict)
    return card


def test_the_portal_scores_again_on_its_worker_after_a_catalog_refresh(
    created: CreatedService, portal: tuple[TestClient, Runtime]
) -> None:
    client, runtime = portal
    assert _checks(_api_card(client))["dockerfile-non-root"]["passed"] is True
    _drop_user_line(created)
    runtime.catalog.refresh(REF)  # what the refresh loop and the Refresh button run
    wait_until(
        lambda: not _checks(_api_card(client))["dockerfile-non-root"]["passed"],
        what="the worker to score the refreshed component",
    )


def test_the_api_lists_scorecards_in_the_documented_shape(
    portal: tuple[TestClient, Runtime],
) -> None:
    client, _runtime = portal
    body = client.get("/api/goldpath/v1/scorecards").json()
    (card,) = [c for c in body if c["entityRef"] == REF]
    assert set(card) == {"entityRef", "score", "checks"}
    assert all(set(check) == {"id", "passed", "message"} for check in card["checks"])
    assert client.get("/api/goldpath/v1/scorecards", params={"owner": "team-nobody"}).json() == []
    by_full_ref = client.get("/api/goldpath/v1/scorecards", params={"owner": OWNER}).json()
    by_name = client.get("/api/goldpath/v1/scorecards", params={"owner": "team-orders"}).json()
    assert by_full_ref == by_name == [card]


def test_the_api_rolls_up_per_team_and_keeps_history(portal: tuple[TestClient, Runtime]) -> None:
    client, _runtime = portal
    (team,) = client.get("/api/goldpath/v1/scorecards/teams").json()
    assert (team["owner"], team["components"]) == (OWNER, 1)
    detail = client.get(f"/api/goldpath/v1/scorecards/component/default/{NAME}").json()
    assert detail["owner"] == OWNER
    assert len(detail["history"]) == 1
    missing = client.get("/api/goldpath/v1/scorecards/component/default/nope")
    assert missing.status_code == 404


def test_the_component_page_shows_the_scorecard_card(
    created: CreatedService, portal: tuple[TestClient, Runtime]
) -> None:
    client, runtime = portal
    sign_in_guest(client)
    html = client.get(f"/catalog/default/component/{NAME}").text
    assert 'data-testid="scorecard-card"' in html
    assert 'data-check="dockerfile-non-root" data-passed="true"' in html
    _drop_user_line(created)
    runtime.scorecards.evaluate(REF)
    html = client.get(f"/catalog/default/component/{NAME}").text
    assert 'data-check="dockerfile-non-root" data-passed="false"' in html
    assert "sets no USER" in html


def test_the_scorecards_page_rolls_up_per_team(portal: tuple[TestClient, Runtime]) -> None:
    client, _runtime = portal
    sign_in_guest(client)
    page = client.get("/scorecards")
    assert page.status_code == 200
    assert f'<tr data-owner="{OWNER}">' in page.text
    assert f'<tr data-entity="{REF}">' in page.text
    assert 'href="/scorecards"' in page.text  # in the navigation
    other = client.get("/scorecards", params={"owner": "team-nobody"}).text
    assert "No scorecards yet" in other
