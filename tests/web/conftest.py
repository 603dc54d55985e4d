"""Fixtures for portal and auth tests: apps with demo data, signed-in clients, production."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from goldpath.config import Settings, load_settings
from goldpath.demo import seed_demo
from goldpath.runtime import Runtime
from goldpath.web import create_app

_CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]*)">')
PRODUCTION_URL = "https://portal.goldpath.test"
GUEST_OWNS = "component:default/web-storefront"
"""A demo entity the development guest's team (storefront-team) owns, so it may refresh it."""


def csrf_from(html: str) -> str:
    """The CSRF token a rendered page carries (form field, else the meta tag)."""
    match = _CSRF_INPUT.search(html) or _CSRF_META.search(html)
    assert match is not None, "the page carries no CSRF token"
    return match.group(1)


def sign_in_guest(client: TestClient, next_path: str = "/") -> None:
    """Sign a test client in through the sign-in page's guest form."""
    page = client.get("/sign-in")
    response = client.post(
        "/auth/guest",
        data={"csrf_token": csrf_from(page.text), "next": next_path},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


def make_client(settings: Settings, *, seed: bool) -> Iterator[tuple[TestClient, Runtime]]:
    """A TestClient with the app's lifespan running (migrations applied) and optional demo."""
    runtime = Runtime(settings)
    app = create_app(settings, runtime=runtime)
    base_url = settings.server.public_url if settings.is_production else "http://testserver"
    with TestClient(app, base_url=base_url, raise_server_exceptions=False) as client:
        if seed:
            seed_demo(runtime.catalog)
        yield client, runtime


@pytest.fixture
def portal(settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    """A development portal with the demo organisation and a client that is not signed in."""
    yield from make_client(settings, seed=True)


@pytest.fixture
def client(portal: tuple[TestClient, Runtime]) -> TestClient:
    """A client of the demo portal that is not signed in."""
    return portal[0]


@pytest.fixture
def runtime(portal: tuple[TestClient, Runtime]) -> Runtime:
    """The runtime behind ``client``."""
    return portal[1]


@pytest.fixture
def guest(client: TestClient) -> TestClient:
    """``client`` signed in as the development guest."""
    sign_in_guest(client)
    return client


@pytest.fixture
def empty_portal(settings: Settings) -> Iterator[TestClient]:
    """A development portal with an empty catalog (built-in templates removed too), as guest."""
    for client, runtime in make_client(settings, seed=False):
        for location in runtime.catalog.list_locations():
            runtime.catalog.remove_location(location.id)
        sign_in_guest(client)
        yield client


def with_admin_groups(settings: Settings, *groups: str) -> Settings:
    """The same settings with other platform admin groups (``permission.admin_groups``)."""
    permission = settings.permission.model_copy(update={"admin_groups": list(groups)})
    return settings.model_copy(update={"permission": permission})


def production_settings(home: Path, **overrides: Any) -> Settings:
    """Settings that pass the production validator (SQLite allowed for the test)."""
    options: dict[str, Any] = {
        "env": "production",
        "home": home,
        "allow_sqlite_in_production": True,
        "server": {"base_url": PRODUCTION_URL},
        "auth": {
            "guest": False,
            "session_secret": secrets.token_urlsafe(48),
            "github": {"client_id": "Iv1.test-client", "client_secret": "gh-client-secret-value"},
        },
        "catalog": {"refresh_enabled": False},
        "scaffolder": {"workers": 0},
    }
    options.update(overrides)
    return load_settings(**options)


@pytest.fixture
def prod_settings(goldpath_home: Path) -> Settings:
    """Production settings rooted in a temporary home."""
    return production_settings(goldpath_home)


@pytest.fixture
def prod_portal(prod_settings: Settings) -> Iterator[tuple[TestClient, Runtime]]:
    """A production portal with the demo organisation; the client is not signed in."""
    yield from make_client(prod_settings, seed=True)


@pytest.fixture
def prod_app(prod_portal: tuple[TestClient, Runtime]) -> FastAPI:
    """The production app itself (for walking its routes)."""
    app = prod_portal[0].app
    assert isinstance(app, FastAPI)
    return app
