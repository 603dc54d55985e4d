"""The permission registry: Backstage's names, goldpath's own, unknown names refused."""

from __future__ import annotations

import pytest

from goldpath.permissions import PERMISSIONS, Permission, PermissionRegistry, UnknownPermissionError

BACKSTAGE_NAMES = {
    "catalog.entity.read",
    "catalog.entity.refresh",
    "catalog.entity.delete",
    "catalog.location.read",
    "catalog.location.create",
    "catalog.location.delete",
    "scaffolder.template.parameter.read",
    "scaffolder.task.read",
    "scaffolder.task.cancel",
    "scaffolder.task.create",
    "scaffolder.action.execute",
}
# What the other open issues need (promotion, fleet, local run, git push, techdocs, audit).
GOLDPATH_NAMES = {
    "promotion.create",
    "promotion.approve",
    "fleet.upgrade",
    "mergerequest.approve",
    "mergerequest.merge",
    "mergerequest.close",
    "local.run",
    "git.app.push",
    "git.gitops.push",
    "techdocs.build",
    "token.create",
    "token.delete",
    "audit.read",
    "platform.operate",
}


def test_backstage_names_and_goldpaths_own_are_registered() -> None:
    assert {p.name for p in PERMISSIONS} == BACKSTAGE_NAMES | GOLDPATH_NAMES


def test_an_unknown_name_is_refused_with_its_siblings_as_a_hint() -> None:
    with pytest.raises(UnknownPermissionError) as caught:
        PERMISSIONS.get("catalog.entity.remove", field="rules[0].permission")
    (error,) = caught.value.errors
    assert error.field == "rules[0].permission"
    assert "catalog.entity.delete" in error.message and "catalog.entity.read" in error.message


def test_a_wildcard_names_every_permission_it_matches() -> None:
    names = {p.name for p in PERMISSIONS.matching("catalog.location.*")}
    assert names == {"catalog.location.read", "catalog.location.create", "catalog.location.delete"}
    assert {p.name for p in PERMISSIONS.matching("*.read")} >= {
        "audit.read",
        "scaffolder.task.read",
    }


def test_a_wildcard_that_matches_nothing_is_refused() -> None:
    with pytest.raises(UnknownPermissionError, match="matches no permission"):
        PERMISSIONS.matching("billing.*")


def test_a_pattern_with_other_characters_is_refused() -> None:
    with pytest.raises(UnknownPermissionError, match="must be lowercase"):
        PERMISSIONS.matching("Catalog.Entity.Read")


def test_registering_a_name_twice_is_refused() -> None:
    twice = Permission("a.b", "read", None, "read a", "everyone")
    with pytest.raises(ValueError, match="registered twice"):
        PermissionRegistry((twice, twice))


def test_only_reads_go_unrecorded_when_allowed() -> None:
    unrecorded = {p.name for p in PERMISSIONS if not p.changes_something}
    assert unrecorded == {
        "catalog.entity.read",
        "catalog.location.read",
        "scaffolder.template.parameter.read",
        "scaffolder.task.read",
        "audit.read",
    }
