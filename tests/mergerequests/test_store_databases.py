"""The store's rules hold on SQLite and on PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.config import Settings
from goldpath.db import Database
from goldpath.mergerequests import (
    MergeRequestService,
    MergeRequestStatus,
    OpenMergeRequestExistsError,
)
from goldpath.providers.git import GitHosts
from tests.mergerequests.conftest import push


def test_one_open_request_per_branch_and_filters_on_any_database(
    any_database: Database, settings: Settings, tmp_path: Path
) -> None:
    hosts = GitHosts(settings)
    info = hosts.local.create_repo("team", "orders")
    push(hosts.local, info, tmp_path, "main", {"a": "1\n"})
    hosts.local.create_branch("team", "orders", "up", start="main")
    service = MergeRequestService(any_database, hosts)

    def open_one() -> int:
        return service.open(
            host=hosts.local.host,
            repository="team/orders",
            source_branch="up",
            target_branch="main",
            title="Up",
            author="user:default/ada",
            entity_ref="component:default/orders",
            conflicts=["b", "a", "a"],
        ).id

    first = open_one()
    with pytest.raises(OpenMergeRequestExistsError):
        open_one()
    mr = service.get(first)
    assert mr.draft and mr.conflicts == ("a", "b")
    assert mr.created_at.tzinfo is not None
    service.close(first, user="user:default/ada")
    second = open_one()
    assert [m.id for m in service.list(status=MergeRequestStatus.OPENED)] == [second]
    assert [m.id for m in service.list(entity_ref="orders")] == [second, first]
