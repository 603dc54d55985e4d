"""Take the README's portal screenshot with the same live server and chromium the tests use.

.venv/bin/python -m tests.browser.screenshot docs/images/portal.png
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, run_live_server, sign_in_as_guest


def take(target: Path, path: str = "/catalog") -> None:
    """Sign in as guest on a demo portal and save a 1280x800 screenshot of ``path``."""
    with (
        tempfile.TemporaryDirectory() as home,
        run_live_server(Path(home)) as server,
        sync_playwright() as playwright,
    ):
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        sign_in_as_guest(page, server)
        page.goto(server.url(path))
        target.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(target))
        browser.close()


if __name__ == "__main__":
    take(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images/portal.png"))
