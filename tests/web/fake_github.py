"""A fake GitHub for OAuth tests, written from GitHub's OAuth app and REST docs.

- ``GET  /login/oauth/authorize``: browser consent page (tests never fetch it; they read the
  redirect the portal sends and call the callback with the code GitHub would send).
- ``POST /login/oauth/access_token``: form fields client_id, client_secret, code,
  redirect_uri; with ``Accept: application/json`` answers ``{access_token, scope,
  token_type: "bearer"}``, or 200 with ``{error: "bad_verification_code", ...}``.
- ``GET  /user``: the profile (``login``, ``id``, ``name``, public ``email`` or null).
- ``GET  /user/emails``: ``[{email, primary, verified, visibility}]`` (needs user:email).
Both API calls need ``Authorization: Bearer <token>`` (or ``token <token>``); 401 otherwise.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import httpx

CLIENT_ID = "Iv1.test-client"
CLIENT_SECRET = "gh-client-secret-value"


@dataclass
class FakeGitHub:
    """State of the fake: the user who consents, issued codes and tokens, and every call."""

    login: str = "octocat"
    name: str | None = "The Octocat"
    public_email: str | None = None
    emails: list[dict[str, Any]] = field(default_factory=list)
    codes: dict[str, str] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)
    token_requests: list[dict[str, list[str]]] = field(default_factory=list)

    def consent(self, redirect_uri: str) -> str:
        """What GitHub does when the user presses Authorize: a one-time code."""
        code = secrets.token_hex(10)
        self.codes[code] = redirect_uri
        return code

    def transport(self) -> httpx.MockTransport:
        """An httpx transport answering like github.com and api.github.com."""
        return httpx.MockTransport(self._handle)

    def _json(self, status: int, body: Any) -> httpx.Response:
        return httpx.Response(
            status, content=json.dumps(body), headers={"content-type": "application/json"}
        )

    def _handle(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(f"{request.method} {request.url.host}{request.url.path}")
        if request.url.host == "github.com" and request.url.path == "/login/oauth/access_token":
            return self._token(request)
        if request.url.host == "api.github.com":
            scheme, _, token = request.headers.get("authorization", "").partition(" ")
            if scheme.lower() not in ("bearer", "token") or token not in self.tokens:
                return self._json(401, {"message": "Requires authentication"})
            if request.url.path == "/user":
                return self._json(
                    200,
                    {"login": self.login, "id": 1, "name": self.name, "email": self.public_email},
                )
            if request.url.path == "/user/emails":
                return self._json(200, self.emails)
        return self._json(404, {"message": "Not Found"})

    def _token(self, request: httpx.Request) -> httpx.Response:
        form = parse_qs(request.content.decode())
        self.token_requests.append(form)
        if form.get("client_id") != [CLIENT_ID] or form.get("client_secret") != [CLIENT_SECRET]:
            return self._json(200, {"error": "incorrect_client_credentials"})
        code = (form.get("code") or [""])[0]
        redirect = self.codes.pop(code, None)
        if redirect is None or form.get("redirect_uri", [redirect]) != [redirect]:
            return self._json(
                200,
                {
                    "error": "bad_verification_code",
                    "error_description": "The code passed is incorrect or expired.",
                },
            )
        token = "gho_" + secrets.token_hex(16)
        self.tokens.add(token)
        body = {"access_token": token, "scope": "read:user,user:email", "token_type": "bearer"}
        if "application/json" not in request.headers.get("accept", ""):
            # Without Accept: application/json GitHub answers form-encoded.
            return httpx.Response(
                200,
                content="&".join(f"{k}={v}" for k, v in body.items()),
                headers={"content-type": "application/x-www-form-urlencoded"},
            )
        return self._json(200, body)
