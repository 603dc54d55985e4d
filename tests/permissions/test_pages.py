"""The portal hides or disables what the signed-in user may not do, and says why on hover."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from goldpath.config import Settings
from tests.permissions.conftest import GRACE, Demo
from tests.web.conftest import csrf_from, make_client, sign_in_guest, with_admin_groups


@pytest.fixture
def guest(demo: Demo) -> TestClient:
    """The demo portal signed in as the development guest (a storefront-team member)."""
    sign_in_guest(demo.client)
    return demo.client


@pytest.fixture
def admin_guest(settings: Settings) -> Iterator[TestClient]:
    """The demo portal where the storefront team are the platform admins, as the guest."""
    admins = with_admin_groups(settings, "group:default/storefront-team")
    for client, _runtime in make_client(admins, seed=True):
        sign_in_guest(client)
        yield client


def _button(html: str, action: str) -> str:
    """What the entity page's form for an action (delete, refresh) shows after its CSRF field."""
    match = re.search(rf'action="[^"]*/{action}"[^>]*>\s*<input[^>]*>(.*?)</form>', html, re.S)
    assert match is not None, f"no {action} form"
    return match.group(1).strip()


def test_another_teams_entity_shows_delete_and_refresh_disabled_with_the_reason(
    guest: TestClient,
) -> None:
    html = guest.get("/catalog/default/component/payments-service").text
    delete = _button(html, "delete")
    assert "disabled" in delete and 'data-denied="catalog.entity.delete"' in delete
    assert "group:default/payments-team" in delete and "(catalog.entity.delete)." in delete
    assert "disabled" in _button(html, "refresh")


def test_the_teams_own_entity_offers_delete_and_refresh(guest: TestClient) -> None:
    html = guest.get("/catalog/default/component/web-storefront").text
    assert _button(html, "delete") == '<button type="submit" class="btn btn-danger">Delete</button>'
    assert "disabled" not in _button(html, "refresh")


def test_deleting_from_the_entity_page_is_refused_for_another_teams_entity(
    guest: TestClient,
) -> None:
    page = guest.get("/catalog/default/component/payments-service")
    refused = guest.post(
        "/catalog/default/component/payments-service/delete",
        data={"csrf_token": csrf_from(page.text)},
        headers={"accept": "text/html"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert "You cannot do that" in refused.text and "catalog.entity.delete" in refused.text
    assert guest.get("/api/catalog/entities/by-name/component/default/payments-service").is_success


def test_an_owner_deletes_and_refreshes_from_the_entity_page(guest: TestClient) -> None:
    page = guest.get("/catalog/default/component/web-storefront")
    token = csrf_from(page.text)
    refreshed = guest.post(
        "/catalog/default/component/web-storefront/refresh",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert refreshed.status_code == 303
    assert refreshed.headers["location"] == "/catalog/default/component/web-storefront?refreshed=1"
    deleted = guest.post(
        "/catalog/default/component/web-storefront/delete",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert deleted.status_code == 303
    notice = guest.get(deleted.headers["location"]).text
    assert "Deleted <code>component:default/web-storefront</code>" in notice


def test_the_audit_page_is_for_admins_and_only_they_see_it_in_the_navigation(
    guest: TestClient, admin_guest: TestClient
) -> None:
    assert 'href="/audit"' not in guest.get("/").text
    refused = guest.get("/audit", headers={"accept": "text/html"})
    assert refused.status_code == 403 and "audit.read" in refused.text
    assert 'href="/audit"' in admin_guest.get("/").text
    assert admin_guest.get("/audit").status_code == 200


def test_the_audit_page_lists_decisions_and_filters_them(admin_guest: TestClient) -> None:
    token_page = admin_guest.get("/settings/tokens")
    admin_guest.post(
        "/settings/tokens", data={"name": "audited", "csrf_token": csrf_from(token_page.text)}
    )
    html = admin_guest.get("/audit", params={"permission": "token.*"}).text
    assert 'data-testid="audit-table"' in html
    assert "token.create" in html and "default:admins" in html
    empty = admin_guest.get("/audit", params={"actor": "user:default/nobody"}).text
    assert "Nothing matches" in empty
    bad = admin_guest.get("/audit", params={"since": "yesterday"})
    assert bad.status_code == 422 and "use a date like" in bad.text


def test_the_create_page_leaves_out_templates_restricted_to_other_teams(
    guest: TestClient, admin_guest: TestClient
) -> None:
    assert "Register an existing component" not in guest.get("/create").text
    assert "Node.js service" in guest.get("/create").text
    refused = guest.get("/create/templates/default/register-component")
    assert refused.status_code == 403
    assert "Register an existing component" in admin_guest.get("/create").text


def test_another_users_task_is_listed_without_a_link_and_its_page_is_refused(
    demo: Demo, guest: TestClient
) -> None:
    values = {"name": "page-task", "description": "d", "owner": "payments-team"}
    created = demo.client.post(
        "/api/scaffolder/v2/tasks",
        json={"templateRef": "template:default/nodejs-service", "values": values},
        headers=demo.token(GRACE),
    )
    task_id = created.json()["id"]
    listing = guest.get("/create/tasks", params={"owner": "all"}).text
    assert f'href="/create/tasks/{task_id}"' not in listing
    assert 'data-denied="scaffolder.task.read"' in listing
    assert guest.get(f"/create/tasks/{task_id}").status_code == 403
    # nor can its values be copied into the form ("Try again")
    again = guest.get("/create/templates/default/nodejs-service", params={"from_task": task_id})
    assert again.status_code == 403


def test_the_guests_own_task_page_offers_cancel(demo: Demo, guest: TestClient) -> None:
    values = {"name": "mine-task", "description": "d", "owner": "storefront-team"}
    page = guest.get("/create/templates/default/nodejs-service")
    created = guest.post(
        "/api/scaffolder/v2/tasks",
        json={"templateRef": "template:default/nodejs-service", "values": values},
        headers={"X-CSRF-Token": csrf_from(page.text)},
    )
    assert created.status_code == 201, created.text
    html = guest.get(f"/create/tasks/{created.json()['id']}").text
    assert '<button type="submit" class="btn btn-danger" data-gp-cancel="">Cancel</button>' in html
