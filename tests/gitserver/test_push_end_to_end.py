"""Issue 17's "done when", with a real git client against a live development portal.

A member of the owner group pushes to the app repository a Create made; an outsider's
token and an anonymous push are refused; a developer's push to the GitOps repository's
default branch is refused while a platform-team push to a branch is accepted; a pushed
``catalog-info.yaml`` description shows in the catalog; every link of the Create's output
answers 200.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx
import pytest

from goldpath.web.auth import TokenStore
from tests.browser.conftest import LiveServer, run_live_server

ADA = "user:default/ada"  # platform-team: a platform admin
GRACE = "user:default/grace"  # payments-team: owns the service made below
MARGARET = "user:default/margaret"  # storefront-team: an outsider to it
NAME = "push-demo"
_DEADLINE_SECONDS = 120.0


@dataclass
class Portal:
    """The live portal, the finished Create's output, and a token per demo user."""

    server: LiveServer
    output: dict[str, Any]
    tokens: dict[str, str]

    def clone_url(self, path: str, user: str | None = None) -> str:
        """``<portal>/git/<path>.git``, carrying ``user``'s token as the basic password."""
        url = self.server.url(f"/git/{path}.git")
        if user is None:
            return url
        parts = urlsplit(url)
        netloc = f"anyone:{quote(self.tokens[user], safe='')}@{parts.netloc}"
        return urlunsplit(parts._replace(netloc=netloc))


def _git(
    *args: str, cwd: Path | None = None, check: bool = True
) -> subprocess.CompletedProcess[str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(cwd or Path.cwd()),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.com",
        "LC_ALL": "C",
    }
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done


def _wait_for(what: str, check: Any) -> Any:
    deadline = time.monotonic() + _DEADLINE_SECONDS
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """A development portal where grace created ``push-demo`` for payments-team."""
    home = tmp_path_factory.mktemp("push-home")
    with run_live_server(home) as server:
        store = TokenStore(server.runtime.database)
        tokens = {u: store.issue(u, "git").plaintext for u in (ADA, GRACE, MARGARET)}
        client = httpx.Client(base_url=server.base_url, timeout=60)
        values = {"name": NAME, "description": "Before the push", "owner": "payments-team"}
        created = client.post(
            "/api/scaffolder/v2/tasks",
            json={"templateRef": "template:default/nodejs-service", "values": values},
            headers={"Authorization": f"Bearer {tokens[GRACE]}"},
        )
        assert created.status_code == 201, created.text
        task_url = f"/api/scaffolder/v2/tasks/{created.json()['id']}"
        headers = {"Authorization": f"Bearer {tokens[GRACE]}"}

        def finished() -> dict[str, Any] | None:
            task: dict[str, Any] = client.get(task_url, headers=headers).json()
            return task if task["status"] in ("completed", "failed", "cancelled") else None

        task = _wait_for("the Create to finish", finished)
        assert task["status"] == "completed", task
        output: dict[str, Any] = client.get(task_url, headers=headers).json().get("output") or {}
        client.close()
        yield Portal(server=server, output=output, tokens=tokens)


def _clone(portal: Portal, repo: str, user: str | None, into: Path) -> Path:
    _git("clone", portal.clone_url(repo, user), str(into), cwd=into.parent)
    return into


def _commit(work: Path, path: str, text: str, message: str) -> None:
    (work / path).write_text(text, encoding="utf-8")
    _git("add", path, cwd=work)
    _git("commit", "-q", "-m", message, cwd=work)


def test_a_member_of_the_owner_group_pushes_to_the_app_repository(
    portal: Portal, tmp_path: Path
) -> None:
    work = _clone(portal, f"apps/{NAME}", GRACE, tmp_path / "grace")
    _commit(work, "NOTES.md", "grace was here\n", "docs: notes")
    _git("push", "origin", "HEAD:main", cwd=work)
    head = _git("rev-parse", "HEAD", cwd=work).stdout.strip()
    remote = _git("ls-remote", portal.clone_url(f"apps/{NAME}"), "refs/heads/main", cwd=work)
    assert remote.stdout.split()[0] == head


def test_an_outsiders_token_is_refused_and_nothing_moves(portal: Portal, tmp_path: Path) -> None:
    work = _clone(portal, f"apps/{NAME}", MARGARET, tmp_path / "margaret")
    before = _git("rev-parse", "origin/main", cwd=work).stdout.strip()
    _commit(work, "INTRUDER.md", "margaret\n", "chore: not mine")
    refused = _git("push", "origin", "HEAD:main", cwd=work, check=False)
    assert refused.returncode != 0
    assert "403" in refused.stderr
    assert "git.app.push" in refused.stderr
    remote = _git("ls-remote", portal.clone_url(f"apps/{NAME}"), "refs/heads/main", cwd=work)
    assert remote.stdout.split()[0] == before


def test_an_anonymous_push_is_refused(portal: Portal, tmp_path: Path) -> None:
    work = _clone(portal, f"apps/{NAME}", None, tmp_path / "anon")
    _commit(work, "ANON.md", "who\n", "chore: anonymous")
    refused = _git("push", "origin", "HEAD:refs/heads/anonymous", cwd=work, check=False)
    assert refused.returncode != 0
    # the server challenged for credentials (401, Basic) and git had none to give
    assert "could not read Username" in refused.stderr
    challenge = httpx.get(
        portal.server.url(f"/git/apps/{NAME}.git/info/refs"),
        params={"service": "git-receive-pack"},
        timeout=30,
    )
    assert challenge.status_code == 401
    assert challenge.headers["www-authenticate"].startswith("Basic")
    remote = _git("ls-remote", portal.clone_url(f"apps/{NAME}"), cwd=work)
    assert "refs/heads/anonymous" not in remote.stdout


