"""Merge requests on a GitLab host: opened, merged and closed through python-gitlab."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from goldpath.config import Settings, load_settings
from goldpath.errors import GoldpathError
from goldpath.mergerequests import (
    MergeRequestClosedError,
    MergeRequestService,
    MergeRequestStatus,
)
from goldpath.providers.git import GitHost, MergeConflictError, RepoInfo
from goldpath.runtime import Runtime
from tests.mergerequests._gitlab_mr import FakeMergeRequests, fake_gitlab_with_merge_requests
from tests.mergerequests.conftest import push
from tests.providers.git._fakes import FakeHostState
from tests.providers.git._server import serve

TOKEN = "glpat-MergeRequestToken"
HOST = "gitlab.example.com"


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[tuple[FakeHostState, FakeMergeRequests, str]]:
    state = FakeHostState(root=tmp_path / "gitlab-repos", token=TOKEN)
    state.namespaces.update({"team": 7})
    mrs = FakeMergeRequests()
    with serve(lambda _base: fake_gitlab_with_merge_requests(state, mrs)) as base_url:
        yield state, mrs, base_url


@pytest.fixture
def gl_settings(
    goldpath_home: Path, tmp_path: Path, gitlab: tuple[object, object, str]
) -> Settings:
    return load_settings(
        home=goldpath_home,
        catalog={"refresh_enabled": False, "file_roots": [tmp_path]},
        scaffolder={"workers": 0},
        integrations={
            "gitlab": [{"host": HOST, "token": TOKEN, "api_base_url": f"{gitlab[2]}/api/v4"}]
        },
    )


@pytest.fixture
def gl(gl_settings: Settings, tmp_path: Path) -> tuple[MergeRequestService, GitHost, RepoInfo]:
    runtime = Runtime(gl_settings)
    runtime.prepare()
    host = runtime.git_hosts.for_host(HOST)
    info = host.create_repo("team", "orders")
    push(host, info, tmp_path, "main", {"app.txt": "v1\n"})
    host.create_branch("team", "orders", "feature", start="main")  # type: ignore[attr-defined]
    push(host, info, tmp_path, "feature", {"app.txt": "v2\n"})
    return runtime.merge_requests, host, info


def _open(service: MergeRequestService, *, draft: bool = False) -> int:
    return service.open(
        host=HOST,
        repository="team/orders",
        source_branch="feature",
        target_branch="main",
        title="Upgrade the template",
        description="what changed",
        author="user:default/ada",
        entity_ref="component:default/orders",
        draft=draft,
    ).id


def test_open_creates_a_real_gitlab_merge_request_and_remembers_it(
    gl: tuple[MergeRequestService, GitHost, RepoInfo],
    gitlab: tuple[FakeHostState, FakeMergeRequests, str],
) -> None:
    service = gl[0]
    mr = service.get(_open(service))
    [hosted] = gitlab[1].items
    assert (hosted.source_branch, hosted.target_branch) == ("feature", "main")
    assert mr.external_id == str(hosted.iid)
    assert mr.web_url is not None and mr.web_url.endswith(
        f"/team/orders/-/merge_requests/{hosted.iid}"
    )
    assert gitlab[1].bodies[0]["remove_source_branch"] is True


def test_a_draft_goes_to_gitlab_with_a_draft_title(
    gl: tuple[MergeRequestService, GitHost, RepoInfo],
    gitlab: tuple[FakeHostState, FakeMergeRequests, str],
) -> None:
    mr = gl[0].get(_open(gl[0], draft=True))
    assert mr.draft and gitlab[1].items[0].title == "Draft: Upgrade the template"


def test_marking_a_draft_ready_marks_it_ready_on_gitlab_and_back(
    gl: tuple[MergeRequestService, GitHost, RepoInfo],
    gitlab: tuple[FakeHostState, FakeMergeRequests, str],
) -> None:
    service = gl[0]
    mr_id = _open(service, draft=True)
    ready = service.update(mr_id, draft=False)
    assert not ready.draft and gitlab[1].items[0].title == "Upgrade the template"
    again = service.update(mr_id, draft=True)
    assert again.draft and gitlab[1].items[0].title == "Draft: Upgrade the template"
    # a draft again: goldpath refuses to merge it (and GitLab would)
    with pytest.raises(MergeRequestClosedError, match="draft"):
        service.merge(mr_id, user="user:default/ada")


def test_gitlab_refusing_to_mark_it_ready_leaves_it_a_draft(
    gl: tuple[MergeRequestService, GitHost, RepoInfo],
    gitlab: tuple[FakeHostState, FakeMergeRequests, str],
) -> None:
    service = gl[0]
    mr_id = _open(service, draft=True)
    gitlab[0].token = "glpat-Revoked"  # GitLab now answers 404 to goldpath's token
    with pytest.raises(GoldpathError) as caught:
        service.update(mr_id, draft=False)
    assert TOKEN not in str(caught.value)
    assert service.get(mr_id).draft
    assert gitlab[1].items[0].title == "Draft: Upgrade the template"


def test_merge_goes_through_gitlab(
    gl: tuple[MergeRequestService, GitHost, RepoInfo],
    gitlab: tuple[FakeHostState, FakeMergeRequests, str],
) -> None:
    service, host, _info = gl
    merged = service.merge(_open(service), user="user:default/ada")
    assert merged.status is MergeRequestStatus.MERGED
    assert gitlab[1].items[0].state == "merged"
    assert merged.merge_commit_sha == gitlab[1].items[0].merge_commit_sha
    assert gitlab[0].read_blob("team/orders", "main", "app.txt") == b"v2\n"


def test_gitlab_refusing_a_conflicting_merge_keeps_it_open(
    gl: tuple[MergeRequestService, GitHost, RepoInfo],
    gitlab: tuple[FakeHostState, FakeMergeRequests, str],
    tmp_path: Path,
) -> None:
    service, host, info = gl
    push(host, info, tmp_path, "main", {"app.txt": "v3\n"})
    mr_id = _open(service)
    with pytest.raises(MergeConflictError) as caught:
        service.merge(mr_id, user="user:default/ada")
    assert TOKEN not in str(caught.value)
    assert service.get(mr_id).is_open and gitlab[1].items[0].state == "opened"


def test_close_closes_it_on_gitlab(
    gl: tuple[MergeRequestService, GitHost, RepoInfo],
    gitlab: tuple[FakeHostState, FakeMergeRequests, str],
) -> None:
    closed = gl[0].close(_open(gl[0]), user="user:default/ada")
    assert closed.status is MergeRequestStatus.CLOSED
    assert gitlab[1].items[0].state == "closed"


def test_creating_an_existing_branch_on_gitlab_is_a_conflict(
    gl: tuple[MergeRequestService, GitHost, RepoInfo],
) -> None:
    from goldpath.providers.git import BranchMovedError

    with pytest.raises(BranchMovedError):
        gl[1].create_branch("team", "orders", "feature", start="main")  # type: ignore[attr-defined]
