"""Every benchmark `make bench` runs still runs: each is started at a tiny size.

Nothing here is about speed (tests never assert on time): a benchmark that no longer
starts (a setting it needs, an API it calls) would only be found by the next person to
run `make bench`, and its figures would silently stop being recorded. Each run writes
its figures to a results file of its own (``GOLDPATH_BENCH_RESULTS``), never to
``bench/results.json``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# script and tiny arguments -> figures it must record (empty: it records none)
RUNS: dict[str, tuple[list[str], set[str]]] = {
    "create": (["--rounds", "2"], {"create.ratio_to_floor", "create.nodejs_service.p50"}),
    "catalog": (
        ["--entities", "60", "--databases", "sqlite,postgresql", "--queries", "3"],
        {"catalog.sqlite.60.http_by_name_p95", "catalog.postgresql.60.http_by_query_p95"},
    ),
    "scaffold": (["--sequential", "2", "--concurrent", "2", "--workers", "2"], set()),
    "gitops": (
        ["--apps", "3", "--workers", "1", "--tool-sample", "1", "--enrol-sizes", "3"],
        {"gitops.enrol_3_apps.p50"},
    ),
    "fleet": (["--sizes", "3", "--rounds", "1"], {"fleet_status_first_3"}),
    "startup": (["--runs", "1", "--idle-seconds", "0.2"], set()),
    "techdocs": (["--components", "2", "--workers", "1"], set()),
}


def test_every_benchmark_is_covered() -> None:
    scripts = {p.stem for p in (ROOT / "bench").glob("*.py") if not p.stem.startswith("_")}
    assert scripts == set(RUNS)


@pytest.mark.parametrize("script", sorted(RUNS))
def test_benchmark_runs(script: str, tmp_path: Path) -> None:
    arguments, figures = RUNS[script]
    results = tmp_path / "results.json"
    # as `make bench` runs it: none of the suite's GOLDPATH_* settings for this test
    env = {key: value for key, value in os.environ.items() if not key.startswith("GOLDPATH_")}
    env["GOLDPATH_BENCH_RESULTS"] = str(results)
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / f"{script}.py"), *arguments],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    assert done.stdout.strip(), "a benchmark prints its figures"
    recorded = json.loads(results.read_text(encoding="utf-8")) if figures else {}
    assert figures <= set(recorded), sorted(recorded)
    for name in figures:
        assert isinstance(recorded[name]["value"], float | int), recorded[name]
