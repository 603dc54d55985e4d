"""Shared browser fixtures: a live goldpath server in a thread and Debian's chromium.

``live_server``  a uvicorn server on a free port with a temporary GOLDPATH_HOME and the demo
                 organisation loaded (one per test module; one scaffolder worker running).
``run_live_server(home, seed=..., **overrides)``  the same as a context manager, for tests
                 that need other settings.
``browser``      chromium (``/usr/bin/chromium``) driven by Playwright, one per session.
``page``         a fresh browser context and page at 1280x800 for one test.
``guest_page``   ``page`` already signed in as the development guest.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from goldpath.config import Settings, load_settings
from goldpath.demo import seed_demo
from goldpath.runtime import Runtime
from goldpath.scaffolder import ActionProvider
from goldpath.web import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
_START_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True)
class LiveServer:
    """A running portal: its base URL and the runtime behind it."""

    base_url: str
    settings: Settings
    runtime: Runtime

    def url(self, path: str = "/") -> str:
        """An absolute URL on this server."""
        return self.base_url + path


@contextmanager
def run_live_server(
    home: Path,
    *,
    seed: bool = True,
    action_providers: tuple[str | ActionProvider, ...] | None = None,
    **overrides: Any,
) -> Iterator[LiveServer]:
    """Serve goldpath on 127.0.0.1 (a free port) from ``home`` until the block ends
    (``action_providers`` replaces the scaffolder's action providers)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    options: dict[str, Any] = {
        "home": home,
        "server": {"host": "127.0.0.1", "port": port},
        # the catalog may read the test run's temporary folders (templates live beside home)
        "catalog": {"refresh_enabled": False, "file_roots": [home.parent]},
        "scaffolder": {"workers": 1},
    }
    options.update(overrides)
    settings = load_settings(**options)
    runtime = Runtime(settings, action_providers=action_providers)
    app = create_app(settings, runtime=runtime)
    server = uvicorn.Server(
        uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        if not server.started:
            raise RuntimeError("the goldpath test server did not start")
        if seed:
            seed_demo(runtime.catalog)
        yield LiveServer(base_url=f"http://127.0.0.1:{port}", settings=settings, runtime=runtime)
    finally:
        server.should_exit = True
        thread.join(_START_TIMEOUT_SECONDS)
        sock.close()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A development portal with the demo organisation, shared by one test module."""
    home = tmp_path_factory.mktemp("live-goldpath-home")
    with run_live_server(home) as server:
        yield server


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium under Playwright (``playwright install`` cannot download here)."""
    if not CHROMIUM.exists() and shutil.which("chromium") is None:
        pytest.skip("chromium is not installed (Debian package `chromium`)")
    from playwright.sync_api import sync_playwright

    executable = str(CHROMIUM) if CHROMIUM.exists() else str(shutil.which("chromium"))
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh context (no cookies) and page, 1280x800."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def sign_in_as_guest(page: Any, server: LiveServer, next_path: str = "/") -> None:
    """Sign the page in through the sign-in form's guest button."""
    page.goto(server.url("/sign-in?next=" + next_path))
    page.get_by_test_id("guest-sign-in").click()
    page.wait_for_url(server.url(next_path))


@pytest.fixture
def guest_page(page: Any, live_server: LiveServer) -> Any:
    """A page signed in as the development guest, on the home page."""
    sign_in_as_guest(page, live_server)
    return page
