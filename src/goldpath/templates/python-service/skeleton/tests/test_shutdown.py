"""Graceful shutdown of the real uvicorn server: drain, readiness, timeout and SIGTERM."""

from __future__ import annotations

import asyncio
import io
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from fastapi import APIRouter

from app.__main__ import main
from app.config import load_settings
from app.logs import configure_logging
from app.server import Server, build_server

PROJECT = Path(__file__).resolve().parents[1]


class Running:
    """A server serving on a free port in a thread of this process."""

    def __init__(self, router: APIRouter | None = None, shutdown_timeout_ms: int = 8000) -> None:
        settings = load_settings(port=0, shutdown_timeout_ms=shutdown_timeout_ms)
        configure_logging(settings, io.StringIO())
        self.server: Server = build_server(settings, router=router)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while self.server.port is None:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)
        self.url = f"http://127.0.0.1:{self.server.port}"

    def wait_closed(self, timeout: float = 10) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the server did not finish shutting down"


@pytest.fixture
def pool() -> Iterator[ThreadPoolExecutor]:
    with ThreadPoolExecutor(max_workers=2) as executor:
        yield executor


def _refuses_connections(url: str, timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx2.get(f"{url}/healthz", timeout=1)
        except httpx2.TransportError:
            # Refused, or (on a busy machine) accepted into the backlog just before the
            # listening socket closed and then reset: either way, not served.
            return True
        time.sleep(0.02)
    return False


def test_in_flight_requests_finish_readiness_turns_false_and_new_connections_are_refused(
    pool: ThreadPoolExecutor,
) -> None:
    arrived, release = threading.Event(), threading.Event()
    router = APIRouter()

    @router.get("/slow")
    def slow() -> dict[str, bool]:
        arrived.set()
        release.wait(10)
        return {"done": True}

    running = Running(router)
    in_flight: Future[httpx2.Response] = pool.submit(httpx2.get, f"{running.url}/slow", timeout=30)
    assert arrived.wait(10)
    running.server.begin_shutdown("test")
    assert running.server.state.shutting_down
    assert _refuses_connections(running.url)
    release.set()
    response = in_flight.result(timeout=30)
    assert (response.status_code, response.json()) == (200, {"done": True})
    running.wait_closed()


def test_idle_keep_alive_connections_do_not_hold_shutdown_open() -> None:
    running = Running()
    with httpx2.Client(timeout=10) as client:
        assert client.get(f"{running.url}/healthz").status_code == 200
        running.server.begin_shutdown("test")
        running.wait_closed()


def test_requests_still_running_after_the_timeout_are_cut_off(pool: ThreadPoolExecutor) -> None:
    arrived = threading.Event()
    router = APIRouter()

    @router.get("/stuck")
    async def stuck() -> None:
        arrived.set()
        await asyncio.sleep(3600)

    running = Running(router, shutdown_timeout_ms=50)
    request: Future[httpx2.Response] = pool.submit(httpx2.get, f"{running.url}/stuck", timeout=30)
    assert arrived.wait(10)
    running.server.begin_shutdown("test")
    running.wait_closed()
    # uvicorn cancels the request's task and answers 500 on a connection it then closes.
    response = request.result(timeout=30)
    assert response.status_code == 500
    assert response.headers["connection"] == "close"


def test_sigterm_stops_the_real_process_with_exit_code_zero() -> None:
    env = {**os.environ, "PORT": "0", "LOG_LEVEL": "info"}
    messages: list[str] = []
    with subprocess.Popen(
        [sys.executable, "-m", "app"],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as child:
        assert child.stdout is not None
        try:
            for line in child.stdout:
                messages.append(json.loads(line)["msg"])
                if messages[-1] == "listening":
                    break
            assert "listening" in messages, "the service exited before listening"
            child.send_signal(signal.SIGTERM)
            assert child.wait(timeout=30) == 0
            messages += [json.loads(line)["msg"] for line in child.stdout]
        finally:
            child.kill()
    assert "server closed" in messages


def test_bad_settings_stop_the_service_with_a_one_line_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PORT", "eighty")
    assert main() == 1
    error = capsys.readouterr().err
    assert error.startswith("invalid settings: PORT: ")
    assert error.count("\n") == 1
