"""``goldpath serve --host/--port`` decide the public URLs unless server.base_url is set."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from tests.support.waiting import wait_until

from goldpath.cli._serve import with_bind_address
from goldpath.config import load_settings
from goldpath.providers.git import GitHosts


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_bind_address_makes_the_public_url_unless_base_url_is_set() -> None:
    settings = with_bind_address(load_settings(), host="127.0.0.1", port=8123)
    assert settings.server.public_url == "http://127.0.0.1:8123"
    pinned = load_settings(server={"base_url": "https://portal.example.com"})
    assert with_bind_address(pinned, host=None, port=9000).server.public_url == (
        "https://portal.example.com"
    )


def test_serve_on_another_port_hands_out_clone_urls_on_that_port(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings(home=home)
    GitHosts(settings).local.create_repo("acme", "shop")
    port = _free_port()
    env = {**os.environ, "GOLDPATH_HOME": str(home), "GOLDPATH_SCAFFOLDER__WORKERS": "0"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "goldpath"), "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"

        def up() -> bool:
            assert server.poll() is None, "goldpath serve exited"
            try:
                return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
            except httpx.HTTPError:
                return False

        wait_until(up, timeout=60, what="goldpath serve to answer")
        listing = httpx.get(f"{base}/git/acme/shop", timeout=10).text
        assert f"clone: git clone {base}/git/acme/shop.git" in listing
        assert ":7007" not in listing
    finally:
        server.terminate()
        server.wait(timeout=30)
