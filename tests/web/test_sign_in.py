"""Development sign-in: guest, sessions, sign-out, CSRF on forms and on page JavaScript calls."""

from __future__ import annotations

import string

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.web.conftest import GUEST_OWNS, csrf_from, sign_in_guest

from goldpath.web.auth import SESSION_COOKIE


def test_pages_send_visitors_without_a_session_to_sign_in(client: TestClient) -> None:
    response = client.get("/catalog", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/catalog"


def test_sign_in_page_offers_guest_in_development(client: TestClient) -> None:
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert "Continue as guest" in page.text
    assert "Sign in with GitHub" not in page.text


def test_guest_sign_in_continues_to_the_requested_page(client: TestClient) -> None:
    page = client.get("/sign-in?next=/catalog%3Fkind%3Dapi")
    response = client.post(
        "/auth/guest",
        data={"csrf_token": csrf_from(page.text), "next": "/catalog?kind=api"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/catalog?kind=api"
    home = client.get("/")
    assert 'data-testid="signed-in-as">Guest<' in home.text


def test_guest_sign_in_never_continues_off_site(client: TestClient) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/auth/guest",
        data={"csrf_token": csrf_from(page.text), "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_guest_sign_in_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/sign-in")
    response = client.post("/auth/guest", data={"next": "/"}, headers={"accept": "text/html"})
    assert response.status_code == 403
    assert 'data-testid="error-page"' in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_sign_in_replaces_the_csrf_token(client: TestClient) -> None:
    before = csrf_from(client.get("/sign-in").text)
    sign_in_guest(client)
    after = csrf_from(client.get("/").text)
    assert before != after


def test_sign_out_ends_the_session(guest: TestClient) -> None:
    token = csrf_from(guest.get("/").text)
    response = guest.post("/sign-out", data={"csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?signed_out=1"
    assert "You are signed out" in guest.get("/sign-in?signed_out=1").text
    assert guest.get("/catalog", follow_redirects=False).status_code == 303


def test_sign_out_without_csrf_token_is_refused(guest: TestClient) -> None:
    response = guest.post("/sign-out", data={}, headers={"accept": "text/html"})
    assert response.status_code == 403
    assert guest.get("/catalog", follow_redirects=False).status_code == 200


def test_a_forged_session_cookie_signs_no_one_in(client: TestClient) -> None:
    client.cookies.set(SESSION_COOKIE, "eyJ1c2VyIjp7InJlZiI6InVzZXI6ZGVmYXVsdC9hZGEifX0=.x.y")
    assert client.get("/catalog", follow_redirects=False).status_code == 303


def test_the_api_serves_the_implicit_guest_in_development(client: TestClient) -> None:
    response = client.get("/api/catalog/entities/by-name/user/default/guest")
    assert response.status_code == 200


def test_api_writes_on_a_session_need_the_csrf_header(guest: TestClient) -> None:
    refused = guest.post("/api/catalog/refresh", json={"entityRef": GUEST_OWNS})
    assert refused.status_code == 403
    assert refused.json()["error"]["name"] == "CsrfError"
    token = csrf_from(guest.get("/").text)
    allowed = guest.post(
        "/api/catalog/refresh", json={"entityRef": GUEST_OWNS}, headers={"X-CSRF-Token": token}
    )
    assert allowed.status_code in (200, 204)


def test_a_csrf_token_from_another_session_is_refused(guest: TestClient) -> None:
    token = csrf_from(guest.get("/").text)
    other = TestClient(guest.app)
    sign_in_guest(other)
    response = other.post(
        "/api/catalog/refresh", json={"entityRef": GUEST_OWNS}, headers={"X-CSRF-Token": token}
    )
    assert response.status_code == 403


def test_multipart_forms_are_checked_too(guest: TestClient) -> None:
    token = csrf_from(guest.get("/settings/tokens").text)
    refused = guest.post("/settings/tokens", files={"name": (None, "cli")})
    assert refused.status_code == 403
    allowed = guest.post(
        "/settings/tokens", files={"name": (None, "cli"), "csrf_token": (None, token)}
    )
    assert allowed.status_code == 200
    assert "gp_" in allowed.text


# Refused requests change nothing, so one signed-in client serves every example.
@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(alphabet=string.ascii_letters + string.digits + "-_", min_size=1, max_size=64))
def test_any_token_but_the_sessions_own_is_refused(guest: TestClient, presented: str) -> None:
    expected = csrf_from(guest.get("/settings/tokens").text)
    response = guest.post(
        "/api/catalog/refresh", json={"entityRef": GUEST_OWNS}, headers={"X-CSRF-Token": presented}
    )
    assert (response.status_code == 403) == (presented != expected)
