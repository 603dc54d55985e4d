"""A freshly created nodejs-service: its docs are built in the background and readable in
the portal, and a word only its docs hold finds it through the search API."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from goldpath.config import load_settings
from goldpath.runtime import Runtime
from tests.support.catalog import register_owners
from tests.techdocs._sites import wait_for_docs
from tests.templates._render import TEMPLATE_REF
from tests.templates.conftest import BASE_PARAMETERS
from tests.web.conftest import make_client, sign_in_guest

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
    reason="git is not installed",
)

NAME = BASE_PARAMETERS["name"]
KEY = f"component:default/{NAME}"
DOCS = f"/docs/default/component/{NAME}/"


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Runtime]]:
    """A portal (one scaffolder worker, docs workers) after a Create through the API."""
    home = tmp_path_factory.mktemp("techdocs-create")
    settings = load_settings(
        home=home, catalog={"refresh_enabled": False}, scaffolder={"workers": 1}
    )
    for client, runtime in make_client(settings, seed=False):
        register_owners(runtime.catalog, home / "owners", BASE_PARAMETERS["owner"])
        # the API takes development requests without a session (and so without CSRF)
        response = client.post(
            "/api/scaffolder/v2/tasks",
            json={"templateRef": TEMPLATE_REF, "values": BASE_PARAMETERS},
        )
        assert response.status_code == 201, response.text
        task_id = response.json()["id"]
        deadline = time.monotonic() + 120
        status = ""
        while time.monotonic() < deadline:
            status = client.get(f"/api/scaffolder/v2/tasks/{task_id}").json()["status"]
            if status in ("completed", "failed", "cancelled"):
                break
            time.sleep(0.05)
        assert status == "completed"
        wait_for_docs(runtime, KEY)
        sign_in_guest(client)
        yield client, runtime


def test_created_service_docs_are_readable_with_heading_and_navigation(
    created: tuple[TestClient, Runtime],
) -> None:
    client, _runtime = created
    status = client.get(f"/api/techdocs/status/default/component/{NAME}").json()
    assert status["state"] == "built", status
    html = client.get(DOCS).text
    assert f'<h1 id="{NAME}">{NAME}' in html  # index.md's heading
    assert f'<a href="{DOCS}" class="current" aria-current="page">Overview</a>' in html
    assert '<a href="#endpoints">Endpoints</a>' in html


def test_created_service_docs_were_read_from_its_repository_on_the_local_git_host(
    created: tuple[TestClient, Runtime],
) -> None:
    client, runtime = created
    status = runtime.techdocs.status(KEY)
    assert status is not None and status.source_where is not None
    assert f"/git/apps/{NAME}/-/blob/main/" in status.source_where
    head = subprocess.run(
        [
            "git",
            "--git-dir",
            str(runtime.settings.git_root / "apps" / f"{NAME}.git"),
            "rev-parse",
            "main",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert status.source_commit == head
    assert f"from commit {head[:12]}" in client.get(DOCS).text


def test_a_word_only_in_the_docs_finds_the_service_through_the_search_api(
    created: tuple[TestClient, Runtime],
) -> None:
    client, _runtime = created
    entity = client.get(f"/api/catalog/entities/by-name/component/default/{NAME}").json()
    assert "drains" not in str(entity).lower()
    body = client.get("/api/search/query", params={"term": "drains"}).json()
    (hit,) = body["results"]
    assert hit["type"] == "techdocs"
    assert hit["document"]["location"] == f"{DOCS}#endpoints"
    assert hit["document"]["name"] == NAME


def test_the_entity_page_of_the_created_service_links_its_docs(
    created: tuple[TestClient, Runtime],
) -> None:
    client, _runtime = created
    html = client.get(f"/catalog/default/component/{NAME}").text
    assert f'href="{DOCS}" data-testid="docs-tab"' in html
