"""Details of the API's doors: dry runs, rules on actions, malformed bodies."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from goldpath.config import Settings
from goldpath.runtime import Runtime
from tests.web.conftest import make_client

DRY_RUN = "/api/scaffolder/v2/dry-run"


def _template(*actions: str) -> dict[str, Any]:
    return {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "inline"},
        "spec": {
            "parameters": [],
            "steps": [
                {"id": f"s{i}", "action": a, "input": {"message": "hi"}}
                for i, a in enumerate(actions)
            ],
        },
    }


@pytest.fixture
def portal(settings: Settings, tmp_path: Path) -> Iterator[tuple[TestClient, Runtime]]:
    """A demo portal whose policy keeps the guest's team from running debug:* actions."""
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n"
        "  - name: no-debugging\n"
        "    permission: scaffolder.action.execute\n"
        "    decision: deny\n"
        "    when: {resources: ['debug:*'], groups: [storefront-team]}\n"
        "    reason: the storefront team runs no debug actions\n",
        encoding="utf-8",
    )
    permission = settings.permission.model_copy(update={"policy": policy})
    yield from make_client(settings.model_copy(update={"permission": permission}), seed=True)


def test_an_allowed_dry_run_changes_nothing_and_records_nothing(
    portal: tuple[TestClient, Runtime],
) -> None:
    client, runtime = portal
    answer = client.post(DRY_RUN, json={"template": _template("fs:delete"), "values": {}})
    assert answer.status_code == 200, answer.text
    assert runtime.permissions.audit.query().total == 0


def test_a_rule_on_an_action_refuses_a_dry_run_and_the_refusal_is_recorded(
    portal: tuple[TestClient, Runtime],
) -> None:
    client, runtime = portal
    answer = client.post(DRY_RUN, json={"template": _template("debug:log"), "values": {}})
    assert answer.status_code == 403
    error = answer.json()["error"]
    assert (error["permission"], error["rule"], error["resource"]) == (
        "scaffolder.action.execute",
        "policy:no-debugging",
        "debug:log",
    )
    assert "the storefront team runs no debug actions" in error["message"]
    (entry,) = runtime.permissions.audit.query().items
    assert (entry.actor, entry.decision) == ("user:default/guest", "deny")


def test_a_task_body_without_a_template_ref_is_a_400(portal: tuple[TestClient, Runtime]) -> None:
    client, _ = portal
    answer = client.post("/api/scaffolder/v2/tasks", json={"values": {}})
    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0]["field"] == "templateRef"


def test_a_refresh_body_with_a_non_string_entity_ref_is_a_400(
    portal: tuple[TestClient, Runtime],
) -> None:
    client, _ = portal
    answer = client.post("/api/catalog/refresh", json={"entityRef": 7})
    assert answer.status_code == 400
