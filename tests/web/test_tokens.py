"""Personal API tokens: issued once, stored hashed, verified, revoked; and their page."""

from __future__ import annotations

import string

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from tests.web.conftest import GUEST_OWNS, csrf_from

from goldpath.db import Database
from goldpath.errors import InvalidInputError
from goldpath.web.auth import (
    InvalidTokenError,
    TokenNotFoundError,
    TokenStore,
    hash_secret,
    parse_token,
)
from goldpath.web.auth._tables import ApiTokenRow

ADA = "user:default/ada"


@pytest.fixture
def store(any_database: Database) -> TokenStore:
    return TokenStore(any_database)


def test_an_issued_token_verifies_as_its_owner(store: TokenStore) -> None:
    issued = store.issue(ADA, "laptop")
    token = store.verify(issued.plaintext)
    assert token.user_ref == ADA
    assert token.id == issued.token.id
    assert token.last_used_at is not None


def test_the_secret_is_stored_only_as_its_sha256(store: TokenStore, any_database: Database) -> None:
    issued = store.issue(ADA, "laptop")
    secret = issued.plaintext[len("gp_") + 16 + 1 :]
    with any_database.session() as session:
        row = session.scalars(select(ApiTokenRow)).one()
        stored = [str(getattr(row, column.key)) for column in ApiTokenRow.__table__.columns]
    assert row.secret_sha256 == hash_secret(secret)
    assert not any(secret in value for value in stored)


def test_tokens_are_listed_for_their_owner_only(store: TokenStore) -> None:
    store.issue(ADA, "one")
    store.issue(ADA, "two")
    store.issue("user:default/grace", "other")
    assert sorted(t.name for t in store.list_for(ADA)) == ["one", "two"]


def test_revoking_a_token_makes_it_fail_verification(store: TokenStore) -> None:
    issued = store.issue(ADA, "laptop")
    store.revoke(ADA, issued.token.id)
    with pytest.raises(InvalidTokenError):
        store.verify(issued.plaintext)


def test_no_one_can_revoke_another_users_token(store: TokenStore) -> None:
    issued = store.issue(ADA, "laptop")
    with pytest.raises(TokenNotFoundError):
        store.revoke("user:default/grace", issued.token.id)
    assert store.verify(issued.plaintext).user_ref == ADA


@pytest.mark.parametrize(
    ("name", "rule"), [("", "required"), ("   ", "required"), ("x" * 101, "maxLength")]
)
def test_a_token_name_breaking_a_rule_names_the_field(
    store: TokenStore, name: str, rule: str
) -> None:
    with pytest.raises(InvalidInputError) as caught:
        store.issue(ADA, name)
    [problem] = caught.value.errors
    assert (problem.field, problem.rule) == ("name", rule)


# Each example issues its own token, so sharing the database across examples is fine.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    position=st.integers(min_value=3, max_value=62),
    replacement=st.sampled_from(string.ascii_letters + string.digits + "-_"),
)
def test_any_altered_token_is_refused(database: Database, position: int, replacement: str) -> None:
    store = TokenStore(database)
    issued = store.issue(ADA, "laptop")
    original = issued.plaintext
    altered = original[:position] + replacement + original[position + 1 :]
    if altered == original:
        return
    with pytest.raises(InvalidTokenError):
        store.verify(altered)


@given(st.text(max_size=120))
def test_anything_that_is_not_a_token_is_refused_by_the_parser(text: str) -> None:
    try:
        token_id, secret = parse_token(text)
    except InvalidTokenError:
        return
    assert text.strip() == f"gp_{token_id}_{secret}"
    assert len(token_id) == 16 and len(secret) == 43


def test_tokens_page_creates_shows_once_and_revokes(guest: TestClient) -> None:
    page = guest.get("/settings/tokens")
    assert "No tokens yet" in page.text
    created = guest.post(
        "/settings/tokens", data={"csrf_token": csrf_from(page.text), "name": "ci runner"}
    )
    assert created.status_code == 200
    assert created.headers["cache-control"] == "no-store"
    plaintext = created.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    assert plaintext.startswith("gp_")
    listed = guest.get("/settings/tokens")
    assert "ci runner" in listed.text
    assert plaintext not in listed.text
    token_id = plaintext[3:19]
    revoked = guest.post(
        f"/settings/tokens/{token_id}/revoke",
        data={"csrf_token": csrf_from(listed.text)},
        follow_redirects=False,
    )
    assert revoked.status_code == 303
    assert "ci runner" not in guest.get("/settings/tokens").text


def test_a_token_from_the_page_works_on_the_api_without_a_session(guest: TestClient) -> None:
    page = guest.get("/settings/tokens")
    created = guest.post("/settings/tokens", data={"csrf_token": csrf_from(page.text), "name": "x"})
    plaintext = created.text.split('id="new-token">', 1)[1].split("<", 1)[0]
    bare = TestClient(guest.app)
    response = bare.post(
        "/api/catalog/refresh",
        json={"entityRef": GUEST_OWNS},
        headers={"Authorization": f"Bearer {plaintext}"},
    )
    assert response.status_code in (200, 204)


def test_the_tokens_page_shows_a_naming_error(guest: TestClient) -> None:
    page = guest.get("/settings/tokens")
    response = guest.post(
        "/settings/tokens", data={"csrf_token": csrf_from(page.text), "name": " "}
    )
    assert response.status_code == 422
    assert "give the token a name" in response.text
