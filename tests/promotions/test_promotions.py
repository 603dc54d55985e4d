"""Promotions: a merge request per promotion, staging merges for an owner, prod waits for
an approval its requester cannot give; the API, the component page and the CLI."""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import Settings
from goldpath.gitops import NothingToPromoteError
from goldpath.permissions import NotAllowedError, Subject, operator_subject
from goldpath.promotions import (
    PromotionClosedError,
    PromotionPendingError,
    PromotionStatus,
    SelfApprovalError,
)
from goldpath.providers.git import MergeConflictError
from goldpath.runtime import Runtime
from tests.promotions.conftest import (
    ADA,
    GRACE,
    LINUS,
    MARGARET,
    ORDERS,
    Demo,
    gitops_host,
    seed_orders,
    tag_at,
)
from tests.web.conftest import csrf_from, make_client, sign_in_guest, with_admin_groups

API = "/api/goldpath/v1/promotions"


def _changed_paths(runtime: Runtime, old: str, new: str) -> list[str]:
    host = gitops_host(runtime)
    repo = host.repo_path(runtime.settings.platform.gitops_group, "orders")
    out = subprocess.run(
        ["git", "--git-dir", str(repo), "diff", "--name-only", old, new],
        check=True, capture_output=True, text=True,
    ).stdout
    return out.split()


def _main(runtime: Runtime) -> str:
    host = gitops_host(runtime)
    sha = host.branch_sha(runtime.settings.platform.gitops_group, "orders", "main")
    assert sha is not None
    return sha


def _subject(runtime: Runtime, user: str) -> Subject:
    return runtime.permissions.subject(user)


# -- staging --------------------------------------------------------------------------------


def test_staging_promotion_by_an_owner_merges_and_changes_only_the_staging_tag(
    demo: Demo,
) -> None:
    runtime = demo.runtime
    before = _main(runtime)
    promotion = runtime.promotions.request(ORDERS, "staging", subject=_subject(runtime, GRACE))
    assert promotion.status is PromotionStatus.MERGED
    assert (promotion.source, promotion.tag, promotion.previous_tag) == ("dev", "v2", "v1")
    assert promotion.requested_by == GRACE and promotion.merged_by == GRACE
    assert [tag_at(runtime, env) for env in ("dev", "staging", "prod")] == ["v2", "v2", "v1"]
    assert _changed_paths(runtime, before, _main(runtime)) == [
        "overlays/staging/kustomization.yaml"
    ]
    mr = runtime.merge_requests.get(promotion.merge_request_id)
    assert mr.status.value == "merged" and "promotion" in mr.labels


def test_a_non_owner_cannot_promote_and_nothing_is_left_behind(demo: Demo) -> None:
    runtime = demo.runtime
    before = _main(runtime)
    with pytest.raises(NotAllowedError):
        runtime.promotions.request(ORDERS, "staging", subject=_subject(runtime, MARGARET))
    assert _main(runtime) == before
    assert runtime.promotions.list(entity_ref=ORDERS) == []
    assert runtime.merge_requests.list() == []


def test_promoting_what_already_runs_is_a_conflict_and_opens_nothing(demo: Demo) -> None:
    runtime = demo.runtime
    with pytest.raises(NothingToPromoteError):
        runtime.promotions.request(ORDERS, "prod", subject=_subject(runtime, GRACE))
    assert runtime.merge_requests.list() == []
    group = runtime.settings.platform.gitops_group
    branches = subprocess.run(
        ["git", "--git-dir", str(gitops_host(runtime).repo_path(group, "orders")),
         "branch", "--list"], check=True, capture_output=True, text=True).stdout
    assert branches.split() == ["main"] or branches.split() == ["*", "main"]


