"""GitHub OAuth sign-in (authlib) and resolving the GitHub user to a catalog User by email.

Follows GitHub's web application flow: redirect to ``/login/oauth/authorize`` with a
random ``state``; on the callback exchange ``code`` at ``/login/oauth/access_token``; read
``GET /user`` and ``GET /user/emails`` with the access token. The catalog User whose
``spec.profile.email`` equals one of the user's verified addresses is the one signed in
(Backstage's ``emailMatchingUserEntityProfileEmail`` resolver).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import authlib.deprecate  # type: ignore[import-untyped]
import httpx

from goldpath.config import GitHubAuthSettings
from goldpath.web.auth.errors import GitHubSignInError

with warnings.catch_warnings():
    # authlib prefers the httpx2 fork and warns when it falls back to httpx, which we use.
    warnings.simplefilter("ignore", authlib.deprecate.AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]
        AsyncOAuth2Client,
        OAuthError,
    )

__all__ = ["GITHUB_SCOPES", "GitHubOAuth", "GitHubUser"]

GITHUB_SCOPES = "read:user user:email"
_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class GitHubUser:
    """The GitHub account that signed in: login, display name, verified emails (primary first)."""

    login: str
    name: str | None
    emails: tuple[str, ...]


def _verified_emails(profile: dict[str, Any], listed: object) -> tuple[str, ...]:
    ordered: list[str] = []
    if isinstance(listed, list):
        entries = [e for e in listed if isinstance(e, dict) and e.get("verified") is True]
        entries.sort(key=lambda e: e.get("primary") is not True)
        ordered.extend(str(e["email"]) for e in entries if isinstance(e.get("email"), str))
    public = profile.get("email")
    # The profile's public email is only trusted when /user/emails could not be listed.
    if not ordered and isinstance(public, str) and public:
        ordered.append(public)
    seen: dict[str, None] = {}
    for email in ordered:
        seen.setdefault(email.strip().lower(), None)
    return tuple(seen)


class GitHubOAuth:
    """One GitHub OAuth application: builds the authorize URL and redeems callback codes."""

    def __init__(
        self,
        config: GitHubAuthSettings,
        *,
        redirect_uri: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._config = config
        self.redirect_uri = redirect_uri
        self._transport = transport

    @property
    def configured(self) -> bool:
        """Whether a client id and secret are set."""
        secret = self._config.client_secret
        return bool(
            (self._config.client_id or "").strip()
            and secret is not None
            and secret.get_secret_value().strip()
        )

    def _client(self) -> AsyncOAuth2Client:
        secret = self._config.client_secret
        return AsyncOAuth2Client(
            client_id=self._config.client_id,
            client_secret=secret.get_secret_value() if secret is not None else None,
            scope=GITHUB_SCOPES,
            redirect_uri=self.redirect_uri,
            token_endpoint_auth_method="client_secret_post",
            transport=self._transport,
            timeout=_TIMEOUT_SECONDS,
        )

    def authorization_url(self, state: str) -> str:
        """Where to send the browser to ask GitHub for consent."""
        client = self._client()
        url, _ = client.create_authorization_url(self._config.authorize_url, state=state)
        return str(url)

    async def user_for_code(self, code: str) -> GitHubUser:
        """Redeem a callback code and read who the user is; GitHubSignInError on failure."""
        api = self._config.api_base_url.rstrip("/") + "/"
        async with self._client() as client:
            try:
                token = await client.fetch_token(self._config.access_token_url, code=code)
            except OAuthError as exc:
                raise GitHubSignInError(
                    f"GitHub refused the sign-in code: {exc.error}", error=exc.error
                ) from exc
            except httpx.HTTPError as exc:
                raise GitHubSignInError(
                    f"cannot reach GitHub's token endpoint: {type(exc).__name__}"
                ) from exc
            if not token.get("access_token"):
                raise GitHubSignInError("GitHub answered the code exchange without a token")
            headers = {"Accept": "application/vnd.github+json"}
            try:
                user = await client.get(api + "user", headers=headers)
                emails = await client.get(api + "user/emails", headers=headers)
            except httpx.HTTPError as exc:
                raise GitHubSignInError(
                    f"cannot reach GitHub's user API: {type(exc).__name__}"
                ) from exc
        if user.status_code != 200:
            raise GitHubSignInError(
                f"GitHub's GET /user answered {user.status_code}", status=user.status_code
            )
        profile = user.json()
        if not isinstance(profile, dict) or not isinstance(profile.get("login"), str):
            raise GitHubSignInError("GitHub's GET /user answered without a login")
        listed = emails.json() if emails.status_code == 200 else None
        name = profile.get("name")
        return GitHubUser(
            login=profile["login"],
            name=name if isinstance(name, str) and name else None,
            emails=_verified_emails(profile, listed),
        )
