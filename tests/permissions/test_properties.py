"""Invariants of the policy, for generated organisations, resources and policy files.

The decision always equals a reference evaluation written here from the issue's words (not
from the implementation), and no policy file grants what the default policy denies unless
one of its own ``allow`` rules says so.
"""

from __future__ import annotations

import fnmatch
import itertools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.catalog import CatalogService, ReadingPolicy
from goldpath.db import Database
from goldpath.permissions import (
    PERMISSIONS,
    CatalogDirectory,
    MappingDirectory,
    Permission,
    Policy,
    Resource,
    Subject,
    parse_rules,
)
from tests.permissions.strategies import (
    GROUPS,
    USERS,
    Org,
    orgs,
    policy_rules,
    resources,
    trees,
)

# ---- the reference: the default rules, evaluated the plain way ----------------------

_OWNED = {
    "catalog.entity.refresh",
    "catalog.entity.delete",
    "scaffolder.task.read",
    "scaffolder.task.cancel",
    "promotion.create",
    "promotion.approve",
    "fleet.upgrade",
    "mergerequest.approve",
    "mergerequest.merge",
    "mergerequest.close",
    "local.run",
    "git.app.push",
    "techdocs.build",
    "token.create",
    "token.delete",
}


def reference_groups(org: Org, user: str) -> set[str]:
    """The user's groups and every ancestor: a fixed point, however cyclic the parents are."""
    found = set(org.members.get(user, ()))
    while True:
        more = found | {p for g in found for p in org.parents.get(g, ())}
        if more == found:
            return {org.group_ref(g) for g in found}
        found = more


def _canonical(ref: str, kind: str) -> str:
    text = ref.lower()
    if ":" not in text:
        text = f"{kind}:{text}"
    head, _, name = text.partition(":")
    return f"{head}:{name}" if "/" in name else f"{head}:default/{name}"


def _holds(when: Mapping[str, Any], user: str, refs: set[str], admin: bool, res: Any) -> bool:
    for key, value in when.items():
        owns = res is not None and bool(res.owners & refs)
        if key == "users" and user not in {_canonical(v, "user") for v in value}:
            return False
        if key == "groups" and not ({_canonical(v, "group") for v in value} & (refs - {user})):
            return False
        if key == "admin" and admin != value:
            return False
        if key == "owner" and owns != value:
            return False
        if key == "in_allowed_groups":
            allowed = res is None or res.allowed_groups is None or bool(res.allowed_groups & refs)
            if allowed != value:
                return False
        if key == "owners" and (
            res is None or not ({_canonical(v, "group") for v in value} & res.owners)
        ):
            return False
        if key == "kinds" and (res is None or res.kind not in value):
            return False
        if key == "tags" and (res is None or not (set(value) & res.tags)):
            return False
        if key == "resources" and (
            res is None or not any(fnmatch.fnmatchcase(res.ref, p.lower()) for p in value)
        ):
            return False
    return True


def _names(patterns: Any) -> set[str]:
    listed = [patterns] if isinstance(patterns, str) else list(patterns)
    return {p.name for p in PERMISSIONS for pat in listed if fnmatch.fnmatchcase(p.name, pat)}


def reference_defaults(development: bool) -> list[dict[str, Any]]:
    """The issue's default policy, as rules in the policy-file format."""
    rules: list[dict[str, Any]] = [
        {"name": "default:admins", "permission": "*", "decision": "allow", "when": {"admin": True}},
        {
            "name": "default:read-catalog",
            "permission": ["catalog.entity.read", "catalog.location.read"],
            "decision": "allow",
        },
        {
            "name": "default:use-templates",
            "permission": ["scaffolder.template.parameter.read", "scaffolder.task.create"],
            "decision": "allow",
            "when": {"in_allowed_groups": True},
        },
        {
            "name": "default:run-actions",
            "permission": "scaffolder.action.execute",
            "decision": "allow",
        },
        {
            "name": "default:owners",
            "permission": sorted(_OWNED),
            "decision": "allow",
            "when": {"owner": True},
        },
    ]
    if development:
        rules.append(
            {
                "name": "default:development-locations",
                "permission": ["catalog.location.create", "catalog.location.delete"],
                "decision": "allow",
            }
        )
    return [*rules, {"name": "default:deny", "permission": "*", "decision": "deny"}]


def reference_decision(
    org: Org,
    *,
    user: str,
    admin_groups: set[str],
    rules: list[dict[str, Any]],
    development: bool,
    permission: Permission,
    resource: Resource | None,
) -> tuple[bool, str]:
    """(allowed, rule) by reading the rules top to bottom; the first that applies decides."""
    refs = reference_groups(org, user.rsplit("/", 1)[1]) | {user}
    admin = bool(admin_groups & refs)
    named = [{**r, "name": f"policy:{r['name']}"} for r in rules]
    for rule in [*named, *reference_defaults(development)]:
        if permission.name in _names(rule["permission"]) and _holds(
            rule.get("when", {}), user, refs, admin, resource
        ):
            return rule["decision"] == "allow", rule["name"]
    return False, "none"


# ---- the system under test ------------------------------------------------------------------


def _policy(rules: list[dict[str, Any]], admin_groups: set[str], development: bool) -> Policy:
    defaults = Policy.default(development=development, admin_groups=frozenset(admin_groups))
    return Policy(
        (*parse_rules({"rules": rules}), *defaults.rules), admin_groups=frozenset(admin_groups)
    )


def _subject(org: Org, user: str) -> Subject:
    directory = MappingDirectory(
        {org.user_ref(u): [org.group_ref(g) for g in gs] for u, gs in org.members.items()},
        {org.group_ref(g): [org.group_ref(p) for p in ps] for g, ps in org.parents.items()},
    )
    return Subject(user_ref=user, groups=directory.groups_of(user))


