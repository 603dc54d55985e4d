"""The catalog as the directory, on SQLite and PostgreSQL: members, parents, children, cycles."""

from __future__ import annotations

from pathlib import Path

import yaml

from goldpath.catalog import CatalogService, ReadingPolicy
from goldpath.db import Database
from goldpath.permissions import CatalogDirectory

ORG = [
    {"kind": "Group", "metadata": {"name": "org"}, "spec": {"type": "org", "children": ["dept"]}},
    {"kind": "Group", "metadata": {"name": "dept"}, "spec": {"type": "dept", "children": []}},
    {
        "kind": "Group",
        "metadata": {"name": "team"},
        "spec": {"type": "team", "parent": "dept", "children": [], "members": ["bea"]},
    },
    # a loop in the data: two groups each the parent of the other
    {
        "kind": "Group",
        "metadata": {"name": "loop-a"},
        "spec": {"type": "x", "parent": "loop-b", "children": []},
    },
    {
        "kind": "Group",
        "metadata": {"name": "loop-b"},
        "spec": {"type": "x", "parent": "loop-a", "children": []},
    },
    {"kind": "User", "metadata": {"name": "al"}, "spec": {"memberOf": ["team", "loop-a"]}},
    {"kind": "User", "metadata": {"name": "bea"}, "spec": {"memberOf": []}},
]


def _directory(database: Database, tmp_path: Path) -> CatalogDirectory:
    path = tmp_path / "org.yaml"
    documents = [{"apiVersion": "backstage.io/v1alpha1", **e} for e in ORG]
    path.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    catalog = CatalogService(database, policy=ReadingPolicy.build([tmp_path]))
    record, _ = catalog.add_location("file", str(path))
    assert record.errors == ()
    return CatalogDirectory(catalog)


def test_groups_come_from_member_of_and_members_and_climb_parents_and_children(
    any_database: Database, tmp_path: Path
) -> None:
    directory = _directory(any_database, tmp_path)
    assert directory.groups_of("user:default/bea") == {
        "group:default/team",  # from the group's spec.members
        "group:default/dept",  # the team's spec.parent
        "group:default/org",  # dept is in org's spec.children
    }


def test_a_loop_of_parents_ends(any_database: Database, tmp_path: Path) -> None:
    directory = _directory(any_database, tmp_path)
    assert directory.groups_of("user:default/al") == {
        "group:default/team",
        "group:default/dept",
        "group:default/org",
        "group:default/loop-a",
        "group:default/loop-b",
    }


def test_a_user_the_catalog_does_not_know_has_no_groups(
    any_database: Database, tmp_path: Path
) -> None:
    assert _directory(any_database, tmp_path).groups_of("user:default/nobody") == frozenset()
