"""The CLI: ``permissions explain|list|audit``, ``--as`` for acting as a user, the operator."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

from typer.testing import CliRunner

from goldpath.cli import app
from tests.permissions.conftest import ADA, GRACE, MARGARET, Demo

runner = CliRunner()
PAYMENTS = "component:default/payments-service"


def _explain(*args: str) -> dict[str, object]:
    result = runner.invoke(app, ["permissions", "explain", *args, "--json"])
    assert result.exit_code == 0, result.output
    decision: dict[str, object] = json.loads(result.output)
    return decision


def test_explain_prints_a_denial_and_the_rule_that_made_it(demo: Demo) -> None:
    result = runner.invoke(
        app,
        ["permissions", "explain", "-u", "margaret", "-p", "catalog.entity.delete", "-r", PAYMENTS],
    )
    assert result.exit_code == 0, result.output
    assert (
        "user:default/margaret" in result.output
        and "group:default/storefront-team" in result.output
    )
    assert f"catalog.entity.delete on {PAYMENTS}: DENY" in result.output
    assert "rule: default:deny" in result.output
    assert "owned by group:default/payments-team" in result.output


def test_explain_names_the_rule_that_allows(demo: Demo) -> None:
    owner = _explain("-u", GRACE, "-p", "catalog.entity.delete", "-r", PAYMENTS)
    assert (owner["decision"], owner["rule"]) == ("allow", "default:owners")
    admin = _explain("-u", ADA, "-p", "catalog.entity.delete", "-r", PAYMENTS)
    assert (admin["decision"], admin["rule"], admin["admin"]) == ("allow", "default:admins", True)


def test_explain_reads_tasks_templates_locations_and_users(demo: Demo) -> None:
    template = _explain("-u", GRACE, "-p", "scaffolder.task.create", "-r", "register-component")
    assert template["decision"] == "deny"
    assert template["resource"] == "template:default/register-component"
    token = _explain("-u", GRACE, "-p", "token.create", "-r", "grace")
    assert token["decision"] == "allow"
    location = _explain("-u", GRACE, "-p", "catalog.location.create", "-r", "url:https://x.test")
    assert location["rule"] == "default:development-locations"


def test_explain_refuses_an_unknown_permission_and_a_needless_resource(demo: Demo) -> None:
    unknown = runner.invoke(
        app, ["permissions", "explain", "-u", "grace", "-p", "catalog.entity.nuke"]
    )
    assert unknown.exit_code == 2
    assert "'catalog.entity.nuke' is not a permission" in unknown.output
    needless = runner.invoke(
        app, ["permissions", "explain", "-u", "grace", "-p", "audit.read", "-r", "x"]
    )
    assert needless.exit_code == 2 and "takes no --resource" in needless.output


def test_acting_as_a_user_the_policy_refuses_and_the_audit_records_it(demo: Demo) -> None:
    result = runner.invoke(app, ["--as", MARGARET, "catalog", "refresh", PAYMENTS])
    assert result.exit_code == 5
    assert "may not catalog.entity.refresh" in result.output
    audit = runner.invoke(app, ["permissions", "audit", "--denied", "--json"])
    (entry,) = json.loads(audit.output)["items"]
    assert (entry["actor"], entry["permission"], entry["resource"]) == (
        MARGARET,
        "catalog.entity.refresh",
        PAYMENTS,
    )


def test_acting_as_a_user_cannot_create_from_a_platform_only_template(demo: Demo) -> None:
    result = runner.invoke(
        app,
        ["--as", GRACE, "create", "register-component", "--set", "catalogInfoUrl=https://x.test/c"],
    )
    assert result.exit_code == 5
    assert "scaffolder.task.create" in result.output and "platform-team" in result.output


def test_acting_as_an_unknown_user_is_refused(demo: Demo) -> None:
    result = runner.invoke(app, ["--as", "nobody", "catalog", "list"])
    assert result.exit_code == 3 and "user:default/nobody" in result.output


def test_the_operator_is_recorded_for_what_it_changes(demo: Demo) -> None:
    assert runner.invoke(app, ["catalog", "refresh", PAYMENTS]).exit_code == 0
    page = json.loads(
        runner.invoke(app, ["permissions", "audit", "-p", "catalog.*", "--json"]).output
    )
    (entry,) = page["items"]
    assert entry["actor"] == f"operator:{getpass.getuser()}".lower()
    assert (entry["rule"], entry["decision"]) == ("operator", "allow")


def test_permissions_list_names_every_permission() -> None:
    result = runner.invoke(app, ["permissions", "list", "--json"])
    names = {row["name"] for row in json.loads(result.output)}
    assert {"catalog.entity.delete", "promotion.approve", "audit.read"} <= names


def test_config_check_accepts_a_valid_policy_file(cli_env: Path, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "rules:\n  - permission: catalog.entity.*\n    decision: allow\n"
        "    when: {groups: [sre], tags: [internal]}\n",
        encoding="utf-8",
    )
    result = runner.invoke(
        app, ["config", "check"], env={"GOLDPATH_PERMISSION__POLICY": str(policy)}
    )
    assert result.exit_code == 0, result.output
