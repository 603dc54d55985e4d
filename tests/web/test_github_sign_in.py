"""GitHub OAuth sign-in (production) against a fake GitHub, resolving catalog Users by email."""

from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from tests.web.conftest import PRODUCTION_URL
from tests.web.fake_github import CLIENT_ID, CLIENT_SECRET, FakeGitHub

from goldpath.runtime import Runtime
from goldpath.web.auth import GITHUB_SCOPES, GitHubOAuth


@pytest.fixture
def github(prod_portal: tuple[TestClient, Runtime]) -> FakeGitHub:
    """A fake GitHub wired into the production portal."""
    client, runtime = prod_portal
    fake = FakeGitHub(
        emails=[{"email": "ada@example.com", "primary": True, "verified": True, "visibility": None}]
    )
    client.app.state.github_oauth = GitHubOAuth(  # type: ignore[attr-defined]
        runtime.settings.auth.github,
        redirect_uri=PRODUCTION_URL + "/auth/github/callback",
        transport=fake.transport(),
    )
    return fake


@pytest.fixture
def prod_client(prod_portal: tuple[TestClient, Runtime]) -> TestClient:
    """The production client, not signed in."""
    return prod_portal[0]


def _start(client: TestClient, next_path: str = "/catalog") -> dict[str, str]:
    response = client.get(f"/auth/github/login?next={next_path}", follow_redirects=False)
    assert response.status_code == 302
    location = urlsplit(response.headers["location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == (
        "https://github.com/login/oauth/authorize"
    )
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def _sign_in(client: TestClient, github: FakeGitHub) -> TestClient:
    params = _start(client)
    code = github.consent(params["redirect_uri"])
    response = client.get(
        "/auth/github/callback",
        params={"code": code, "state": params["state"]},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return client


def test_login_redirects_to_github_with_client_id_scopes_state_and_callback(
    prod_client: TestClient, github: FakeGitHub
) -> None:
    params = _start(prod_client)
    assert params["client_id"] == CLIENT_ID
    assert params["redirect_uri"] == PRODUCTION_URL + "/auth/github/callback"
    assert params["scope"] == GITHUB_SCOPES
    assert len(params["state"]) >= 20
    assert params["response_type"] == "code"


def test_github_user_signs_in_as_the_catalog_user_with_that_email(
    prod_client: TestClient, github: FakeGitHub
) -> None:
    params = _start(prod_client, "/catalog?kind=api")
    code = github.consent(params["redirect_uri"])
    response = prod_client.get(
        "/auth/github/callback",
        params={"code": code, "state": params["state"]},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/catalog?kind=api"
    page = prod_client.get("/")
    assert 'data-testid="signed-in-as">Ada Lovelace<' in page.text
    assert "user:default/ada" in page.text


def test_the_code_exchange_sends_what_github_documents(
    prod_client: TestClient, github: FakeGitHub
) -> None:
    _sign_in(prod_client, github)
    [form] = github.token_requests
    assert form["client_id"] == [CLIENT_ID]
    assert form["client_secret"] == [CLIENT_SECRET]
    assert form["redirect_uri"] == [PRODUCTION_URL + "/auth/github/callback"]
    assert "code" in form
    assert github.calls[-2:] == ["GET api.github.com/user", "GET api.github.com/user/emails"]


def test_email_matching_ignores_case(prod_client: TestClient, github: FakeGitHub) -> None:
    github.emails = [{"email": "Ada@Example.COM", "primary": True, "verified": True}]
    _sign_in(prod_client, github)
    assert "user:default/ada" in prod_client.get("/").text


def test_a_verified_secondary_email_is_used_when_the_primary_matches_no_one(
    prod_client: TestClient, github: FakeGitHub
) -> None:
    github.emails = [
        {"email": "octo@users.example", "primary": True, "verified": True},
        {"email": "grace@example.com", "primary": False, "verified": True},
    ]
    _sign_in(prod_client, github)
    assert "user:default/grace" in prod_client.get("/").text


def test_an_unverified_email_signs_no_one_in(prod_client: TestClient, github: FakeGitHub) -> None:
    github.emails = [{"email": "ada@example.com", "primary": True, "verified": False}]
    params = _start(prod_client)
    code = github.consent(params["redirect_uri"])
    response = prod_client.get(
        "/auth/github/callback",
        params={"code": code, "state": params["state"]},
        headers={"accept": "text/html"},
    )
    assert response.status_code == 403
    assert "no catalog User" in response.text
    assert 'data-testid="error-page"' in response.text
    assert prod_client.get("/catalog", follow_redirects=False).status_code == 303


def test_a_callback_with_another_state_is_refused(
    prod_client: TestClient, github: FakeGitHub
) -> None:
    params = _start(prod_client)
    code = github.consent(params["redirect_uri"])
    response = prod_client.get("/auth/github/callback", params={"code": code, "state": "forged"})
    assert response.status_code == 403
    assert response.json()["error"]["name"] == "SignInRefusedError"
    assert github.token_requests == []


def test_a_callback_that_did_not_start_here_is_refused(
    prod_client: TestClient, github: FakeGitHub
) -> None:
    code = github.consent(PRODUCTION_URL + "/auth/github/callback")
    response = prod_client.get("/auth/github/callback", params={"code": code, "state": "anything"})
    assert response.status_code == 403


def test_a_user_who_declines_on_github_sees_why(
    prod_client: TestClient, github: FakeGitHub
) -> None:
    params = _start(prod_client)
    response = prod_client.get(
        "/auth/github/callback",
        params={
            "error": "access_denied",
            "error_description": "The user has denied your application access.",
            "state": params["state"],
        },
    )
    assert response.status_code == 403
    assert "denied your application access" in response.json()["error"]["message"]


def test_a_bad_code_is_a_provider_error_without_secrets(
    prod_client: TestClient, github: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    params = _start(prod_client)
    response = prod_client.get(
        "/auth/github/callback", params={"code": "wrong", "state": params["state"]}
    )
    assert response.status_code == 502
    body = response.json()["error"]
    assert body["name"] == "GitHubSignInError"
    assert "bad_verification_code" in body["message"]
    assert CLIENT_SECRET not in response.text
    assert CLIENT_SECRET not in caplog.text


def test_no_secret_or_access_token_reaches_the_logs(
    prod_client: TestClient, github: FakeGitHub, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    _sign_in(prod_client, github)
    [token] = github.tokens
    assert CLIENT_SECRET not in caplog.text
    assert token not in caplog.text


def test_github_sign_in_is_unavailable_when_not_configured(
    portal: tuple[TestClient, Runtime],
) -> None:
    response = portal[0].get("/auth/github/login")
    assert response.status_code == 403
    assert response.json()["error"]["name"] == "SignInMethodUnavailableError"
