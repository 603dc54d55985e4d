"""TechDocs benchmark: build the docs of N components (200 by default) in the background
workers, then check them all again unchanged (a catalog refresh round with no rebuild).

Each component is a folder with catalog-info.yaml, mkdocs.yml and three pages (the size of
the nodejs-service golden path's docs, plus a code block, a table and an admonition). All
are registered through one Location, so one catalog ingestion queues every build. Figures
are wall time from registering to the last site published, and the per-build time the
builder measured (sandboxed MkDocs run, sanitising, publishing to local storage).

    .venv/bin/python bench/techdocs.py [--components 200] [--workers 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import yaml

from goldpath.config import load_settings
from goldpath.runtime import Runtime

PAGE = """# {name}

The {name} service answers questions about {name} records.

## Endpoints

| Path | Purpose |
| --- | --- |
| `GET /` | Sample route. |
| `GET /healthz` | Liveness. |
| `GET /metrics` | Prometheus metrics. |

!!! note
    Logs are JSON lines on stdout.

```js
app.get("/", (req, res) => res.json({{ service: "{name}" }}));
```
"""


def _write_components(root: Path, count: int) -> Path:
    targets = []
    for index in range(count):
        name = f"svc-{index:04d}"
        folder = root / name
        (folder / "docs").mkdir(parents=True)
        entity = {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": name, "annotations": {"backstage.io/techdocs-ref": "dir:."}},
            "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"},
        }
        (folder / "catalog-info.yaml").write_text(yaml.safe_dump(entity))
        mkdocs = {
            "site_name": name,
            "nav": [{"Overview": "index.md"}, {"Operating": "operating.md"}, {"API": "api.md"}],
            "plugins": ["techdocs-core"],
        }
        (folder / "mkdocs.yml").write_text(yaml.safe_dump(mkdocs))
        for page in ("index", "operating", "api"):
            (folder / "docs" / f"{page}.md").write_text(PAGE.format(name=f"{name} {page}"))
        targets.append(f"./{name}/catalog-info.yaml")
    location = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Location",
        "metadata": {"name": "bench-components"},
        "spec": {"targets": targets},
    }
    all_file = root / "all.yaml"
    all_file.write_text(yaml.safe_dump(location))
    return all_file


def _wait(runtime: Runtime, refs: list[str], *, built_after: float) -> None:
    while True:
        statuses = runtime.techdocs.statuses(refs)
        done = [
            s
            for s in statuses.values()
            if s.status in ("built", "failed") and s.entity_ref not in runtime.techdocs.queue
        ]
        if len(done) == len(refs) and len(runtime.techdocs.queue) == 0:
            failed = [s for s in done if s.status == "failed"]
            if failed:
                raise SystemExit(f"{len(failed)} builds failed, first: {failed[0].error}")
            return
        time.sleep(0.02)


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--components", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="goldpath-bench-techdocs-") as scratch:
        root = Path(scratch)
        all_file = _write_components(root / "repos", args.components)
        settings = load_settings(
            home=root / "home",
            catalog={"refresh_enabled": False, "file_roots": [str(root)]},
            scaffolder={"workers": 0},
            techdocs={"workers": args.workers},
        )
        runtime = Runtime(settings)
        runtime.start()
        try:
            refs = [f"component:default/svc-{i:04d}" for i in range(args.components)]
            started = time.perf_counter()
            location, _ = runtime.catalog.add_location("file", str(all_file))
            _wait(runtime, refs, built_after=started)
            total = time.perf_counter() - started
            seconds = [
                s.build_seconds
                for s in runtime.techdocs.statuses(refs).values()
                if s.build_seconds is not None
            ]
            sections = sum(runtime.techdocs.indexed_sections(ref) for ref in refs[:10]) / 10
            print(
                f"build   : {args.components} components, {args.workers} workers: "
                f"{total:.1f} s total, {args.components / total:.1f} sites/s"
            )
            print(
                f"per site: p50 {statistics.median(seconds) * 1000:.0f} ms, "
                f"p95 {statistics.quantiles(seconds, n=20)[-1] * 1000:.0f} ms "
                f"(3 pages, ~{sections:.0f} search sections each)"
            )
            before = {s.entity_ref: s.built_at for s in runtime.techdocs.statuses(refs).values()}
            started = time.perf_counter()
            runtime.catalog.refresh_location(location.id)
            _wait(runtime, refs, built_after=started)
            unchanged = time.perf_counter() - started
            after = {s.entity_ref: s.built_at for s in runtime.techdocs.statuses(refs).values()}
            rebuilt = sum(1 for ref in refs if after[ref] != before[ref])
            print(
                f"refresh : {args.components} unchanged sources checked in {unchanged:.1f} s, "
                f"{rebuilt} rebuilt"
            )
        finally:
            runtime.stop()


if __name__ == "__main__":
    main()
