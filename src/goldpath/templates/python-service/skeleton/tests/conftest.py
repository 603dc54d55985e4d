"""Fixtures: a clean environment and logging for every test, and the shipped application."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.helpers import Built, build


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("PORT", "LOG_LEVEL", "SHUTDOWN_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    yield
    for name in ("app", "uvicorn"):
        logging.getLogger(name).handlers.clear()


@pytest.fixture
def built() -> Built:
    """The application as it ships, with its logs in memory."""
    return build()
