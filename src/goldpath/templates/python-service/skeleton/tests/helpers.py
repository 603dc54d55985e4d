"""Test helpers: an application with in-memory JSON logs and its own metrics registry."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.testclient import TestClient

from app.config import Settings, load_settings
from app.logs import configure_logging
from app.main import ServiceState, create_app
from app.metrics import Metrics


@dataclass
class Built:
    """An application under test, with what it logged and counted."""

    client: TestClient
    settings: Settings
    metrics: Metrics
    state: ServiceState
    stream: io.StringIO

    def entries(self) -> list[dict[str, Any]]:
        """Every JSON log line written so far, parsed."""
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


def build(
    *,
    router: APIRouter | None = None,
    state: ServiceState | None = None,
    metrics: Metrics | None = None,
) -> Built:
    """An application with a fresh metrics registry and its logs kept in memory."""
    settings = load_settings()
    stream = io.StringIO()
    configure_logging(settings, stream)
    metrics = metrics if metrics is not None else Metrics()
    state = state if state is not None else ServiceState()
    app = create_app(settings, metrics=metrics, state=state, router=router)
    client = TestClient(app, raise_server_exceptions=False)
    return Built(client=client, settings=settings, metrics=metrics, state=state, stream=stream)


def series(text: str, name: str) -> list[str]:
    """The lines of a Prometheus exposition that are samples of ``name``."""
    return [line for line in text.splitlines() if line.startswith(name + "{")]