def test_a_developers_push_to_the_gitops_default_branch_is_refused(
    portal: Portal, tmp_path: Path
) -> None:
    work = _clone(portal, f"gitops/{NAME}", GRACE, tmp_path / "grace-gitops")
    _commit(work, "NOTE.md", "scale up\n", "chore: scale")
    refused = _git("push", "origin", "HEAD:main", cwd=work, check=False)
    assert refused.returncode != 0
    assert "git.gitops.push" in refused.stderr


def test_the_platform_team_pushes_a_branch_of_a_gitops_repository_but_not_its_default(
    portal: Portal, tmp_path: Path
) -> None:
    work = _clone(portal, f"gitops/{NAME}", ADA, tmp_path / "ada-gitops")
    _commit(work, "NOTE.md", "raise the limits\n", "chore: limits")
    _git("push", "origin", "HEAD:refs/heads/raise-limits", cwd=work)
    protected = _git("push", "origin", "HEAD:main", cwd=work, check=False)
    assert protected.returncode != 0
    assert "protected" in protected.stderr
    remote = _git("ls-remote", portal.clone_url(f"gitops/{NAME}"), cwd=work).stdout
    head = _git("rev-parse", "HEAD", cwd=work).stdout.strip()
    assert f"{head}\trefs/heads/raise-limits" in remote
    assert f"{head}\trefs/heads/main" not in remote


def test_a_pushed_description_shows_in_the_catalog(portal: Portal, tmp_path: Path) -> None:
    work = _clone(portal, f"apps/{NAME}", GRACE, tmp_path / "grace-describe")
    info = (work / "catalog-info.yaml").read_text(encoding="utf-8")
    assert "Before the push" in info
    _commit(
        work,
        "catalog-info.yaml",
        info.replace("Before the push", "After the push"),
        "docs: describe the service",
    )
    _git("push", "origin", "HEAD:main", cwd=work)
    url = portal.server.url(f"/api/catalog/entities/by-name/component/default/{NAME}")

    def described() -> bool:
        entity = httpx.get(url, timeout=30).json()
        return bool(entity["metadata"].get("description", "").strip() == "After the push")

    _wait_for("the pushed description in the catalog", described)


def _page(portal: Portal, path: str) -> str:
    answer = httpx.get(
        portal.server.url(path),
        headers={"Authorization": f"Bearer {portal.tokens[GRACE]}", "Accept": "text/html"},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.text


def test_the_component_page_shows_who_pushed_what(portal: Portal, tmp_path: Path) -> None:
    work = _clone(portal, f"apps/{NAME}", GRACE, tmp_path / "grace-log")
    before = _git("rev-parse", "HEAD", cwd=work).stdout.strip()
    _commit(work, "CHANGELOG.md", "one more\n", "docs: changelog")
    _git("push", "origin", "HEAD:main", cwd=work)
    after = _git("rev-parse", "HEAD", cwd=work).stdout.strip()
    page = _page(portal, f"/catalog/default/component/{NAME}")
    assert 'data-testid="entity-pushes"' in page
    assert f"{before[:12]} -&gt; {after[:12]}" in page
    assert "grace" in page and "refs/heads/main" in page


def test_an_invalid_pushed_edit_shows_its_error_on_the_entity_page(
    portal: Portal, tmp_path: Path
) -> None:
    work = _clone(portal, f"apps/{NAME}", GRACE, tmp_path / "grace-break")
    good = (work / "catalog-info.yaml").read_text(encoding="utf-8")
    _commit(work, "catalog-info.yaml", good + "  oops: [unclosed\n", "chore: break it")
    _git("push", "origin", "HEAD:main", cwd=work)

    def shown() -> bool:
        return 'data-testid="entity-location-errors"' in _page(
            portal, f"/catalog/default/component/{NAME}"
        )

    _wait_for("the error on the entity page", shown)
    _commit(work, "catalog-info.yaml", good, "fix: valid again")
    _git("push", "origin", "HEAD:main", cwd=work)

    def cleared() -> bool:
        return 'data-testid="entity-location-errors"' not in _page(
            portal, f"/catalog/default/component/{NAME}"
        )

    _wait_for("the error to clear", cleared)


def test_every_link_of_the_development_creates_output_answers_200(portal: Portal) -> None:
    links = portal.output.get("links") or []
    assert links, portal.output
    for link in links:
        if link.get("url"):
            target = link["url"]
        else:
            kind, _, rest = link["entityRef"].partition(":")
            namespace, _, name = rest.partition("/")
            target = portal.server.url(f"/catalog/{namespace}/{kind}/{name}")
        with httpx.Client(follow_redirects=True, timeout=30) as client:
            answer = client.get(
                target,
                headers={
                    "Authorization": f"Bearer {portal.tokens[GRACE]}",
                    "Accept": "text/html",  # as a browser opens it
                },
            )
        assert answer.status_code == 200, (link, answer.status_code)
