"""Who gets through the local git host's door: tokens as basic passwords, anonymous clones
in development only, pushes only with a token the git server allows."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from goldpath.gitserver import Push
from goldpath.runtime import Runtime
from goldpath.web.auth import TokenStore
from tests.gitserver.conftest import (
    APP,
    GRACE,
    MARGARET,
    GitPortal,
    basic,
    receive_pack_body,
)
from tests.web.conftest import make_client, production_settings

UPLOAD = {"service": "git-upload-pack"}
RECEIVE = {"service": "git-receive-pack"}


def _advert(client: TestClient, headers: dict[str, str] | None = None) -> int:
    path = f"/git/{APP[0]}/{APP[1]}.git/info/refs"
    return client.get(path, params=UPLOAD, headers=headers or {}).status_code


def test_anonymous_clone_is_open_in_development(git_portal: GitPortal) -> None:
    assert _advert(git_portal.client) == 200


@pytest.fixture
def prod(goldpath_home: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Runtime]]:
    """A production portal whose local host holds apps/ledger."""
    for client, runtime in make_client(production_settings(goldpath_home), seed=True):
        source = tmp_path / "src"
        source.mkdir()
        (source / "README.md").write_text("hi\n", encoding="utf-8")
        host = runtime.git_hosts.local
        info = host.create_repo(*APP)
        host.push(source, info, branch="main", message="init", author_name="A", author_email="a@x")
        yield client, runtime


def test_anonymous_clone_is_refused_in_production_with_a_basic_challenge(
    prod: tuple[TestClient, Runtime],
) -> None:
    client, _ = prod
    answer = client.get(f"/git/{APP[0]}/{APP[1]}.git/info/refs", params=UPLOAD)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Basic")


def test_a_token_as_the_basic_password_clones_in_production(
    prod: tuple[TestClient, Runtime],
) -> None:
    client, runtime = prod
    token = TokenStore(runtime.database).issue(GRACE, "git").plaintext
    assert _advert(client, basic(token)) == 200


def test_a_wrong_basic_password_is_challenged_again(git_portal: GitPortal) -> None:
    answer = git_portal.client.get(
        f"/git/{APP[0]}/{APP[1]}.git/info/refs", params=RECEIVE, headers=basic("not-a-token")
    )
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"].startswith("Basic")


def test_a_members_token_gets_the_push_advertisement(git_portal: GitPortal) -> None:
    answer = git_portal.client.get(
        f"/git/{APP[0]}/{APP[1]}.git/info/refs",
        params=RECEIVE,
        headers=basic(git_portal.token(GRACE)),
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/x-git-receive-pack-advertisement"


def test_an_outsiders_push_is_refused_naming_the_permission_in_plain_text(
    git_portal: GitPortal,
) -> None:
    answer = git_portal.client.get(
        f"/git/{APP[0]}/{APP[1]}.git/info/refs",
        params=RECEIVE,
        headers=basic(git_portal.token(MARGARET)),
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("text/plain")
    assert "git.app.push" in answer.text and "payments-team" in answer.text


def test_a_member_moving_a_branch_to_a_known_commit_is_recorded_and_heard(
    git_portal: GitPortal,
) -> None:
    heard: list[Push] = []
    git_portal.runtime.push_listeners.add(heard.append, name="test")
    main = git_portal.refs(*APP)["refs/heads/main"]
    body = receive_pack_body([("0" * 40, main, "refs/heads/release")])
    answer = git_portal.client.post(
        f"/git/{APP[0]}/{APP[1]}.git/git-receive-pack",
        content=body,
        headers={
            **basic(git_portal.token(GRACE)),
            "content-type": "application/x-git-receive-pack-request",
        },
    )
    assert answer.status_code == 200, answer.text
    assert git_portal.refs(*APP)["refs/heads/release"] == main
    (entry,) = git_portal.runtime.git_server.log.for_repos([APP])
    assert (entry.user_ref, entry.ref, entry.old, entry.new) == (
        GRACE,
        "refs/heads/release",
        "0" * 40,
        main,
    )
    deadline = time.monotonic() + 60
    while not heard and time.monotonic() < deadline:
        time.sleep(0.05)  # listeners run on their own thread once the push is recorded
    (push,) = heard
    assert (push.full_name, push.user_ref, push.default_branch) == ("apps/ledger", GRACE, "main")
    entity = git_portal.runtime.catalog.get_entity("component:default/ledger")
    assert [e.ref for e in git_portal.runtime.git_server.pushes_of(entity)] == [
        "refs/heads/release"
    ]
