"""Merge requests in the portal and at /api/goldpath/v1/merge-requests, with permissions."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.mergerequests import MergeRequestStatus
from goldpath.runtime import Runtime
from tests.mergerequests.conftest import push
from tests.permissions.conftest import GRACE, Demo
from tests.web.conftest import csrf_from, sign_in_guest

API = "/api/goldpath/v1/merge-requests"


def _repo_with_branch(runtime: Runtime, tmp_path: Path, name: str) -> None:
    local = runtime.git_hosts.local
    info = local.create_repo("team", name)
    push(local, info, tmp_path, "main", {"Dockerfile": "FROM node:22\nUSER node\n"})
    local.create_branch("team", name, "goldpath/upgrade", start="main")
    push(local, info, tmp_path, "goldpath/upgrade", {"Dockerfile": "FROM node:24\nUSER node\n"})


def _open(runtime: Runtime, name: str, entity: str) -> int:
    return runtime.merge_requests.open(
        host=runtime.git_hosts.local.host,
        repository=f"team/{name}",
        source_branch="goldpath/upgrade",
        target_branch="main",
        title=f"Upgrade {name}",
        author="user:default/ada",
        entity_ref=entity,
    ).id


@pytest.fixture
def two(demo: Demo, tmp_path: Path) -> tuple[int, int]:
    """An upgrade merge request for the guest's team's component and one for another's."""
    _repo_with_branch(demo.runtime, tmp_path, "web-storefront")
    _repo_with_branch(demo.runtime, tmp_path, "payments-service")
    own = _open(demo.runtime, "web-storefront", "component:default/web-storefront")
    other = _open(demo.runtime, "payments-service", "component:default/payments-service")
    return own, other


def test_the_api_lists_merge_requests_filtered_by_entity_and_status(
    demo: Demo,
    two: tuple[int, int],
) -> None:
    headers = demo.token(GRACE)
    everything = demo.client.get(API, headers=headers).json()["items"]
    assert {item["id"] for item in everything} == set(two)
    item = everything[0]
    assert {
        "entityRef",
        "status",
        "draft",
        "conflicts",
        "sourceBranch",
        "targetBranch",
        "repository",
        "author",
    } <= set(item)
    one = demo.client.get(
        API, params={"entityRef": "component:default/web-storefront"}, headers=headers
    ).json()["items"]
    assert [i["id"] for i in one] == [two[0]]
    assert demo.client.get(API, params={"status": "merged"}, headers=headers).json() == {
        "items": []
    }
    assert demo.client.get(API, params={"status": "bogus"}, headers=headers).status_code == 400


def test_only_owners_merge_through_the_api(demo: Demo, two: tuple[int, int]) -> None:
    own, other = two
    headers = demo.token(GRACE)  # payments-team
    refused = demo.client.post(f"{API}/{own}/merge", headers=headers)
    assert refused.status_code == 403 and "mergerequest.merge" in refused.text
    assert demo.runtime.merge_requests.get(own).is_open
    merged = demo.client.post(f"{API}/{other}/merge", headers=headers)
    assert merged.status_code == 200, merged.text
    assert merged.json()["status"] == "merged" and merged.json()["mergedBy"] == GRACE
    again = demo.client.post(f"{API}/{other}/merge", headers=headers)
    assert again.status_code == 409


def test_the_detail_api_carries_the_diff(demo: Demo, two: tuple[int, int]) -> None:
    body = demo.client.get(f"{API}/{two[0]}", headers=demo.token(GRACE)).json()
    assert "-FROM node:22" in body["diff"] and "+FROM node:24" in body["diff"]
    assert demo.client.get(f"{API}/999", headers=demo.token(GRACE)).status_code == 404


def test_the_page_lists_and_shows_the_diff_with_a_merge_button_for_owners(
    demo: Demo,
    two: tuple[int, int],
) -> None:
    own, other = two
    sign_in_guest(demo.client)  # storefront-team
    listing = demo.client.get("/merge-requests").text
    assert "Upgrade web-storefront" in listing and "Upgrade payments-service" in listing
    page = demo.client.get(f"/merge-requests/{own}")
    assert page.status_code == 200
    assert "+FROM node:24" in page.text and 'data-testid="merge"' in page.text
    foreign = demo.client.get(f"/merge-requests/{other}").text
    assert 'data-denied="mergerequest.merge"' in foreign
    response = demo.client.post(
        f"/merge-requests/{own}/merge",
        data={"csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert demo.runtime.merge_requests.get(own).status is MergeRequestStatus.MERGED
    assert demo.runtime.git_hosts.local.read_file(
        "team", "web-storefront", "main", "Dockerfile"
    ).startswith(b"FROM node:24")
    refused = demo.client.post(
        f"/merge-requests/{other}/merge",
        data={"csrf_token": csrf_from(page.text)},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert demo.runtime.merge_requests.get(other).is_open
