"""The default policy's rules, one per test, and the policy file: format, errors, precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.config import load_settings
from goldpath.permissions import (
    PERMISSIONS,
    Policy,
    PolicyError,
    Resource,
    Subject,
    load_policy,
    parse_rules,
    permission_problems,
    read_policy_file,
)

ADMINS = frozenset({"group:default/platform"})
DEV = Policy.default(development=True, admin_groups=ADMINS)
PROD = Policy.default(development=False, admin_groups=ADMINS)

ALICE = Subject("user:default/alice", frozenset({"group:default/team-a", "group:default/eng"}))
BOB = Subject("user:default/bob", frozenset({"group:default/team-b", "group:default/eng"}))
ADMIN = Subject("user:default/root", frozenset({"group:default/platform"}))


def _entity(owner: str = "group:default/team-a", tags: frozenset[str] = frozenset()) -> Resource:
    return Resource(
        type="catalog-entity",
        ref="component:default/svc",
        kind="component",
        owners=frozenset({owner}),
        tags=tags,
    )


def _allowed(policy: Policy, subject: Subject, name: str, resource: Resource | None) -> bool:
    return policy.decide(subject, PERMISSIONS.get(name), resource).allowed


def test_everyone_signed_in_reads_the_catalog() -> None:
    assert _allowed(PROD, BOB, "catalog.entity.read", _entity())
    assert _allowed(PROD, BOB, "catalog.location.read", None)


def test_owners_refresh_and_delete_their_entities_others_do_not() -> None:
    for name in ("catalog.entity.refresh", "catalog.entity.delete"):
        assert _allowed(PROD, ALICE, name, _entity())
        assert not _allowed(PROD, BOB, name, _entity())


def test_members_of_a_child_group_own_what_its_parent_group_owns() -> None:
    # alice's groups include eng, the parent of team-a: what eng owns, alice owns.
    assert _allowed(PROD, ALICE, "catalog.entity.delete", _entity("group:default/eng"))


def test_a_user_owner_is_that_user() -> None:
    assert _allowed(PROD, ALICE, "catalog.entity.delete", _entity("user:default/alice"))
    assert not _allowed(PROD, BOB, "catalog.entity.delete", _entity("user:default/alice"))


def test_platform_admins_may_do_everything() -> None:
    assert all(_allowed(PROD, ADMIN, p.name, _entity("group:default/other")) for p in PERMISSIONS)


def test_locations_are_admin_only_in_production_and_open_in_development() -> None:
    location = Resource(type="catalog-location", ref="url:https://x.test/c.yaml")
    for name in ("catalog.location.create", "catalog.location.delete"):
        assert not _allowed(PROD, ALICE, name, location)
        assert _allowed(DEV, ALICE, name, location)


def test_a_restricted_template_is_for_its_groups_and_admins() -> None:
    template = Resource(
        type="scaffolder-template",
        ref="template:default/t",
        kind="template",
        allowed_groups=frozenset({"group:default/team-a"}),
    )
    for name in ("scaffolder.template.parameter.read", "scaffolder.task.create"):
        assert _allowed(PROD, ALICE, name, template)
        assert not _allowed(PROD, BOB, name, template)
        assert _allowed(PROD, ADMIN, name, template)


def test_a_task_is_read_and_cancelled_by_its_creator_the_owners_of_what_it_creates_and_admins() -> (
    None
):
    task = Resource(
        type="scaffolder-task",
        ref="t1",
        owners=frozenset({"user:default/carol", "group:default/team-a"}),
    )
    carol = Subject("user:default/carol")
    for name in ("scaffolder.task.read", "scaffolder.task.cancel"):
        assert _allowed(PROD, carol, name, task)
        assert _allowed(PROD, ALICE, name, task)
        assert _allowed(PROD, ADMIN, name, task)
        assert not _allowed(PROD, BOB, name, task)


def test_the_audit_log_is_for_admins() -> None:
    assert not _allowed(DEV, ALICE, "audit.read", None)
    assert _allowed(DEV, ADMIN, "audit.read", None)


def test_a_denial_names_who_may_and_the_owner() -> None:
    decision = PROD.decide(BOB, PERMISSIONS.get("catalog.entity.delete"), _entity())
    assert decision.rule == "default:deny"
    assert decision.reason == (
        "only its owners and platform admins may delete this entity (owned by group:default/team-a)"
    )
    assert decision.sentence.endswith("(catalog.entity.delete).")


def test_the_operator_is_bound_by_no_rule() -> None:
    decision = PROD.decide(Subject("operator:ops", operator=True), PERMISSIONS.get("audit.read"))
    assert decision.allowed and decision.rule == "operator"


# ---- the policy file ---------------------------------------------------------------------

EXAMPLE = """\
rules:
  - name: freeze-production
    permission: catalog.entity.delete
    decision: deny
    when: {tags: [production]}
    reason: production entities go through a change request
  - name: sre-refreshes-everything
    permission: "catalog.entity.*"
    decision: allow
    when: {groups: [sre]}
