"""Load the demo organisation into the catalog as a file location."""

from __future__ import annotations

from pathlib import Path

from goldpath.catalog import LocationRecord
from goldpath.runtime import Runtime

__all__ = ["DEMO_LOCATION", "seed_demo"]

DEMO_LOCATION = Path(__file__).parent / "data" / "all.yaml"


def seed_demo(runtime: Runtime) -> LocationRecord:
    """Register the demo organisation (idempotent: a second call only refreshes it)."""
    runtime.prepare()
    return runtime.catalog.ensure_location("file", str(DEMO_LOCATION), origin="demo")
