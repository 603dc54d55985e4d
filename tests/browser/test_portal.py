"""The portal in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, sign_in_as_guest

pytestmark = pytest.mark.browser


def _row_kinds(page: Any) -> set[str]:
    return set(page.locator("[data-testid=catalog-table] tbody .badge").all_inner_texts())


def test_signing_in_as_guest_continues_to_the_requested_page(
    page: Any, live_server: LiveServer
) -> None:
    page.goto(live_server.url("/catalog"))
    page.wait_for_url(re.compile(r"/sign-in\?next=/catalog$"))
    page.get_by_test_id("guest-sign-in").click()
    page.wait_for_url(live_server.url("/catalog"))
    assert page.get_by_test_id("signed-in-as").inner_text() == "Guest"


def test_choosing_a_kind_filters_the_catalog(guest_page: Any, live_server: LiveServer) -> None:
    guest_page.goto(live_server.url("/catalog"))
    assert len(_row_kinds(guest_page)) > 1
    guest_page.select_option("#f-kind", "API")
    guest_page.wait_for_url(re.compile(r"kind=API"))
    assert _row_kinds(guest_page) == {"API"}
    assert guest_page.get_by_test_id("result-count").inner_text().startswith("2 ")


def test_searching_finds_an_entity_by_its_description(
    guest_page: Any, live_server: LiveServer
) -> None:
    guest_page.goto(live_server.url("/catalog"))
    guest_page.fill("#catalog-search", "charges cards")
    guest_page.press("#catalog-search", "Enter")
    guest_page.wait_for_url(re.compile(r"q=charges"))
    names = guest_page.locator("[data-testid=catalog-table] .entity-name").all_inner_texts()
    assert names == ["Payments service"]


def test_opening_an_entity_and_following_a_relation(
    guest_page: Any, live_server: LiveServer
) -> None:
    guest_page.goto(live_server.url("/catalog?kind=component"))
    guest_page.get_by_role("link", name="Payments service").first.click()
    guest_page.wait_for_url(live_server.url("/catalog/default/component/payments-service"))
    assert guest_page.get_by_test_id("entity-title").inner_text() == "Payments service"
    assert guest_page.get_by_test_id("relations-graph").is_visible()
    guest_page.get_by_test_id("relation-list").get_by_role("link", name="Payments team").click()
    guest_page.wait_for_url(live_server.url("/catalog/default/group/payments-team"))
    assert guest_page.get_by_test_id("entity-title").inner_text() == "Payments team"
    assert guest_page.locator("#members").get_by_text("Grace Hopper").is_visible()


def test_a_node_of_the_relations_graph_is_a_link(guest_page: Any, live_server: LiveServer) -> None:
    guest_page.goto(live_server.url("/catalog/default/component/payments-service"))
    guest_page.locator("[data-testid=relations-graph] a", has_text="Checkout").click()
    guest_page.wait_for_url(live_server.url("/catalog/default/system/checkout"))
    assert guest_page.get_by_test_id("entity-title").inner_text() == "Checkout"


def test_raw_yaml_opens_on_request(guest_page: Any, live_server: LiveServer) -> None:
    guest_page.goto(live_server.url("/catalog/default/api/orders-api"))
    yaml_block = guest_page.get_by_test_id("entity-yaml")
    assert not yaml_block.locator("pre").is_visible()
    yaml_block.locator("summary").click()
    assert "kind: API" in yaml_block.locator("pre").inner_text()


def test_signing_out_returns_to_sign_in_and_closes_the_portal(
    guest_page: Any, live_server: LiveServer
) -> None:
    guest_page.goto(live_server.url("/catalog"))
    guest_page.get_by_role("button", name="Sign out").click()
    guest_page.wait_for_url(re.compile(r"/sign-in\?signed_out=1$"))
    assert guest_page.get_by_text("You are signed out.").is_visible()
    guest_page.goto(live_server.url("/catalog"))
    guest_page.wait_for_url(re.compile(r"/sign-in\?next=/catalog$"))


def test_the_menu_button_opens_navigation_on_a_narrow_screen(
    browser: Any, live_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        sign_in_as_guest(page, live_server)
        nav_link = page.locator("#sidebar").get_by_role("link", name="Catalog")
        assert not nav_link.is_visible()  # the closed menu is hidden
        page.get_by_role("button", name="Menu").click()
        nav_link.wait_for(state="visible")
        nav_link.click()
        page.wait_for_url(live_server.url("/catalog"))
        assert page.locator("[data-testid=catalog-table]").is_visible()
    finally:
        context.close()


def test_the_layout_has_no_horizontal_scroll_at_1280_pixels(
    guest_page: Any, live_server: LiveServer
) -> None:
    # every page of the navigation: a wide table scrolls inside its card, never the page
    for path in ("/", "/catalog", "/catalog/default/component/payments-service", "/create",
                 "/tasks", "/docs", "/fleet", "/scorecards", "/merge-requests",
                 "/settings/tokens"):
        guest_page.goto(live_server.url(path))
        overflow = guest_page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, path


def test_the_catalog_table_fits_its_card_at_1280_pixels(
    guest_page: Any, live_server: LiveServer
) -> None:
    guest_page.goto(live_server.url("/catalog"))
    overflow = guest_page.evaluate(
        "(() => { const w = document.querySelector('.table-wrap');"
        " return w.scrollWidth - w.clientWidth; })()"
    )
    assert overflow <= 0
    header = guest_page.locator("[data-testid=catalog-table] thead").inner_text().lower()
    assert "lifecycle" in header and "owner" in header


def test_portal_pages_load_without_console_errors(guest_page: Any, live_server: LiveServer) -> None:
    errors: list[str] = []
    guest_page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    guest_page.on("pageerror", lambda exc: errors.append(str(exc)))
    for path in (
        "/",
        "/catalog",
        "/catalog/default/group/payments-team",
        "/docs",
        "/settings/tokens",
        "/create",
    ):
        guest_page.goto(live_server.url(path))
        guest_page.wait_for_load_state("load")
    assert errors == []


def test_pages_fit_a_phone_screen_without_sideways_scrolling(
    browser: Any, live_server: LiveServer
) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = context.new_page()
        sign_in_as_guest(page, live_server)
        for path in (
            "/",
            "/catalog",
            "/catalog/default/component/payments-service",
            "/catalog/default/group/payments-team",
            "/settings/tokens",
            "/scorecards",
            "/fleet",
            "/tasks",
        ):
            page.goto(live_server.url(path))
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, path
    finally:
        context.close()
