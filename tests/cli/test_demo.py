"""``goldpath demo seed`` loads a living catalog, and doing it twice changes nothing."""

from __future__ import annotations

from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import load_settings
from goldpath.runtime import Runtime

runner = CliRunner()


def test_demo_seed_twice_gives_the_same_populated_catalog() -> None:
    first = runner.invoke(app, ["demo", "seed"])
    assert first.exit_code == 0, first.output
    runtime = Runtime(load_settings())
    runtime.prepare()
    counts = {}
    for kind in ("Group", "User", "System", "Component", "API"):
        counts[kind] = runtime.catalog.query(filters=[{"kind": kind}], limit=1).total_items
    assert all(count > 0 for count in counts.values()), counts
    second = runner.invoke(app, ["demo", "seed"])
    assert second.exit_code == 0, second.output
    again = {
        kind: runtime.catalog.query(filters=[{"kind": kind}], limit=1).total_items
        for kind in counts
    }
    assert again == counts
    runtime.stop()
