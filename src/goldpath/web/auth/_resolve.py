"""Resolve a GitHub account to a catalog User (Backstage's emailMatchingUserEntityProfileEmail)."""

from __future__ import annotations

from typing import Any, Protocol

from goldpath.catalog import EntityRef
from goldpath.web.auth._github import GitHubUser
from goldpath.web.auth._identity import Identity
from goldpath.web.auth.errors import SignInRefusedError

__all__ = ["UserLookup", "display_name_of", "resolve_github_user", "user_ref_of"]


class UserLookup(Protocol):
    """Finds the catalog User entities whose ``spec.profile.email`` is an address."""

    def __call__(self, email: str) -> list[dict[str, Any]]:
        """Every User entity with this profile email."""
        ...


def user_ref_of(entity: dict[str, Any]) -> str:
    """``user:<namespace>/<name>`` of a User entity, lower-cased like every ref."""
    return EntityRef.of(entity, default_kind="user").key


def display_name_of(entity: dict[str, Any]) -> str:
    """The friendliest name a User entity offers: profile display name, title, then name."""
    spec = entity.get("spec") or {}
    profile = spec.get("profile") or {} if isinstance(spec, dict) else {}
    metadata = entity.get("metadata") or {}
    for candidate in (
        profile.get("displayName") if isinstance(profile, dict) else None,
        metadata.get("title"),
        metadata.get("name"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return "unknown user"


def resolve_github_user(user: GitHubUser, lookup: UserLookup) -> Identity:
    """The catalog User matching one of the GitHub user's verified emails, primary first."""
    for email in user.emails:
        matches = lookup(email)
        if len(matches) > 1:
            raise SignInRefusedError(
                f"more than one catalog User has the email address of GitHub user "
                f"{user.login!r}; a platform admin must make it unique",
                login=user.login,
            )
        if matches:
            entity = matches[0]
            return Identity(
                user_ref=user_ref_of(entity),
                display_name=display_name_of(entity),
                email=email,
                entity=entity,
                is_guest=False,
                method="github",
            )
    raise SignInRefusedError(
        f"no catalog User has a verified email address of GitHub user {user.login!r}; ask a "
        "platform admin to set spec.profile.email on your User entity",
        login=user.login,
    )
