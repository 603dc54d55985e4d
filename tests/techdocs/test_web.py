"""TechDocs in the portal and the REST API: pages, assets, Backstage's shapes, search."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from goldpath.config import load_settings
from goldpath.runtime import Runtime
from tests.techdocs._sites import wait_for_docs, write_docs_site
from tests.web.conftest import csrf_from, make_client, sign_in_guest

KEY = "component:default/widgets"
DOCS = "/docs/default/component/widgets/"


@pytest.fixture
def docs_portal(goldpath_home: Path, tmp_path: Path) -> Iterator[tuple[TestClient, Runtime]]:
    settings = load_settings(
        home=goldpath_home, catalog={"refresh_enabled": False}, scaffolder={"workers": 0}
    )
    for client, runtime in make_client(settings, seed=False):
        sign_in_guest(client)
        runtime.catalog.add_location("file", str(write_docs_site(tmp_path / "repo")))
        wait_for_docs(runtime, KEY)
        yield client, runtime


@pytest.fixture
def docs_client(docs_portal: tuple[TestClient, Runtime]) -> TestClient:
    return docs_portal[0]


def test_a_docs_page_is_served_inside_the_portal_with_nav_and_contents(
    docs_client: TestClient,
) -> None:
    response = docs_client.get(DOCS + "guide/")
    assert response.status_code == 200
    html = response.text
    assert 'class="sidebar"' in html  # the portal's layout
    assert 'data-testid="docs-nav"' in html and ">Overview</a>" in html
    assert '<a href="#configure">Configure</a>' in html  # the page's contents
    assert '<h1 id="getting-started">' in html
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_a_page_url_without_its_slash_redirects(docs_client: TestClient) -> None:
    response = docs_client.get(DOCS + "guide", follow_redirects=False)
    assert response.status_code == 308
    assert response.headers["location"] == DOCS + "guide/"
    assert docs_client.get(DOCS[:-1], follow_redirects=False).headers["location"] == DOCS


def test_images_of_the_docs_folder_are_served_and_cannot_run_anything(
    docs_client: TestClient,
) -> None:
    response = docs_client.get(DOCS + "img/diagram.png")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert "sandbox" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert docs_client.get(DOCS + "img/missing.png").status_code == 404


def test_backstage_metadata_and_static_endpoints(docs_client: TestClient) -> None:
    metadata = docs_client.get("/api/techdocs/metadata/techdocs/default/component/widgets")
    assert metadata.status_code == 200
    body = metadata.json()
    assert body["site_name"] == "widgets docs"
    assert len(body["etag"]) == 64 and isinstance(body["build_timestamp"], int)
    assert "guide/index.html" in body["files"]
    page = docs_client.get("/api/techdocs/static/docs/default/component/widgets/guide/")
    assert page.headers["content-type"].startswith("text/html")
    assert '<article class="md-content__inner md-typeset">' in page.text
    index = docs_client.get(
        "/api/techdocs/static/docs/default/component/widgets/search/search_index.json"
    )
    assert any(doc["location"] == "guide/#configure" for doc in index.json()["docs"])
    entity = docs_client.get("/api/techdocs/metadata/entity/default/component/widgets").json()
    assert entity["locationMetadata"]["type"] == "file"


def test_an_entity_without_docs_answers_404(docs_client: TestClient) -> None:
    assert docs_client.get(
        "/api/techdocs/metadata/techdocs/default/component/nope"
    ).status_code == (404)
    assert docs_client.get("/docs/default/component/nope/").status_code == 404


def test_the_entity_page_has_a_docs_tab_saying_when_it_was_built(
    docs_client: TestClient,
) -> None:
    html = docs_client.get("/catalog/default/component/widgets").text
    assert f'href="{DOCS}" data-testid="docs-tab"' in html
    assert "Built just now" in html or "minute" in html
    status = docs_client.get(DOCS).text
    assert "from source " in status


def test_the_docs_page_lists_built_docs(docs_client: TestClient) -> None:
    html = docs_client.get("/docs").text
    assert f'href="{DOCS}"' in html


def _guest_joins_team_a(runtime: Runtime, folder: Path) -> None:
    """Make the guest a member of team-a, the owner of the docs site (techdocs.build)."""
    org = folder / "org.yaml"
    org.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: team-a}\n"
        "spec: {type: team, children: []}\n---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: User\nmetadata: {name: guest}\n"
        "spec: {memberOf: [team-a]}\n",
        encoding="utf-8",
    )
    runtime.catalog.add_location("file", str(org))


def test_rebuild_is_refused_to_who_does_not_own_the_entity(
    docs_portal: tuple[TestClient, Runtime],
) -> None:
    client, _ = docs_portal
    token = csrf_from(client.get(DOCS).text)
    assert 'data-denied="techdocs.build"' in client.get(DOCS).text
    response = client.post(DOCS + "-/rebuild", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 403
    assert response.json()["error"]["permission"] == "techdocs.build"


def test_rebuild_queues_a_forced_build(
    docs_portal: tuple[TestClient, Runtime], tmp_path: Path
) -> None:
    client, runtime = docs_portal
    _guest_joins_team_a(runtime, tmp_path)
    first = runtime.techdocs.status(KEY)
    token = csrf_from(client.get(DOCS).text)
    response = client.post(DOCS + "-/rebuild", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        again = runtime.techdocs.status(KEY)
        if again is not None and first is not None and again.built_at != first.built_at:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the forced build did not run")


def test_search_api_answers_in_backstages_shape_for_catalog_and_docs(
    docs_client: TestClient,
) -> None:
    body = docs_client.get("/api/search/query", params={"term": "widgets"}).json()
    types = {result["type"] for result in body["results"]}
    assert types == {"software-catalog"}
    (catalog,) = body["results"]
    assert catalog["document"]["location"] == "/catalog/default/component/widgets"
    docs = docs_client.get("/api/search/query", params={"term": "quokkaflux"}).json()
    (hit,) = docs["results"]
    assert hit["type"] == "techdocs"
    assert hit["document"]["location"] == DOCS + "guide/#getting-started"
    assert set(hit["document"]) >= {"title", "text", "location"}


def test_search_api_filters_by_type_and_pages(docs_client: TestClient) -> None:
    only_docs = docs_client.get(
        "/api/search/query", params={"term": "widget", "types[0]": "techdocs"}
    ).json()
    assert only_docs["results"] and {r["type"] for r in only_docs["results"]} == {"techdocs"}
    first = docs_client.get("/api/search/query", params={"term": "widget", "pageLimit": 1}).json()
    assert len(first["results"]) == 1 and first["nextPageCursor"]
    second = docs_client.get(
        "/api/search/query",
        params={"term": "widget", "pageLimit": 1, "pageCursor": first["nextPageCursor"]},
    ).json()
    assert second["results"][0] != first["results"][0]
    assert second["previousPageCursor"]
    bad = docs_client.get("/api/search/query", params={"term": "x", "types": "nonsense"})
    assert bad.status_code == 400
    assert docs_client.get("/api/search/query", params={"pageCursor": "!!"}).status_code == 400


def test_the_catalog_search_box_finds_the_component_by_a_word_of_its_docs(
    docs_client: TestClient,
) -> None:
    html = docs_client.get("/catalog", params={"q": "quokkaflux"}).text
    assert 'data-testid="doc-hits"' in html
    assert f'href="{DOCS}guide/#getting-started"' in html
