"""Permissions in a real browser: greyed-out buttons carry their reason; owners act for real."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_another_teams_delete_is_disabled_and_says_why_on_hover(
    guest_page: Any, live_server: LiveServer
) -> None:
    guest_page.goto(live_server.url("/catalog/default/component/payments-service"))
    actions = guest_page.get_by_test_id("entity-actions")
    delete = actions.get_by_role("button", name=re.compile(r"^Delete"))
    assert delete.is_disabled()
    guard = actions.locator('[data-denied="catalog.entity.delete"]')
    title = guard.get_attribute("title")
    assert title is not None
    assert "group:default/payments-team" in title and "(catalog.entity.delete)" in title
    # the reason is what the hover shows: it is on the element under the pointer
    box = delete.bounding_box()
    assert box is not None
    under_pointer = guest_page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('[title]').getAttribute('title')",
        [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2],
    )
    assert under_pointer == title


def test_an_owner_deletes_its_teams_entity_after_confirming(
    guest_page: Any, live_server: LiveServer
) -> None:
    guest_page.goto(live_server.url("/catalog/default/component/web-storefront"))
    guest_page.once("dialog", lambda dialog: dialog.accept())
    guest_page.get_by_test_id("entity-actions").get_by_role("button", name="Delete").click()
    guest_page.wait_for_url(re.compile(r"/catalog\?deleted="))
    assert "component:default/web-storefront" in guest_page.get_by_test_id(
        "entity-deleted"
    ).inner_text()
