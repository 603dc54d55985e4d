"""The merge-request store on the local git host: open, list, approve, merge, close."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.errors import InvalidInputError
from goldpath.mergerequests import (
    MergeRequestClosedError,
    MergeRequestNotFoundError,
    MergeRequestService,
    MergeRequestStatus,
    OpenMergeRequestExistsError,
)
from goldpath.providers.git import GitHosts, MergeConflictError, RepoInfo
from tests.mergerequests.conftest import push


def _open(service: MergeRequestService, hosts: GitHosts, **extra: object) -> int:
    values: dict[str, object] = {
        "host": hosts.local.host,
        "repository": "team/orders",
        "source_branch": "feature",
        "target_branch": "main",
        "title": "Upgrade",
        "author": "user:default/ada",
        "entity_ref": "component:default/orders",
    }
    values.update(extra)
    return service.open(**values).id  # type: ignore[arg-type]


def test_open_then_get_and_list_by_entity_and_status(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    mr_id = _open(service, hosts, entity_ref="orders", labels=["fleet-upgrade"])
    mr = service.get(mr_id)
    assert mr.status is MergeRequestStatus.OPENED and not mr.draft
    assert mr.entity_ref == "component:default/orders"  # normalised
    assert [m.id for m in service.list(entity_ref="component:default/orders")] == [mr_id]
    assert service.list(status=MergeRequestStatus.MERGED) == []
    assert [m.id for m in service.list(label="fleet-upgrade")] == [mr_id]
    assert service.list(entity_ref="component:default/other") == []


def test_a_second_open_request_from_the_same_branch_is_refused(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    _open(service, hosts)
    with pytest.raises(OpenMergeRequestExistsError):
        _open(service, hosts)
    assert len(service.list()) == 1


def test_merge_moves_the_target_branch_and_records_who(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    mr_id = _open(service, hosts)
    feature = hosts.local.branch_sha("team", "orders", "feature")
    merged = service.merge(mr_id, user="user:default/grace")
    assert merged.status is MergeRequestStatus.MERGED
    assert merged.merged_by == "user:default/grace" and merged.merged_at is not None
    assert merged.merge_commit_sha == feature  # fast-forward
    assert hosts.local.read_file("team", "orders", "main", "app.txt") == b"v2\n"
    with pytest.raises(MergeRequestClosedError):
        service.merge(mr_id, user="user:default/grace")


def test_merge_of_a_diverged_branch_writes_a_merge_commit(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo, tmp_path: Path
) -> None:
    push(
        hosts.local, repo, tmp_path, "main", {"app.txt": "v1\n", "keep.txt": "k\n", "n.txt": "n\n"}
    )
    mr = service.merge(_open(service, hosts), user="user:default/ada")
    assert mr.merge_commit_sha not in (None, hosts.local.branch_sha("team", "orders", "feature"))
    assert hosts.local.read_file("team", "orders", "main", "app.txt") == b"v2\n"
    assert hosts.local.read_file("team", "orders", "main", "n.txt") == b"n\n"


def test_a_conflicting_merge_leaves_the_request_open_and_main_alone(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo, tmp_path: Path
) -> None:
    main = push(hosts.local, repo, tmp_path, "main", {"app.txt": "v3\n", "keep.txt": "k\n"})
    mr_id = _open(service, hosts)
    with pytest.raises(MergeConflictError):
        service.merge(mr_id, user="user:default/ada")
    assert service.get(mr_id).is_open
    assert hosts.local.branch_sha("team", "orders", "main") == main


def test_a_draft_with_conflicts_is_not_merged(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    mr_id = _open(service, hosts, conflicts=["Dockerfile"])
    mr = service.get(mr_id)
    assert mr.draft and mr.conflicts == ("Dockerfile",)
    with pytest.raises(MergeRequestClosedError, match="Dockerfile"):
        service.merge(mr_id, user="user:default/ada")
    ready = service.update(mr_id, draft=False, conflicts=[])
    assert not ready.draft and ready.conflicts == ()
    assert service.merge(mr_id, user="user:default/ada").status is MergeRequestStatus.MERGED


def test_approve_records_each_user_once(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    mr_id = _open(service, hosts)
    service.approve(mr_id, user="user:default/grace")
    service.approve(mr_id, user="user:default/grace")
    mr = service.approve(mr_id, user="user:default/linus")
    assert mr.approved_by == ("user:default/grace", "user:default/linus")


def test_close_keeps_the_branch_and_frees_it_for_a_new_request(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    mr_id = _open(service, hosts)
    closed = service.close(mr_id, user="user:default/ada")
    assert closed.status is MergeRequestStatus.CLOSED and closed.closed_by == "user:default/ada"
    assert hosts.local.branch_sha("team", "orders", "feature") is not None
    assert _open(service, hosts) != mr_id
    with pytest.raises(MergeRequestClosedError):
        service.merge(mr_id, user="user:default/ada")


def test_diff_shows_the_branch_changes(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    diff = service.diff(_open(service, hosts))
    assert "-v1" in diff and "+v2" in diff


def test_bad_input_names_every_field_and_writes_nothing(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        _open(
            service,
            hosts,
            repository="orders",
            source_branch="..bad",
            title=" ",
            entity_ref="a:b:c/d",
        )
    fields = {e.field.split(".")[0] for e in caught.value.errors}
    assert {"repository", "sourceBranch", "title", "entityRef"} <= fields
    assert service.list() == []


def test_a_branch_the_repository_lacks_is_refused(
    service: MergeRequestService, hosts: GitHosts, repo: RepoInfo
) -> None:
    with pytest.raises(InvalidInputError, match="no branch 'ghost'"):
        _open(service, hosts, source_branch="ghost")
    assert service.list() == []


def test_unknown_id_is_not_found(service: MergeRequestService) -> None:
    with pytest.raises(MergeRequestNotFoundError):
        service.get(404)
