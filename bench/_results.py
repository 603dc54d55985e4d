"""``bench/results.json``: every benchmark's headline figures, merged run after run.

``{"name": {"value": ..., "unit": ..., "goal": ...}}``; ``goal`` is the bar the figure
is held to (None where there is none). The file describes one machine, so it is not
committed (.gitignore); docs/performance.md keeps the recorded table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

__all__ = ["RESULTS", "record"]

RESULTS = Path(__file__).with_name("results.json")


def record(name: str, value: float, unit: str, goal: str | None = None) -> None:
    """Write one figure into results.json (other figures kept)."""
    results: dict[str, Any] = {}
    if RESULTS.is_file():
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    results[name] = {"value": round(value, 3), "unit": unit, "goal": goal}
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
