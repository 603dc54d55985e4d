"""Identity values, the GitHub-user resolver and the session key."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.config import ConfigError, load_settings
from goldpath.web.auth import (
    GitHubUser,
    Identity,
    SignInRefusedError,
    resolve_github_user,
    session_secret,
)
from goldpath.web.auth._github import _verified_emails


def _user(name: str, email: str) -> dict[str, Any]:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "User",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"profile": {"displayName": name.title(), "email": email}, "memberOf": []},
    }


@given(
    ref=st.text(min_size=1, max_size=40),
    name=st.text(max_size=40),
    email=st.none() | st.emails(),
    guest=st.booleans(),
    method=st.sampled_from(["guest", "github", "token", "implicit-guest"]),
)
def test_identities_round_trip_through_the_session(
    ref: str, name: str, email: str | None, guest: bool, method: Any
) -> None:
    identity = Identity(ref, name, email=email, is_guest=guest, method=method)
    assert Identity.from_session(identity.to_session()) == identity


@pytest.mark.parametrize(
    "data",
    [
        None,
        "user:default/ada",
        {"ref": 1, "name": "x", "guest": False, "method": "github"},
        {"ref": "u", "name": "x", "guest": "no", "method": "github"},
        {"ref": "u", "name": "x", "guest": False, "method": "root"},
    ],
)
def test_session_data_of_another_shape_is_no_identity(data: object) -> None:
    assert Identity.from_session(data) is None


def test_the_first_verified_email_with_a_catalog_user_wins() -> None:
    users = {"ada@example.com": [_user("ada", "ada@example.com")]}
    identity = resolve_github_user(
        GitHubUser("octo", None, ("nobody@example.com", "ada@example.com")),
        lambda email: users.get(email, []),
    )
    assert identity.user_ref == "user:default/ada"
    assert identity.display_name == "Ada"
    assert identity.email == "ada@example.com"
    assert identity.method == "github"


def test_two_catalog_users_with_one_email_refuse_sign_in() -> None:
    twins = [_user("ada", "ada@example.com"), _user("ada2", "ada@example.com")]
    with pytest.raises(SignInRefusedError, match="more than one catalog User"):
        resolve_github_user(GitHubUser("octo", None, ("ada@example.com",)), lambda _: twins)


def test_an_account_without_matching_email_is_refused_by_login() -> None:
    with pytest.raises(SignInRefusedError) as caught:
        resolve_github_user(GitHubUser("octo", None, ("x@example.com",)), lambda _: [])
    assert caught.value.context == {"login": "octo"}


def test_verified_emails_come_primary_first_and_unverified_never() -> None:
    listed = [
        {"email": "b@example.com", "primary": False, "verified": True},
        {"email": "x@example.com", "primary": False, "verified": False},
        {"email": "A@example.com", "primary": True, "verified": True},
    ]
    assert _verified_emails({"email": "public@example.com"}, listed) == (
        "a@example.com",
        "b@example.com",
    )


def test_the_public_profile_email_is_used_only_when_emails_cannot_be_listed() -> None:
    assert _verified_emails({"email": "public@example.com"}, None) == ("public@example.com",)


def test_development_keeps_a_generated_session_key_private_and_stable(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    first = session_secret(settings)
    assert session_secret(settings) == first
    key_file = tmp_path / "home" / "session-secret"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert len(first) >= 32


def test_production_without_a_session_key_refuses_to_build(tmp_path: Path) -> None:
    settings = load_settings(env="production", home=tmp_path)
    with pytest.raises(ConfigError, match="GOLDPATH_AUTH__SESSION_SECRET"):
        session_secret(settings)
