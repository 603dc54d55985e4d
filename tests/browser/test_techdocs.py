"""A built TechDocs site inside the portal, in chromium: nav, contents, links, images."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, run_live_server, sign_in_as_guest
from tests.techdocs._sites import wait_for_docs, write_docs_site

pytestmark = pytest.mark.browser

REF = "component:default/widgets"


@pytest.fixture(scope="module")
def docs_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A portal whose catalog has one component with a two-page docs site, built."""
    root = tmp_path_factory.mktemp("techdocs-browser")
    with run_live_server(root / "home", seed=False) as server:
        catalog = write_docs_site(root / "widgets")
        server.runtime.catalog.add_location("file", str(catalog))
        wait_for_docs(server.runtime, REF)
        status = server.runtime.techdocs.status(REF)
        assert status is not None and status.status == "built", status
        yield server


def test_docs_tab_opens_the_built_site_inside_the_portal(
    page: Any, docs_server: LiveServer
) -> None:
    sign_in_as_guest(page, docs_server, "/catalog/default/component/widgets")
    page.get_by_test_id("docs-tab").click()
    page.wait_for_url(docs_server.url("/docs/default/component/widgets/"))
    content = page.get_by_test_id("docs-content")
    assert content.locator("h1").inner_text().startswith("Widget service")
    # the portal's own layout is around the page: its sidebar and the site's navigation
    assert page.locator(".sidebar .nav-link.active").inner_text().strip() == "Docs"
    nav = page.get_by_test_id("docs-nav")
    assert nav.get_by_role("link").all_inner_texts() == ["Overview", "Guide"]
    assert page.get_by_test_id("docs-status").inner_text().startswith("Built ")
    image = content.locator("img[alt=diagram]")
    assert image.evaluate("img => img.complete && img.naturalWidth") == 2


def test_links_between_pages_and_the_table_of_contents_work(
    page: Any, docs_server: LiveServer
) -> None:
    sign_in_as_guest(page, docs_server, "/docs/default/component/widgets/")
    page.get_by_test_id("docs-content").get_by_role("link", name="guide").click()
    page.wait_for_url(docs_server.url("/docs/default/component/widgets/guide/"))
    assert (
        page.get_by_test_id("docs-content").locator("h1").inner_text().startswith("Getting started")
    )
    assert page.locator(".docs-nav a.current").inner_text() == "Guide"
    page.locator(".docs-toc").get_by_role("link", name="Configure").click()
    page.wait_for_url(docs_server.url("/docs/default/component/widgets/guide/#configure"))
    page.get_by_test_id("docs-content").get_by_role("link", name="overview").click()
    page.wait_for_url(docs_server.url("/docs/default/component/widgets/"))


def test_searching_a_word_of_the_docs_links_to_its_section(
    page: Any, docs_server: LiveServer
) -> None:
    sign_in_as_guest(page, docs_server, "/catalog")
    page.fill("#catalog-search", "quokkaflux")
    page.press("#catalog-search", "Enter")
    hits = page.get_by_test_id("doc-hits")
    hits.get_by_role("link").first.click()
    page.wait_for_url(docs_server.url("/docs/default/component/widgets/guide/#getting-started"))
    assert "quokkaflux" in page.get_by_test_id("docs-content").inner_text()
