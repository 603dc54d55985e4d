"""Waiting in tests: every wait has a deadline, and running out of it fails the test."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["wait_until"]


def wait_until(
    predicate: Callable[[], object], *, timeout: float = 60.0, what: str = "the condition"
) -> None:
    """Poll ``predicate`` until it is true; AssertionError after ``timeout`` seconds.

    The timeout is a bound on waiting, never an assertion on speed: it is generous.
    """
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what} after {timeout:g}s")
        time.sleep(0.02)
