"""`make test` installs every tool, so there a skip for a missing tool is a failure."""

from __future__ import annotations

from pathlib import Path

__all__ = ["strict_skip_failure"]


def strict_skip_failure(reason: str, *, shared_dir: Path) -> str | None:
    """The failure message for a skip `make test` must not accept, or None when it may skip.

    Only the absence of ``../shared`` (the team's checkout layout, not a tool) may skip.
    """
    allowed = ("../shared", "shared/schemas", str(shared_dir))
    if any(marker in reason for marker in allowed):
        return None
    return (
        f"skipped under `make test`, which installs every tool the suite needs: {reason}\n"
        "Add the missing install step to the Makefile's test-deps instead of skipping."
    )
