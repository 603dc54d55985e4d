"""Serve an ASGI app with uvicorn on a free loopback port, in a thread, for one test."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.support.waiting import wait_until


@contextmanager
def serve(make_app: Callable[[str], Any]) -> Iterator[str]:
    """Bind 127.0.0.1:0, build the app for that base URL, serve it; yield the base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = make_app(base_url)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="auto"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    def started() -> bool:
        if not thread.is_alive():
            raise RuntimeError("uvicorn stopped before it started serving")
        return bool(server.started)

    wait_until(started, what="the git server to start")
    try:
        yield base_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