"""


def _with(rules_yaml: str, tmp_path: Path, **settings: object) -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(rules_yaml, encoding="utf-8")
    return load_policy(load_settings(home=tmp_path, permission={"policy": str(path), **settings}))


def test_policy_rules_come_before_the_defaults_and_first_match_wins(tmp_path: Path) -> None:
    policy = _with(EXAMPLE, tmp_path, admin_groups=["platform"])
    frozen = _entity(tags=frozenset({"production"}))
    decision = policy.decide(ADMIN, PERMISSIONS.get("catalog.entity.delete"), frozen)
    assert (decision.allowed, decision.rule) == (False, "policy:freeze-production")
    assert decision.reason == "production entities go through a change request"
    sre = Subject("user:default/sam", frozenset({"group:default/sre"}))
    decision = policy.decide(sre, PERMISSIONS.get("catalog.entity.refresh"), _entity())
    assert (decision.allowed, decision.rule) == (True, "policy:sre-refreshes-everything")


def test_a_rule_without_conditions_applies_to_everyone(tmp_path: Path) -> None:
    policy = _with("rules:\n  - {permission: audit.read, decision: allow}\n", tmp_path)
    assert policy.decide(BOB, PERMISSIONS.get("audit.read")).rule == "policy:rule 1"


def test_every_problem_of_a_policy_is_listed_at_once() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_rules(
            {
                "rules": [
                    {"permission": "catalog.entity.remove", "decision": "allow"},
                    {"permission": "catalog.*", "decision": "maybe", "when": {"colour": "red"}},
                    {"decision": "deny", "when": {"groups": ["group:default/"], "owner": "yes"}},
                    {"name": "x", "permission": "audit.read", "decision": "deny", "then": 1},
                ],
                "version": 2,
            }
        )
    fields = {(e.field, e.rule) for e in caught.value.errors}
    assert fields == {
        ("version", "known"),
        ("rules[0].permission", "known"),
        ("rules[1].decision", "enum"),
        ("rules[1].when.colour", "known"),
        ("rules[2].permission", "required"),
        ("rules[2].when.groups[0].name", "required"),
        ("rules[2].when.owner", "type"),
        ("rules[3].then", "known"),
    }


def test_two_rules_with_one_name_are_refused() -> None:
    rule = {"name": "same", "permission": "audit.read", "decision": "allow"}
    with pytest.raises(PolicyError) as caught:
        parse_rules({"rules": [rule, rule]})
    assert [(e.field, e.rule) for e in caught.value.errors] == [("rules[1].name", "unique")]


def test_an_empty_policy_file_keeps_the_defaults(tmp_path: Path) -> None:
    assert _with("", tmp_path).policy_rules == ()


def test_a_missing_or_broken_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        read_policy_file(tmp_path / "nope.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="not valid YAML"):
        read_policy_file(broken)


def test_admin_groups_must_be_groups(tmp_path: Path) -> None:
    settings = load_settings(
        home=tmp_path, permission={"admin_groups": ["user:default/ada", "group:default/"]}
    )
    problems = [p.message for p in permission_problems(settings)]
    assert problems == [
        "permission.admin_groups[0]: 'user:default/ada' must name a Group",
        "permission.admin_groups[1].name: name must not be empty",
    ]
    with pytest.raises(PolicyError):
        load_policy(settings)


def test_production_needs_an_admin_group(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, env="production", permission={"admin_groups": []})
    assert [p.key for p in permission_problems(settings)] == ["permission.admin_groups"]


def test_the_portal_refuses_to_start_with_a_bad_policy_file(tmp_path: Path) -> None:
    from goldpath.runtime import Runtime

    path = tmp_path / "policy.yaml"
    path.write_text("rules:\n  - {permission: catalog.entity.nuke, decision: allow}\n")
    runtime = Runtime(
        load_settings(
            home=tmp_path / "home",
            catalog={"refresh_enabled": False},
            scaffolder={"workers": 0},
            permission={"policy": str(path)},
        )
    )
    with pytest.raises(PolicyError, match="policy file"):
        runtime.start()
    runtime.stop()
