"""``bench/results.json``: every benchmark's headline figures, merged run after run.

``{"name": {"value": ..., "unit": ..., "goal": ...}}``; ``goal`` is the bar the figure
is held to (None where there is none). Each figure also says when and where it was
measured (``measured``: UTC time; ``machine``: cores and memory; ``load``: the 1-minute
load average as it was recorded, since a shared machine's wall times move with it). The
file describes one machine, so it is not committed (.gitignore); docs/performance.md
keeps the recorded table. ``GOLDPATH_BENCH_RESULTS`` names another file (the test
suite's smoke runs of every benchmark write there, so they never touch a real record).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["RESULTS", "record"]

RESULTS = Path(os.environ.get("GOLDPATH_BENCH_RESULTS") or Path(__file__).with_name("results.json"))


def _machine() -> str:
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {memory:.0f} GiB"


def record(name: str, value: float, unit: str, goal: str | None = None) -> None:
    """Write one figure into results.json (other figures kept)."""
    results: dict[str, Any] = {}
    if RESULTS.is_file():
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    results[name] = {
        "value": round(value, 3),
        "unit": unit,
        "goal": goal,
        "measured": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "machine": _machine(),
        "load": round(os.getloadavg()[0], 2),
    }
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n", encoding="utf-8")