@st.composite
def cases(draw: st.DrawFn, *, effects: tuple[str, ...] = ("allow", "deny")) -> dict[str, Any]:
    """An organisation, a user, a permission and resource, admin groups and a policy file."""
    org = draw(orgs())
    permission = draw(st.sampled_from(list(PERMISSIONS)))
    return {
        "org": org,
        "user": org.user_ref(draw(st.sampled_from(USERS))),
        "permission": permission,
        "resource": draw(resources(permission.resource_type)),
        "admin_groups": {
            org.group_ref(g) for g in draw(st.frozensets(st.sampled_from(GROUPS), max_size=2))
        },
        "rules": draw(policy_rules(effects=effects)),
        "development": draw(st.booleans()),
    }


@given(cases())
def test_the_decision_equals_the_reference_evaluation(case: dict[str, Any]) -> None:
    policy = _policy(case["rules"], case["admin_groups"], case["development"])
    decision = policy.decide(
        _subject(case["org"], case["user"]), case["permission"], case["resource"]
    )
    expected = reference_decision(
        case["org"],
        user=case["user"],
        admin_groups=case["admin_groups"],
        rules=case["rules"],
        development=case["development"],
        permission=case["permission"],
        resource=case["resource"],
    )
    assert (decision.allowed, decision.rule) == expected


def _with_and_without_the_file(case: dict[str, Any]) -> tuple[Subject, Policy, Policy]:
    """The case's subject, the default policy alone, and the policy with the case's file."""
    admins = frozenset(case["admin_groups"])
    default = Policy.default(development=case["development"], admin_groups=admins)
    with_file = _policy(case["rules"], case["admin_groups"], case["development"])
    return _subject(case["org"], case["user"]), default, with_file


@given(cases())
def test_nothing_the_default_denies_is_granted_but_by_an_explicit_allow_rule(
    case: dict[str, Any],
) -> None:
    subject, default, with_file = _with_and_without_the_file(case)
    before = default.decide(subject, case["permission"], case["resource"])
    after = with_file.decide(subject, case["permission"], case["resource"])
    if before.denied and after.allowed:
        (rule,) = [r for r in with_file.policy_rules if r.name == after.rule]
        assert rule.effect == "allow"
        assert rule.applies(
            case["permission"], subject, case["resource"], admin=default.is_admin(subject)
        )


@given(cases(effects=("deny",)))
def test_a_policy_of_deny_rules_only_never_allows_more_than_the_default(
    case: dict[str, Any],
) -> None:
    subject, default, with_file = _with_and_without_the_file(case)
    if with_file.decide(subject, case["permission"], case["resource"]).allowed:
        assert default.decide(subject, case["permission"], case["resource"]).allowed


@given(orgs(), st.sampled_from(USERS))
def test_a_users_groups_are_closed_under_parents(org: Org, user: str) -> None:
    assert set(_subject(org, org.user_ref(user)).groups) == reference_groups(org, user)


# ---- the catalog as the directory -----------------------------------------------------------

_namespaces = itertools.count()


@pytest.fixture(scope="module")
def catalog(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CatalogService]:
    """One real catalog for every example; each example lives in a namespace of its own."""
    root = tmp_path_factory.mktemp("org-catalog")
    database = Database(f"sqlite:///{root / 'catalog.db'}")
    database.migrate()
    # examples write their org files under the session's temporary folder
    policy = ReadingPolicy.build([tmp_path_factory.getbasetemp()])
    yield CatalogService(database, policy=policy)
    database.dispose()


def _entities(org: Org, namespace: str, declare_in_child: dict[str, bool]) -> list[Any]:
    """The org as Backstage entities: each parent edge written from either end."""
    children: dict[str, list[str]] = {g: [] for g in GROUPS}
    groups: list[dict[str, Any]] = []
    for g in GROUPS:
        spec: dict[str, Any] = {"type": "team", "children": children[g]}
        groups.append(
            {"kind": "Group", "metadata": {"name": g, "namespace": namespace}, "spec": spec}
        )
    by_name = {e["metadata"]["name"]: e for e in groups}
    for g, parents in org.parents.items():
        for p in parents:
            if declare_in_child[g]:
                by_name[g]["spec"]["parent"] = p
            else:
                by_name[p]["spec"]["children"].append(g)
    users = [
        {
            "kind": "User",
            "metadata": {"name": u, "namespace": namespace},
            "spec": {"memberOf": sorted(gs)},
        }
        for u, gs in org.members.items()
    ]
    return [{"apiVersion": "backstage.io/v1alpha1", **e} for e in [*groups, *users]]


@settings(max_examples=20)
@given(trees(), st.fixed_dictionaries({g: st.booleans() for g in GROUPS}))
def test_the_catalog_directory_walks_member_of_and_parents_like_the_reference(
    catalog: CatalogService, tmp_path_factory: pytest.TempPathFactory, org: Org, ends: Any
) -> None:
    namespace = f"org{next(_namespaces)}"
    path = Path(tmp_path_factory.mktemp(namespace)) / "org.yaml"
    path.write_text(yaml.safe_dump_all(_entities(org, namespace, ends)), encoding="utf-8")
    record, _ = catalog.add_location("file", str(path))
    assert record.errors == ()
    directory = CatalogDirectory(catalog)
    for user in USERS:
        found = directory.groups_of(f"user:{namespace}/{user}")
        want = {f"group:{namespace}/{g.rsplit('/', 1)[1]}" for g in reference_groups(org, user)}
        assert found == want
