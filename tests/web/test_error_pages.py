"""Error pages in the portal's look for browsers; Backstage's JSON error shape for the API."""

from __future__ import annotations

from fastapi.testclient import TestClient

from goldpath.errors import PermissionDeniedError


def test_an_unknown_page_is_a_404_page(guest: TestClient) -> None:
    response = guest.get("/no/such/page", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert 'data-testid="error-page"' in response.text
    assert "Nothing here" in response.text
    assert "There is no page at /no/such/page." in response.text


def test_the_api_keeps_json_errors(guest: TestClient) -> None:
    response = guest.get("/api/no-such-thing", headers={"accept": "text/html"})
    assert response.status_code == 404
    body = response.json()
    assert body["error"]["name"] == "NotFoundError"
    assert body["response"]["statusCode"] == 404


def test_a_refused_action_is_a_403_page(guest: TestClient) -> None:
    def refuse() -> None:
        raise PermissionDeniedError("only the platform team may do that")

    guest.app.add_api_route("/refuse-for-test", refuse)  # type: ignore[attr-defined]
    response = guest.get("/refuse-for-test", headers={"accept": "text/html"})
    assert response.status_code == 403
    assert "You cannot do that" in response.text
    assert "only the platform team may do that" in response.text


def test_a_crash_is_a_500_page_that_hides_the_details(guest: TestClient) -> None:
    def crash() -> None:
        raise RuntimeError("database password is hunter2")

    guest.app.add_api_route("/crash-for-test", crash)  # type: ignore[attr-defined]
    response = guest.get("/crash-for-test", headers={"accept": "text/html"})
    assert response.status_code == 500
    assert 'data-testid="error-page"' in response.text
    assert "Something went wrong" in response.text
    assert "hunter2" not in response.text


def test_an_api_crash_is_json(guest: TestClient) -> None:
    def crash() -> None:
        raise RuntimeError("secret detail")

    guest.app.add_api_route("/api/crash-for-test", crash)  # type: ignore[attr-defined]
    response = guest.get("/api/crash-for-test")
    assert response.status_code == 500
    assert response.json()["error"]["name"] == "InternalServerError"
    assert "secret detail" not in response.text
