"""The GitOps validators the suite drives for real: a missing one fails, never skips."""

from __future__ import annotations

import shutil

import pytest

__all__ = ["require_validator"]


def require_validator(name: str) -> str:
    """The path of ``name`` (``promtool``, ``kubectl``); the test fails when it is missing.

    goldpath's own validation refuses to vouch for a tree without these tools, so a
    machine without them cannot run these tests meaningfully: `make validators`
    installs them.
    """
    path = shutil.which(name)
    if path is None:
        pytest.fail(
            f"{name} is not installed: GitOps validation needs it; `make validators` "
            "installs it",
            pytrace=False,
        )
    return path