def test_a_staging_promotion_that_cannot_merge_is_withdrawn(
    demo: Demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = demo.runtime
    before = _main(runtime)

    def refuse(mr_id: int, *, user: str) -> None:
        raise MergeConflictError("main moved under the promotion", conflicts=["x"])

    monkeypatch.setattr(runtime.merge_requests, "merge", refuse)
    with pytest.raises(MergeConflictError):
        runtime.promotions.request(ORDERS, "staging", subject=_subject(runtime, GRACE))
    assert runtime.promotions.list() == []
    assert [mr.status.value for mr in runtime.merge_requests.list()] == ["closed"]
    assert _main(runtime) == before
    group = runtime.settings.platform.gitops_group
    branches = subprocess.run(
        ["git", "--git-dir", str(gitops_host(runtime).repo_path(group, "orders")),
         "branch", "--list"], check=True, capture_output=True, text=True).stdout
    assert "promote/" not in branches


# -- prod -----------------------------------------------------------------------------------


def _to_prod(runtime: Runtime, requester: str = GRACE) -> int:
    runtime.promotions.request(ORDERS, "staging", subject=_subject(runtime, requester))
    waiting = runtime.promotions.request(ORDERS, "prod", subject=_subject(runtime, requester))
    assert waiting.status is PromotionStatus.AWAITING_APPROVAL
    assert tag_at(runtime, "prod") == "v1"
    return waiting.id


def test_prod_waits_and_its_requester_cannot_approve_it(demo: Demo) -> None:
    runtime = demo.runtime
    promotion_id = _to_prod(runtime)
    with pytest.raises(SelfApprovalError):
        runtime.promotions.approve(promotion_id, subject=_subject(runtime, GRACE))
    assert runtime.promotions.get(promotion_id).status is PromotionStatus.AWAITING_APPROVAL
    assert runtime.promotions.get(promotion_id).approvals == ()
    assert tag_at(runtime, "prod") == "v1"


def test_another_owner_approves_prod_and_it_merges_with_who_and_when(demo: Demo) -> None:
    runtime = demo.runtime
    promotion_id = _to_prod(runtime)
    before = _main(runtime)
    done = runtime.promotions.approve(promotion_id, subject=_subject(runtime, LINUS))
    assert done.status is PromotionStatus.MERGED and done.merged_by == LINUS
    assert [(a.user, a.role) for a in done.approvals] == [(LINUS, "owner")]
    assert done.approvals[0].at >= done.requested_at
    assert tag_at(runtime, "prod") == "v2"
    assert _changed_paths(runtime, before, _main(runtime)) == ["overlays/prod/kustomization.yaml"]


def test_a_platform_admin_may_approve_prod(demo: Demo) -> None:
    runtime = demo.runtime
    promotion_id = _to_prod(runtime)
    done = runtime.promotions.approve(promotion_id, subject=_subject(runtime, ADA))
    assert [(a.user, a.role) for a in done.approvals] == [(ADA, "admin")]


def test_a_platform_admin_cannot_approve_their_own_prod_promotion(demo: Demo) -> None:
    runtime = demo.runtime
    promotion_id = _to_prod(runtime, requester=ADA)
    with pytest.raises(SelfApprovalError):
        runtime.promotions.approve(promotion_id, subject=_subject(runtime, ADA))
    assert tag_at(runtime, "prod") == "v1"


def test_someone_outside_the_owner_group_cannot_approve(demo: Demo) -> None:
    runtime = demo.runtime
    promotion_id = _to_prod(runtime)
    with pytest.raises(NotAllowedError):
        runtime.promotions.approve(promotion_id, subject=_subject(runtime, MARGARET))
    assert tag_at(runtime, "prod") == "v1"


def test_the_operator_cannot_approve_its_own_prod_promotion(demo: Demo) -> None:
    runtime = demo.runtime
    operator = operator_subject("root")
    runtime.promotions.request(ORDERS, "staging", subject=operator)
    waiting = runtime.promotions.request(ORDERS, "prod", subject=operator)
    with pytest.raises(SelfApprovalError):
        runtime.promotions.approve(waiting.id, subject=operator)
    assert tag_at(runtime, "prod") == "v1"


def test_a_second_prod_promotion_waits_for_the_first(demo: Demo) -> None:
    runtime = demo.runtime
    first = _to_prod(runtime)
    with pytest.raises(PromotionPendingError) as caught:
        runtime.promotions.request(ORDERS, "prod", subject=_subject(runtime, LINUS))
    assert str(first) in caught.value.message


def test_nobody_merges_a_waiting_prod_promotion_through_the_mr_api(
    demo: Demo,
) -> None:
    promotion = demo.runtime.promotions.get(_to_prod(demo.runtime))
    mr = f"/api/goldpath/v1/merge-requests/{promotion.merge_request_id}"
    answer = demo.client.post(f"{mr}/merge", headers=demo.token(GRACE))
    assert answer.status_code == 403, answer.text  # it names no component: admins only
    answer = demo.client.post(f"{mr}/merge", headers=demo.token(ADA))
    assert answer.status_code == 409, answer.text  # and it is a draft until approved
    assert tag_at(demo.runtime, "prod") == "v1"


def test_a_prod_promotion_whose_merge_request_was_closed_cannot_be_approved(
    demo: Demo,
) -> None:
    runtime = demo.runtime
    promotion = runtime.promotions.get(_to_prod(runtime))
    runtime.merge_requests.close(promotion.merge_request_id, user=GRACE)
    with pytest.raises(PromotionClosedError):
        runtime.promotions.approve(promotion.id, subject=_subject(runtime, LINUS))
    assert runtime.promotions.get(promotion.id).status is PromotionStatus.CLOSED
    assert tag_at(runtime, "prod") == "v1"
    again = runtime.promotions.request(ORDERS, "prod", subject=_subject(runtime, GRACE))
    assert again.status is PromotionStatus.AWAITING_APPROVAL


def test_promoting_to_dev_is_refused_naming_the_field(demo: Demo) -> None:
    answer = demo.client.post(API, json={"entityRef": ORDERS, "to": "dev"},
                              headers=demo.token(GRACE))
    assert answer.status_code == 422
    assert "to" in answer.text


def test_no_sequence_of_requester_approvals_merges_a_prod_promotion(demo: Demo) -> None:
    runtime = demo.runtime
    promotion_id = _to_prod(runtime)
    requester = _subject(runtime, GRACE)
    headers = demo.token(GRACE)
    outsider = _subject(runtime, MARGARET)

    @hyp_settings(max_examples=25, deadline=None)
    @given(st.lists(st.sampled_from(["service", "api", "outsider"]), min_size=1, max_size=6))
    def attempts(ways: list[str]) -> None:
        for way in ways:
            if way == "service":
                with pytest.raises(SelfApprovalError):
                    runtime.promotions.approve(promotion_id, subject=requester)
            elif way == "outsider":
                with pytest.raises(NotAllowedError):
                    runtime.promotions.approve(promotion_id, subject=outsider)
            else:
                answer = demo.client.post(f"{API}/{promotion_id}/approve", headers=headers)
                assert answer.status_code == 403, answer.text
                assert answer.json()["error"]["name"] == "SelfApprovalError"
            current = runtime.promotions.get(promotion_id)
            assert current.status is PromotionStatus.AWAITING_APPROVAL
            assert current.approvals == ()
            assert tag_at(runtime, "prod") == "v1"

    attempts()


# -- API ------------------------------------------------------------------------------------


def test_api_creates_staging_merged_and_prod_waiting_then_approves(demo: Demo) -> None:
    client = demo.client
    staging = client.post(API, json={"entityRef": ORDERS, "to": "staging"},
                          headers=demo.token(GRACE))
    assert staging.status_code == 201, staging.text
    assert staging.json()["status"] == "merged"
    prod = client.post(API, json={"entityRef": ORDERS, "to": "prod"}, headers=demo.token(GRACE))
    assert prod.status_code == 201 and prod.json()["status"] == "awaiting-approval"
    promotion_id = prod.json()["id"]
    mine = client.post(f"{API}/{promotion_id}/approve", headers=demo.token(GRACE))
    assert mine.status_code == 403
    assert mine.json()["error"]["name"] == "SelfApprovalError"
    theirs = client.post(f"{API}/{promotion_id}/approve", headers=demo.token(LINUS))
    assert theirs.status_code == 200, theirs.text
    body = theirs.json()
    assert body["status"] == "merged" and body["approvals"][0]["user"] == LINUS
    listed = client.get(API, params={"entityRef": ORDERS}, headers=demo.token(MARGARET)).json()
    assert [p["to"] for p in listed["items"]] == ["prod", "staging"]
    envs = client.get("/api/goldpath/v1/environments", params={"entityRef": ORDERS},
                      headers=demo.token(MARGARET)).json()
    assert {e["environment"]: e["tag"] for e in envs["items"]} == {
        "dev": "v2", "staging": "v2", "prod": "v2"
    }


def test_api_refuses_a_non_owner_with_403_and_records_it(demo: Demo) -> None:
    answer = demo.client.post(API, json={"entityRef": ORDERS, "to": "staging"},
                              headers=demo.token(MARGARET))
    assert answer.status_code == 403
    assert "promotion.create" in answer.text
    denied = demo.runtime.permissions.audit.query().items
    assert any(e.permission == "promotion.create" and e.decision == "deny" for e in denied)


def test_api_without_a_token_is_the_development_guest_who_does_not_own_orders(
    demo: Demo,
) -> None:
    answer = demo.client.post(API, json={"entityRef": ORDERS, "to": "staging"})
    assert answer.status_code == 403 and "promotion.create" in answer.text
    assert tag_at(demo.runtime, "staging") == "v1"


# -- the component page -----------------------------------------------------------------------


def _page(demo: Demo, user: str) -> str:
    answer = demo.client.get("/catalog/default/component/orders", headers=demo.token(user))
    assert answer.status_code == 200, answer.text
    return answer.text


def _section(html: str) -> str:
    match = re.search(r'<section class="card" id="environments".*?</section>', html, re.S)
    assert match is not None
    return match.group(0)


def test_page_shows_each_environment_tag_and_a_promote_button(demo: Demo) -> None:
    card = _section(_page(demo, GRACE))
    for env, tag in (("dev", "v2"), ("staging", "v1"), ("prod", "v1")):
        assert f'data-testid="tag-{env}">{tag}<' in card
    assert 'data-testid="promote-staging"' in card
    assert "runs what staging runs" in card  # prod has nothing new to take yet


def test_page_disables_promote_for_a_non_owner(demo: Demo) -> None:
    card = _section(_page(demo, MARGARET))
    assert 'data-denied="promotion.create"' in card
    assert 'data-testid="promote-staging"' not in card


def test_page_records_who_and_when_and_only_others_may_approve(demo: Demo) -> None:
    promotion_id = _to_prod(demo.runtime)
    own = _section(_page(demo, GRACE))
    assert f'data-promotion="{promotion_id}"' in own
    assert GRACE in own and "UTC" in own
    assert f'data-testid="approve-{promotion_id}"' not in own
    assert 'data-denied="promotion.approve"' in own
    other = _section(_page(demo, LINUS))
    assert f'data-testid="approve-{promotion_id}"' in other


@pytest.fixture
def admin_guest(settings: Settings, cli_env: Path, tmp_path: Path) -> Iterator[Demo]:
    """The demo portal with orders, where the guest's storefront team are platform admins,
    signed in as the guest (a browser session: page forms carry their CSRF token)."""
    admins = with_admin_groups(settings, "group:default/storefront-team")
    for client, runtime in make_client(admins, seed=True):
        seed_orders(runtime, tmp_path / "catalog")
        sign_in_guest(client)
        yield Demo(client, runtime)


def _form_post(client: TestClient, path: str, data: dict[str, str] | None = None) -> Response:
    page = client.get("/catalog/default/component/orders")
    return client.post(path, data={**(data or {}), "csrf_token": csrf_from(page.text)},
                       follow_redirects=False)


def test_page_forms_promote_and_approve(admin_guest: Demo) -> None:
    client, runtime = admin_guest.client, admin_guest.runtime
    answer = _form_post(client, "/catalog/default/component/orders/promotions", {"to": "staging"})
    assert answer.status_code == 303, answer.text
    assert tag_at(runtime, "staging") == "v2"
    waiting = runtime.promotions.request(ORDERS, "prod", subject=_subject(runtime, GRACE))
    answer = _form_post(client, f"/promotions/{waiting.id}/approve")
    assert answer.status_code == 303, answer.text
    assert tag_at(runtime, "prod") == "v2"
    approvals = runtime.promotions.get(waiting.id).approvals
    assert [(a.user, a.role) for a in approvals] == [("user:default/guest", "admin")]


def test_page_refuses_approving_your_own_promotion(admin_guest: Demo) -> None:
    client, runtime = admin_guest.client, admin_guest.runtime
    _form_post(client, "/catalog/default/component/orders/promotions", {"to": "staging"})
    _form_post(client, "/catalog/default/component/orders/promotions", {"to": "prod"})
    waiting = runtime.promotions.list(entity_ref=ORDERS)[0]
    assert waiting.is_waiting and waiting.requested_by == "user:default/guest"
    card = _section(client.get("/catalog/default/component/orders").text)
    assert f'data-testid="approve-{waiting.id}"' not in card
    answer = _form_post(client, f"/promotions/{waiting.id}/approve")
    assert answer.status_code == 403
    assert "may not approve" in answer.text
    assert tag_at(runtime, "prod") == "v1"


# -- CLI --------------------------------------------------------------------------------------


def test_cli_promotes_and_refuses_self_approval_with_exit_5(demo: Demo, tmp_path: Path) -> None:
    runner = CliRunner()
    staging = runner.invoke(app, ["--as", GRACE, "promote", ORDERS, "--to", "staging", "--json"])
    assert staging.exit_code == 0, staging.output
    assert json.loads(staging.output)["status"] == "merged"
    prod = runner.invoke(app, ["--as", GRACE, "promote", ORDERS, "--to", "prod", "--json"])
    promotion_id = json.loads(prod.output)["id"]
    mine = runner.invoke(app, ["--as", GRACE, "promotions", "approve", str(promotion_id)])
    assert mine.exit_code == 5, mine.output
    assert "may not approve" in mine.output and "Traceback" not in mine.output
    theirs = runner.invoke(app, ["--as", LINUS, "promotions", "approve", str(promotion_id)])
    assert theirs.exit_code == 0, theirs.output
    listed = runner.invoke(app, ["promotions", "list", ORDERS, "--json"])
    items = yaml.safe_load(listed.output)["items"]
    assert items[0]["approvals"][0]["user"] == LINUS
    assert tag_at(demo.runtime, "prod") == "v2"


# -- PostgreSQL -----------------------------------------------------------------------------


def test_promotions_and_approvals_are_kept_on_postgresql(
    settings: Settings, postgres_url: str, tmp_path: Path
) -> None:
    from goldpath.demo import seed_demo

    runtime = Runtime(settings.model_copy(update={"database_url": postgres_url}))
    runtime.prepare()
    try:
        seed_demo(runtime.catalog)
        seed_orders(runtime, tmp_path / "catalog")
        runtime.promotions.request(ORDERS, "staging", subject=_subject(runtime, GRACE))
        waiting = runtime.promotions.request(ORDERS, "prod", subject=_subject(runtime, GRACE))
        with pytest.raises(SelfApprovalError):
            runtime.promotions.approve(waiting.id, subject=_subject(runtime, GRACE))
        done = runtime.promotions.approve(waiting.id, subject=_subject(runtime, LINUS))
        assert done.requested_at.tzinfo is not None and done.approvals[0].at.tzinfo is not None
        assert [p.environment for p in runtime.promotions.list(entity_ref="orders")] == [
            "prod", "staging"
        ]
        assert tag_at(runtime, "prod") == "v2"
    finally:
        runtime.stop()


def test_page_says_when_the_gitops_repo_is_missing(demo: Demo, tmp_path: Path) -> None:
    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "ghost", "annotations": {"argocd/app-name": "ghost"}},
        "spec": {"type": "service", "lifecycle": "production", "owner": "payments-team"},
    }
    path = tmp_path / "catalog" / "ghost.yaml"
    path.write_text(yaml.safe_dump(entity), encoding="utf-8")
    demo.runtime.catalog.add_location("file", str(path))
    answer = demo.client.get("/catalog/default/component/ghost", headers=demo.token(GRACE))
    assert answer.status_code == 200
    assert 'data-testid="environments-problem">no GitOps repository' in _section(answer.text)
