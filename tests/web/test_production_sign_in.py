"""Production: every page and API needs sign-in except health, sign-in and the OAuth endpoints."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Mount
from starlette.websockets import WebSocket, WebSocketDisconnect

from goldpath.runtime import Runtime
from goldpath.web.auth import PUBLIC_PATHS, TokenStore

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
OPEN_IN_PRODUCTION = frozenset(
    {"/healthz", "/readyz", "/sign-in", "/auth/github/login", "/auth/github/callback"}
)


def _concrete(path: str) -> str:
    return _PARAM.sub(lambda m: f"x-{m.group(1).lower()}", path)


def _requests(routes: list[BaseRoute], prefix: str = "") -> list[tuple[str, str]]:
    """One request per method of every route, descending into included routers.

    FastAPI >= 0.16x keeps ``include_router`` lazily (an included-router node holding the
    original router and its prefix), so the walk follows ``original_router`` when present.
    """
    found: list[tuple[str, str]] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            context = getattr(route, "include_context", None)
            found += _requests(list(inner.routes), prefix + getattr(context, "prefix", ""))
            continue
        path = getattr(route, "path", None)
        assert isinstance(path, str), route
        path = prefix + path
        if isinstance(route, Mount):
            found.append(("GET", path.rstrip("/") + "/anything"))
            continue
        methods: set[str] = getattr(route, "methods", None) or {"GET"}
        for method in sorted(methods - {"HEAD"}):
            found.append((method, _concrete(path)))
    return found


def test_the_route_walk_covers_pages_api_and_mounts(prod_app: FastAPI) -> None:
    paths = {path for _, path in _requests(list(prod_app.routes))}
    assert "/catalog" in paths
    assert any(p.startswith("/api/catalog/") for p in paths)
    assert "/static/anything" in paths
    assert len(paths) > 20


def test_every_route_refuses_callers_who_are_not_signed_in(prod_app: FastAPI) -> None:
    client = TestClient(prod_app, base_url="https://portal.goldpath.test")
    checked = 0
    for method, path in _requests(list(prod_app.routes)):
        if path in OPEN_IN_PRODUCTION or path.startswith("/static/") or path in PUBLIC_PATHS:
            continue
        response = client.request(
            method, path, headers={"accept": "text/html"}, follow_redirects=False
        )
        checked += 1
        if path.startswith(("/api/", "/git/")) or path in ("/api", "/git"):
            assert response.status_code == 401, (method, path, response.status_code)
            body = response.json()
            assert body["error"]["name"] == "SignInRequiredError", (method, path)
        else:
            assert response.status_code == 303, (method, path, response.status_code)
            assert response.headers["location"].startswith("/sign-in"), (method, path)
    assert checked > 20


def test_public_routes_answer_without_sign_in(prod_portal: tuple[TestClient, Runtime]) -> None:
    client, _ = prod_portal
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/static/portal.css").status_code == 200
    page = client.get("/sign-in")
    assert page.status_code == 200
    assert "Sign in with GitHub" in page.text
    assert "Continue as guest" not in page.text


def test_a_page_redirect_remembers_where_the_user_was_going(
    prod_portal: tuple[TestClient, Runtime],
) -> None:
    client, _ = prod_portal
    response = client.get("/catalog?kind=component", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/sign-in?next=/catalog%3Fkind%3Dcomponent"


def test_guest_sign_in_is_refused_in_production(prod_portal: tuple[TestClient, Runtime]) -> None:
    client, _ = prod_portal
    page = client.get("/sign-in")
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text)
    assert token is not None
    response = client.post("/auth/guest", data={"csrf_token": token.group(1)})
    assert response.status_code == 403
    assert response.json()["error"]["name"] == "SignInMethodUnavailableError"
    assert client.get("/catalog", follow_redirects=False).status_code == 303


def test_the_api_accepts_a_personal_token_in_production(
    prod_portal: tuple[TestClient, Runtime],
) -> None:
    client, runtime = prod_portal
    issued = TokenStore(runtime.database).issue("user:default/ada", "ci")
    headers = {"Authorization": f"Bearer {issued.plaintext}"}
    response = client.get("/api/catalog/entities/by-name/user/default/ada", headers=headers)
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "ada"


@pytest.mark.parametrize(
    "header",
    [
        "Bearer gp_0123456789abcdef_" + "A" * 43,
        "Bearer not-a-token",
        "Bearer gp_0123456789abcdef",
    ],
)
def test_the_api_refuses_unknown_or_malformed_tokens(
    prod_portal: tuple[TestClient, Runtime], header: str
) -> None:
    client, _ = prod_portal
    response = client.get("/api/catalog/entities", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body: dict[str, Any] = response.json()
    assert body["error"]["name"] == "InvalidTokenError"


def test_a_revoked_token_stops_working(prod_portal: tuple[TestClient, Runtime]) -> None:
    client, runtime = prod_portal
    store = TokenStore(runtime.database)
    issued = store.issue("user:default/ada", "ci")
    headers = {"Authorization": f"Bearer {issued.plaintext}"}
    assert client.get("/api/catalog/entities", headers=headers).status_code == 200
    store.revoke("user:default/ada", issued.token.id)
    assert client.get("/api/catalog/entities", headers=headers).status_code == 401


def test_a_token_sends_no_csrf_token_for_writes(prod_portal: tuple[TestClient, Runtime]) -> None:
    client, runtime = prod_portal
    issued = TokenStore(runtime.database).issue("user:default/ada", "ci")
    response = client.post(
        "/api/catalog/refresh", json={}, headers={"Authorization": f"Bearer {issued.plaintext}"}
    )
    assert response.status_code in (200, 204)


def test_production_session_cookie_is_secure_and_http_only(
    prod_portal: tuple[TestClient, Runtime],
) -> None:
    client, _ = prod_portal
    response = client.get("/sign-in")
    cookie = response.headers["set-cookie"]
    assert "goldpath_session=" in cookie
    assert "httponly" in cookie.lower()
    assert "secure" in cookie.lower()
    assert "samesite=lax" in cookie.lower()


def test_a_websocket_without_a_session_is_closed(prod_app: FastAPI) -> None:
    async def echo(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_text("hello")
        await websocket.close()

    prod_app.add_api_websocket_route("/ws-for-test", echo)
    client = TestClient(prod_app, base_url="https://portal.goldpath.test")
    with pytest.raises(WebSocketDisconnect) as closed, client.websocket_connect("/ws-for-test"):
        pass
    assert closed.value.code == 1008
