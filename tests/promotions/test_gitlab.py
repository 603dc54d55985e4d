"""Promotions on a GitLab host (the fake written from GitLab's API documentation): the
branch, the merge request and the merge happen on GitLab; prod still waits for an
approval its requester cannot give."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path, PurePosixPath

import pytest
import yaml

from goldpath.config import load_settings
from goldpath.demo import seed_demo
from goldpath.gitops import ENVIRONMENTS, AppSpec, PlatformSpec, render_app
from goldpath.mergerequests import MergeRequestClosedError
from goldpath.promotions import PromotionStatus, SelfApprovalError
from goldpath.runtime import Runtime
from goldpath.scratch import scratch_dir
from goldpath.trees import write_tree
from tests.mergerequests._gitlab_mr import FakeMergeRequests, fake_gitlab_with_merge_requests
from tests.permissions.conftest import GRACE, LINUS
from tests.providers.git._fakes import FakeHostState
from tests.providers.git._server import serve

TOKEN = "glpat-PromotionToken"
HOST = "gitlab.example.com"
ORDERS = "component:default/orders"


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[tuple[FakeHostState, FakeMergeRequests, str]]:
    state = FakeHostState(root=tmp_path / "gitlab-repos", token=TOKEN)
    state.namespaces.update({"gitops": 7})
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
            "gitlab": [{"host": HOST, "token": TOKEN, "api_base_url": f"{gitlab[2]}/api/v4"}]
        },
        platform={"git_host": HOST, "gitops_group": "gitops"},
    )
    root = Runtime(settings)
    root.prepare()
    seed_demo(root.catalog)
    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "orders", "annotations": {"argocd/app-name": "orders"}},
        "spec": {"type": "service", "lifecycle": "production", "owner": "payments-team"},
    }
    (tmp_path / "orders.yaml").write_text(yaml.safe_dump(entity), encoding="utf-8")
    root.catalog.add_location("file", str(tmp_path / "orders.yaml"))
    host = root.git_hosts.platform_host()
    spec = AppSpec(
        name="orders",
        owner="group:default/payments-team",
        gitops_repo_url=host.clone_url("gitops", "orders"),
        environments=ENVIRONMENTS,
        image_tag="v1",
        platform=PlatformSpec.from_settings(settings),
    )
    files = render_app(spec)
    dev = PurePosixPath("overlays/dev/kustomization.yaml")
    doc = yaml.safe_load(files[dev])
    doc["images"][0]["newTag"] = "v2"
    files[dev] = yaml.safe_dump(doc)
    info = host.create_repo("gitops", "orders")
    with scratch_dir(settings.tmp_root, prefix="seed-") as tree:
        write_tree(tree, files)
        host.push(tree, info, branch="main", message="init", author_name="t",
                  author_email="t@example.com")
    yield root
    root.stop()


def _tag(state: FakeHostState, environment: str) -> str:
    text = state.read_blob("gitops/orders", "main", f"overlays/{environment}/kustomization.yaml")
    assert text is not None
    return str(yaml.safe_load(text)["images"][0]["newTag"])


def test_promotions_go_through_gitlab_merge_requests(
    runtime: Runtime, gitlab: tuple[FakeHostState, FakeMergeRequests, str]
) -> None:
    state, mrs, _ = gitlab
    grace = runtime.permissions.subject(GRACE)
    assert [(s.environment, s.tag) for s in runtime.promotions.environments(ORDERS)] == [
        ("dev", "v2"), ("staging", "v1"), ("prod", "v1")
    ]
    staging = runtime.promotions.request(ORDERS, "staging", subject=grace)
    assert staging.status is PromotionStatus.MERGED
    assert _tag(state, "staging") == "v2"
    waiting = runtime.promotions.request(ORDERS, "prod", subject=grace)
    assert waiting.status is PromotionStatus.AWAITING_APPROVAL
    assert [m.source_branch.split("/")[1] for m in mrs.items] == ["staging", "prod"]
    # Waiting, the prod request is a draft on GitLab too: neither GitLab nor goldpath's
    # merge-request API merges it around the approval.
    prod_mr = mrs.items[1]
    assert prod_mr.title.startswith("Draft: ") and not mrs.items[0].title.startswith("Draft")
    with pytest.raises(MergeRequestClosedError, match="draft"):
        runtime.merge_requests.merge(waiting.merge_request_id, user=LINUS)
    with pytest.raises(SelfApprovalError):
        runtime.promotions.approve(waiting.id, subject=grace)
    assert _tag(state, "prod") == "v1" and prod_mr.title.startswith("Draft: ")
    done = runtime.promotions.approve(waiting.id, subject=runtime.permissions.subject(LINUS))
    assert done.status is PromotionStatus.MERGED and done.merge_commit_sha
    assert _tag(state, "prod") == "v2"
    assert prod_mr.title == "Promote orders v2 from staging to prod"
    assert prod_mr.state == "merged"
