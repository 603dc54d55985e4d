"""Load the demo organisation into the catalog as a file location."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from goldpath.catalog import LocationRecord

__all__ = ["DEMO_LOCATION", "seed_demo"]

DEMO_LOCATION = Path(__file__).parent / "data" / "all.yaml"


class _Locations(Protocol):
    def ensure_location(self, type_: str, target: str, *, origin: str = ...) -> LocationRecord:
        """Register a location unless it already is, then refresh it."""


def seed_demo(catalog: _Locations) -> LocationRecord:
    """Register the demo organisation (idempotent: a second call only refreshes it)."""
    return catalog.ensure_location("file", str(DEMO_LOCATION), origin="demo")
