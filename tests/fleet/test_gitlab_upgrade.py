"""An upgrade of a service on GitLab: branch through the API, push over HTTPS, and a real
GitLab merge request through python-gitlab (against the fake written from GitLab's docs)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from goldpath.config import load_settings
from goldpath.runtime import Runtime
from tests.fleet._fleet import DOCKERFILE, create, register_template
from tests.mergerequests._gitlab_mr import FakeMergeRequests, fake_gitlab_with_merge_requests
from tests.providers.git._fakes import FakeHostState
from tests.providers.git._server import serve

TOKEN = "glpat-FleetUpgradeToken"


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[tuple[FakeHostState, FakeMergeRequests, str]]:
    state = FakeHostState(root=tmp_path / "gitlab-repos", token=TOKEN)
    state.namespaces.update({"apps": 7})
    mrs = FakeMergeRequests()
    with serve(lambda _base: fake_gitlab_with_merge_requests(state, mrs)) as base_url:
        yield state, mrs, base_url


@pytest.fixture
def runtime(
    goldpath_home: Path, tmp_path: Path, gitlab: tuple[FakeHostState, FakeMergeRequests, str]
) -> Iterator[Runtime]:
    settings = load_settings(
        home=goldpath_home,
        catalog={"refresh_enabled": False, "file_roots": [tmp_path]},
        scaffolder={"workers": 0},
        integrations={
            "gitlab": [
                {
                    "host": "gitlab.example.com",
                    "token": TOKEN,
                    "api_base_url": f"{gitlab[2]}/api/v4",
                }
            ]
        },
    )
    root = Runtime(settings)
    root.prepare()
    yield root
    root.stop()


def test_an_upgrade_on_gitlab_opens_a_gitlab_merge_request(
    runtime: Runtime, gitlab: tuple[FakeHostState, FakeMergeRequests, str], tmp_path: Path
) -> None:
    state, mrs, _base = gitlab
    folder = tmp_path / "tiny-service"
    register_template(runtime, folder)
    create(runtime, "hotel")
    assert state.read_blob("apps/hotel", "main", ".goldpath/answers.yaml") is not None
    (folder / "skeleton" / "Dockerfile").write_text(DOCKERFILE.replace("node:22", "node:24"))

    [result] = runtime.fleet.upgrade()
    assert result.status == "opened" and result.new, result.message
    [hosted] = mrs.items
    assert hosted.source_branch == result.branch and hosted.target_branch == "main"
    assert result.branch is not None
    dockerfile = state.read_blob("apps/hotel", result.branch, "Dockerfile")
    assert dockerfile is not None and b"FROM node:24" in dockerfile
    mr = runtime.merge_requests.get(result.merge_request or 0)
    assert mr.external_id == str(hosted.iid) and mr.web_url

    [again] = runtime.fleet.upgrade()
    assert not again.new and len(mrs.items) == 1


def test_the_fleet_trusts_an_answers_file_read_from_gitlab_for_a_minute(
    runtime: Runtime,
    gitlab: tuple[FakeHostState, FakeMergeRequests, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A remote branch cannot be looked at for free, so a listing re-reads a GitLab
    repository's answers only once they are `REMOTE_ANSWERS_MAX_AGE_SECONDS` old; an
    upgrade always reads them."""
    from goldpath.fleet import _service

    register_template(runtime, tmp_path / "tiny-service")
    create(runtime, "india")
    now = [1000.0]
    monkeypatch.setattr(_service, "_now", lambda: now[0])
    reads: list[str] = []
    real = runtime.fleet.read_answers

    def counted(location: _service.RepoLocation) -> _service.Answers:
        reads.append(location.name)
        return real(location)

    monkeypatch.setattr(runtime.fleet, "read_answers", counted)
    [member] = runtime.fleet.members()
    assert member.location.host == "gitlab.example.com" and reads == ["india"]
    now[0] += _service.REMOTE_ANSWERS_MAX_AGE_SECONDS - 1
    runtime.fleet.members()
    assert reads == ["india"]
    now[0] += 1
    runtime.fleet.members()
    assert reads == ["india", "india"]
    runtime.fleet.upgrade()
    assert reads == ["india", "india", "india"]


def test_a_repository_adopted_on_gitlab_is_in_the_next_listing(
    runtime: Runtime, tmp_path: Path
) -> None:
    register_template(runtime, tmp_path / "tiny-service")
    create(runtime, "juliet")
    host = runtime.git_hosts.for_host("gitlab.example.com", field="host")
    files = host.read_folder(f"{host.contents_url('apps', 'juliet', 'main')}".replace(
        "/-/blob/", "/-/tree/"))
    work = tmp_path / "no-answers"
    for rel, (content, _mode) in files.items():
        if rel != ".goldpath/answers.yaml":
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_bytes(content)
    host.push(work, host.get_repo("apps", "juliet"), branch="main", message="older service",
              author_name="Dev", author_email="dev@example.com")
    assert runtime.fleet.members() == []  # remembered for a minute: no answers there

    runtime.fleet.adopt("component:default/juliet", "template:default/tiny-service")
    [member] = runtime.fleet.members()
    assert member.entity_ref == "component:default/juliet"
