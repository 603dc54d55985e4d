"""Demo data: a small organisation so a fresh portal shows a living catalog."""

from goldpath.demo._seed import DEMO_LOCATION, seed_demo

__all__ = ["DEMO_LOCATION", "seed_demo"]
