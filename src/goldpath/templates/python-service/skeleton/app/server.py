"""Run the application under uvicorn with graceful shutdown on SIGTERM and SIGINT."""

from __future__ import annotations

import contextlib
import logging
import math
import signal
import socket
import threading
from collections.abc import Iterator
from types import FrameType

import uvicorn
from fastapi import APIRouter

from app.config import Settings
from app.main import ServiceState, create_app
from app.metrics import Metrics

logger = logging.getLogger("app.server")
HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Server(uvicorn.Server):
    """uvicorn's server: on a signal readiness turns false, no new connections are taken,
    in-flight requests finish (cancelled after the shutdown timeout), and the process exits 0.
    """

    def __init__(self, config: uvicorn.Config, state: ServiceState) -> None:
        super().__init__(config)
        self.state = state
        self.port: int | None = None

    def begin_shutdown(self, reason: str = "shutdown") -> None:
        """Stop taking connections and drain the in-flight requests (idempotent)."""
        if not self.state.shutting_down:
            self.state.shutting_down = True
            logger.info(
                "shutting down: no new connections, draining in-flight requests",
                extra={"reason": reason},
            )
        self.should_exit = True

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """A second SIGINT forces the exit, as in uvicorn."""
        if self.state.shutting_down and sig == signal.SIGINT:
            self.force_exit = True
        self.begin_shutdown(signal.Signals(sig).name)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises the signal after a graceful shutdown, which makes the exit
        # status 143; a drained service exits 0 instead, like the Node.js golden path.
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in HANDLED_SIGNALS}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            self.port = self.servers[0].sockets[0].getsockname()[1]
            logger.info("listening", extra={"port": self.port})

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        await super().shutdown(sockets)
        logger.info("server closed")


def build_server(settings: Settings, *, router: APIRouter | None = None) -> Server:
    """The uvicorn server for ``settings`` (not started)."""
    state = ServiceState()
    app = create_app(settings, metrics=Metrics(), state=state, router=router)
    config = uvicorn.Config(
        app,
        # Every interface: in the pod that is the pod network, reached through the Service.
        host="0.0.0.0",  # nosec B104
        port=settings.port,
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        # uvicorn counts whole seconds: a partial second rounds up.
        timeout_graceful_shutdown=math.ceil(settings.shutdown_timeout_ms / 1000),
        lifespan="on",
    )
    return Server(config, state)
