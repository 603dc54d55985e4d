"""The caller's groups are kept between requests and dropped when the catalog changes."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event

from goldpath.catalog import CatalogService, ReadingPolicy
from goldpath.db import Database
from goldpath.permissions import CatalogDirectory, PermissionService
from tests.permissions.conftest import GRACE, Demo

V1 = "backstage.io/v1alpha1"
GROUPS = ("red", "green", "blue")
USERS = ("ann", "bob")
_namespaces = itertools.count()


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _org(namespace: str, members: dict[str, list[str]]) -> list[dict[str, Any]]:
    groups = [
        {
            "apiVersion": V1,
            "kind": "Group",
            "metadata": {"name": g, "namespace": namespace},
            # green is red's child: a member of green is in red too
            "spec": {"type": "team", "children": [], **({"parent": "red"} if g == "green" else {})},
        }
        for g in GROUPS
    ]
    users = [
        {
            "apiVersion": V1,
            "kind": "User",
            "metadata": {"name": u, "namespace": namespace},
            "spec": {"memberOf": members.get(u, [])},
        }
        for u in USERS
    ]
    return [*groups, *users]


def _write(path: Path, namespace: str, members: dict[str, list[str]]) -> Path:
    path.write_text(yaml.safe_dump_all(_org(namespace, members)), encoding="utf-8")
    return path


def _catalog(database: Database, root: Path) -> CatalogService:
    return CatalogService(database, policy=ReadingPolicy.build([root]))


class _Reads:
    """Counts the statements the catalog sends while the block runs."""

    def __init__(self, database: Database) -> None:
        self.engine = database.engine
        self.count = 0

    def _seen(self, *_: Any) -> None:
        self.count += 1

    def __enter__(self) -> _Reads:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


def test_a_users_groups_are_read_once_while_the_catalog_is_unchanged(
    any_database: Database, tmp_path: Path
) -> None:
    catalog = _catalog(any_database, tmp_path)
    catalog.add_location("file", str(_write(tmp_path / "org.yaml", "default", {"ann": ["green"]})))
    directory = CatalogDirectory(catalog)
    assert directory.known_groups_of("user:default/ann") is None
    with _Reads(any_database) as reads:
        for _ in range(3):
            assert directory.groups_of("user:default/ann") == {
                "group:default/green",
                "group:default/red",
            }
    assert reads.count == 1
    assert directory.known_groups_of("user:default/ann") == {
        "group:default/green",
        "group:default/red",
    }


def test_a_membership_change_ingested_here_takes_effect_at_the_next_lookup(
    any_database: Database, tmp_path: Path
) -> None:
    catalog = _catalog(any_database, tmp_path)
    org = _write(tmp_path / "org.yaml", "default", {"ann": ["green"]})
    record, _ = catalog.add_location("file", str(org))
    directory = CatalogDirectory(catalog, clock=Clock())  # the clock never moves
    assert directory.groups_of("user:default/ann") == {"group:default/green", "group:default/red"}
    _write(org, "default", {"ann": ["blue"]})
    catalog.refresh_location(record.id)
    assert directory.known_groups_of("user:default/ann") is None
    assert directory.groups_of("user:default/ann") == {"group:default/blue"}


def test_deleting_the_user_or_their_location_takes_effect_at_the_next_lookup(
    any_database: Database, tmp_path: Path
) -> None:
    catalog = _catalog(any_database, tmp_path)
    org = _write(tmp_path / "org.yaml", "default", {"ann": ["blue"], "bob": ["red"]})
    record, _ = catalog.add_location("file", str(org))
    directory = CatalogDirectory(catalog, clock=Clock())
    assert directory.groups_of("user:default/ann") == {"group:default/blue"}
    assert directory.groups_of("user:default/bob") == {"group:default/red"}
    catalog.delete_by_uid(catalog.get_entity("user:default/ann")["metadata"]["uid"])
    assert directory.groups_of("user:default/ann") == frozenset()
    catalog.remove_location(record.id)
    assert directory.groups_of("user:default/bob") == frozenset()


def test_another_replicas_change_is_seen_once_the_answer_is_max_age_old(
    any_database: Database, tmp_path: Path
) -> None:
    here, there = _catalog(any_database, tmp_path), _catalog(any_database, tmp_path)
    org = _write(tmp_path / "org.yaml", "default", {"ann": ["blue"]})
    record, _ = there.add_location("file", str(org))
    clock = Clock()
    directory = CatalogDirectory(here, max_age_seconds=5.0, clock=clock)
    assert directory.groups_of("user:default/ann") == {"group:default/blue"}
    _write(org, "default", {"ann": []})
    there.refresh_location(record.id)  # another process: this one hears nothing of it
    clock.now += 4.9
    assert directory.groups_of("user:default/ann") == {"group:default/blue"}
    clock.now += 0.1
    assert directory.groups_of("user:default/ann") == frozenset()


def test_the_kept_answers_are_bounded_and_stay_right(database: Database, tmp_path: Path) -> None:
    catalog = _catalog(database, tmp_path)
    members = {"ann": ["blue"], "bob": ["red"]}
    catalog.add_location("file", str(_write(tmp_path / "org.yaml", "default", members)))
    directory = CatalogDirectory(catalog, max_users=1, clock=Clock())
    for _ in range(2):
        assert directory.groups_of("user:default/ann") == {"group:default/blue"}
        assert directory.groups_of("user:default/bob") == {"group:default/red"}
    assert directory.known_groups_of("user:default/ann") is None  # pushed out by bob
    assert directory.known_groups_of("user:default/bob") == {"group:default/red"}


# each example registers its own namespace and location: the shared database is harmless
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(
        st.fixed_dictionaries(
            {u: st.lists(st.sampled_from(GROUPS), max_size=2, unique=True) for u in USERS}
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_kept_groups_always_equal_a_fresh_read(
    database: Database, tmp_path_factory: pytest.TempPathFactory, states: list[Any]
) -> None:
    # Invariant: whatever sequence of membership changes is ingested, the directory (its
    # clock never moving, so only invalidation can make it re-read) answers what a fresh
    # read of the catalog answers.
    namespace = f"org{next(_namespaces)}"
    root = Path(tmp_path_factory.mktemp(namespace))
    catalog = _catalog(database, root)
    org = _write(root / "org.yaml", namespace, states[0])
    record, _ = catalog.add_location("file", str(org))
    directory = CatalogDirectory(catalog, clock=Clock())
    for members in states:
        _write(org, namespace, members)
        catalog.refresh_location(record.id)
        for _ in range(2):
            for user in USERS:
                ref = f"user:{namespace}/{user}"
                assert directory.groups_of(ref) == catalog.reachable(ref, "memberOf", "childOf")


def test_the_service_knows_a_subject_only_once_its_groups_are_at_hand(demo: Demo) -> None:
    service: PermissionService = demo.runtime.permissions
    assert service.known_subject(GRACE) is None
    subject = service.subject(GRACE)
    assert "group:default/payments-team" in subject.groups
    assert service.known_subject(GRACE) == subject


def test_a_membership_change_takes_effect_at_the_callers_next_request(
    demo: Demo, tmp_path: Path
) -> None:
    # platform-team members are platform admins (permission.admin_groups); grace is not
    headers = demo.token(GRACE)
    assert demo.client.get("/api/goldpath/v1/audit", headers=headers).status_code == 403
    helpers = tmp_path / "helpers.yaml"
    helpers.write_text(
        yaml.safe_dump(
            {
                "apiVersion": V1,
                "kind": "Group",
                "metadata": {"name": "platform-helpers"},
                "spec": {
                    "type": "team",
                    "parent": "platform-team",
                    "children": [],
                    "members": ["grace"],
                },
            }
        ),
        encoding="utf-8",
    )
    added = demo.client.post(
        "/api/catalog/locations", json={"type": "file", "target": str(helpers)}, headers=headers
    )
    assert added.status_code == 201, added.text
    assert demo.client.get("/api/goldpath/v1/audit", headers=headers).status_code == 200
    location_id = added.json()["location"]["id"]
    removed = demo.client.delete(f"/api/catalog/locations/{location_id}", headers=headers)
    assert removed.status_code == 204, removed.text
    assert demo.client.get("/api/goldpath/v1/audit", headers=headers).status_code == 403
