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
