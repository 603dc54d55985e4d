"""Issue 19's "done when", with API tokens of demo users in different teams.

A member of another team is refused deleting a component or cancelling a task it does not
own while its owner and a platform admin succeed; a platform-only template is neither run
nor listed by others; a denial shows up in the audit API with permission and rule; and
``goldpath config check`` refuses a policy file naming an unknown permission.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from goldpath.cli import app
from tests.permissions.conftest import ADA, GRACE, LINUS, MARGARET, Demo

API = "/api/catalog"
TASKS = "/api/scaffolder/v2/tasks"
AUDIT = "/api/goldpath/v1/audit"
PLATFORM_ONLY = "template:default/register-component"


def _uid(demo: Demo, name: str) -> str:
    entity = demo.client.get(f"{API}/entities/by-name/component/default/{name}").json()
    return str(entity["metadata"]["uid"])


def _refusal(response: Any, permission: str) -> dict[str, Any]:
    assert response.status_code == 403, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["name"] == "NotAllowedError"
    assert error["permission"] == permission
    return error


def _payments_task(demo: Demo, name: str) -> str:
    """A Create by grace for her team (nodejs-service), left open: no worker runs it."""
    values = {"name": name, "description": "Made by the e2e test", "owner": "payments-team"}
    created = demo.client.post(
        TASKS,
        json={"templateRef": "template:default/nodejs-service", "values": values},
        headers=demo.token(GRACE),
    )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


def test_a_member_of_another_team_cannot_delete_a_component_its_owner_can(demo: Demo) -> None:
    uid = _uid(demo, "payments-service")  # owned by payments-team
    refused = demo.client.delete(f"{API}/entities/by-uid/{uid}", headers=demo.token(MARGARET))
    error = _refusal(refused, "catalog.entity.delete")
    assert error["rule"] == "default:deny"
    assert error["resource"] == "component:default/payments-service"
    assert "group:default/payments-team" in error["message"]
    assert demo.client.get(f"{API}/entities/by-uid/{uid}").status_code == 200

    deleted = demo.client.delete(f"{API}/entities/by-uid/{uid}", headers=demo.token(GRACE))
    assert deleted.status_code == 204
    assert demo.client.get(f"{API}/entities/by-uid/{uid}").status_code == 404


def test_a_platform_admin_deletes_any_teams_component(demo: Demo) -> None:
    uid = _uid(demo, "orders-service")  # owned by payments-team; ada is platform-team
    deleted = demo.client.delete(f"{API}/entities/by-uid/{uid}", headers=demo.token(ADA))
    assert deleted.status_code == 204


def test_cancelling_a_task_is_refused_to_others_and_allowed_to_its_owners(demo: Demo) -> None:
    task_id = _payments_task(demo, "e2e-owned")
    refused = demo.client.post(f"{TASKS}/{task_id}/cancel", headers=demo.token(MARGARET))
    _refusal(refused, "scaffolder.task.cancel")
    assert demo.client.get(f"{TASKS}/{task_id}", headers=demo.token(GRACE)).json()["status"] == (
        "open"
    )
    # linus did not create it, but is in payments-team, which owns what it creates.
    cancelled = demo.client.post(f"{TASKS}/{task_id}/cancel", headers=demo.token(LINUS))
    assert cancelled.status_code == 200
    assert cancelled.json() == {"status": "cancelled"}


def test_a_platform_admin_cancels_any_task(demo: Demo) -> None:
    task_id = _payments_task(demo, "e2e-admin")
    cancelled = demo.client.post(f"{TASKS}/{task_id}/cancel", headers=demo.token(ADA))
    assert cancelled.status_code == 200


def test_only_owners_read_a_tasks_parameters(demo: Demo) -> None:
    task_id = _payments_task(demo, "e2e-secretive")
    _refusal(
        demo.client.get(f"{TASKS}/{task_id}", headers=demo.token(MARGARET)), "scaffolder.task.read"
    )
    _refusal(
        demo.client.get(f"{TASKS}/{task_id}/events", headers=demo.token(MARGARET)),
        "scaffolder.task.read",
    )
    listed = demo.client.get(TASKS, headers=demo.token(MARGARET)).json()["tasks"]
    (seen,) = [t for t in listed if t["id"] == task_id]
    assert "parameters" not in seen["spec"] and seen["createdBy"] == GRACE
    mine = demo.client.get(TASKS, headers=demo.token(GRACE)).json()["tasks"]
    (own,) = [t for t in mine if t["id"] == task_id]
    assert own["spec"]["parameters"]["name"] == "e2e-secretive"


def test_a_platform_only_template_is_not_listed_for_others(demo: Demo) -> None:
    def listed(user: str) -> set[str]:
        answer = demo.client.get("/api/scaffolder/v2/templates", headers=demo.token(user))
        assert answer.status_code == 200
        return {f"template:default/{t['metadata']['name']}" for t in answer.json()["items"]}

    assert PLATFORM_ONLY not in listed(GRACE)
    assert "template:default/nodejs-service" in listed(GRACE)
    assert PLATFORM_ONLY in listed(ADA)


def test_a_platform_only_template_cannot_be_run_by_others(demo: Demo) -> None:
    body = {"templateRef": PLATFORM_ONLY, "values": {"catalogInfoUrl": "https://x.test/c.yaml"}}
    refused = demo.client.post(TASKS, json=body, headers=demo.token(GRACE))
    error = _refusal(refused, "scaffolder.task.create")
    assert "group:default/platform-team" in error["message"]
    schema = demo.client.get(
        "/api/scaffolder/v2/templates/default/template/register-component/parameter-schema",
        headers=demo.token(GRACE),
    )
    _refusal(schema, "scaffolder.template.parameter.read")
    assert demo.client.get(TASKS, headers=demo.token(ADA)).json()["totalTasks"] == 0
    allowed = demo.client.post(TASKS, json=body, headers=demo.token(ADA))
    assert allowed.status_code == 201, allowed.text


def test_a_denial_appears_in_the_audit_api_with_permission_and_rule(demo: Demo) -> None:
    uid = _uid(demo, "web-storefront")  # storefront-team's; grace is not in it
    demo.client.delete(f"{API}/entities/by-uid/{uid}", headers=demo.token(GRACE))
    answer = demo.client.get(
        AUDIT, params={"actor": GRACE, "decision": "deny"}, headers=demo.token(ADA)
    )
    assert answer.status_code == 200
    (entry,) = answer.json()["items"]
    assert entry["permission"] == "catalog.entity.delete"
    assert entry["rule"] == "default:deny"
    assert entry["resource"] == "component:default/web-storefront"
    assert entry["actor"] == GRACE and entry["decision"] == "deny"


def test_the_audit_api_is_for_platform_admins_only(demo: Demo) -> None:
    _refusal(demo.client.get(AUDIT, headers=demo.token(GRACE)), "audit.read")


def test_config_check_refuses_a_policy_with_an_unknown_permission(
    cli_env: Path, tmp_path: Path
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n  - permission: catalog.entity.remove\n    decision: allow\n", encoding="utf-8"
    )
    result = CliRunner().invoke(
        app, ["config", "check"], env={"GOLDPATH_PERMISSION__POLICY": str(policy)}
    )
    assert result.exit_code == 1
    assert "permission.policy" in result.output
    assert "rules[0].permission" in result.output
    assert "'catalog.entity.remove' is not a permission" in result.output
