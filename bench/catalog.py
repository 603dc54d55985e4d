"""Catalog benchmark: ingest a generated organisation, then time queries (prints figures).

    python bench/catalog.py                    # 100,000 entities on SQLite and PostgreSQL
    python bench/catalog.py --entities 10000   # a smaller run
    python bench/catalog.py --databases sqlite

PostgreSQL is started like the test suite does (tests/support/postgres.py), when installed.
"service" is the CatalogService call; "ASGI" the FastAPI app through its test client in
this process (routing, middleware, auth, JSON, and the test client's thread hand-offs);
"HTTP" the portal served as it runs (``goldpath serve``: uvicorn and the whole runtime,
on the same database) over one keep-alive connection on loopback, the figures issue 16's
bars are read against. Never a timed test: this only prints what it measured.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record as record_result  # noqa: E402
from fastapi.testclient import TestClient  # noqa: E402

from goldpath.catalog import CatalogService, ReadingPolicy  # noqa: E402
from goldpath.config import load_settings  # noqa: E402
from goldpath.db import Database  # noqa: E402
from goldpath.runtime import Runtime  # noqa: E402
from goldpath.web import create_app  # noqa: E402

ENTITIES_PER_FILE = 1000


def generate(total: int, folder: Path, seed: int = 7) -> tuple[Path, dict[str, Any]]:
    """Write an organisation of ``total`` entities as files under a root Location."""
    rng = random.Random(seed)
    n_groups = max(2, total // 100)
    n_users = total // 5
    n_domains = max(1, total // 1000)
    n_systems = max(1, total // 50)
    n_apis = total * 15 // 100
    n_components = total - n_groups - n_users - n_domains - n_systems - n_apis
    groups = [f"team-{i}" for i in range(n_groups)]
    systems = [f"system-{i}" for i in range(n_systems)]
    apis = [f"api-{i}" for i in range(n_apis)]
    docs: list[dict[str, Any]] = []
    v1 = "backstage.io/v1alpha1"
    for i, name in enumerate(groups):
        spec: dict[str, Any] = {
            "type": "team",
            "children": [],
            "profile": {"displayName": f"Team {i}"},
        }
        if i:
            spec["parent"] = groups[(i - 1) // 10]
        docs.append(
            {
                "apiVersion": v1,
                "kind": "Group",
                "metadata": {"name": name, "description": f"Team number {i}"},
                "spec": spec,
            }
        )
    for i in range(n_users):
        docs.append(
            {
                "apiVersion": v1,
                "kind": "User",
                "metadata": {"name": f"user-{i}"},
                "spec": {
                    "profile": {"displayName": f"User {i}", "email": f"user-{i}@example.com"},
                    "memberOf": [rng.choice(groups)],
                },
            }
        )
    for i in range(n_domains):
        docs.append(
            {
                "apiVersion": v1,
                "kind": "Domain",
                "metadata": {"name": f"domain-{i}"},
                "spec": {"owner": rng.choice(groups)},
            }
        )
    for i, name in enumerate(systems):
        docs.append(
            {
                "apiVersion": v1,
                "kind": "System",
                "metadata": {"name": name, "description": f"System {i}"},
                "spec": {"owner": rng.choice(groups), "domain": f"domain-{i % n_domains}"},
            }
        )
    for name in apis:
        docs.append(
            {
                "apiVersion": v1,
                "kind": "API",
                "metadata": {"name": name, "tags": ["rest"]},
                "spec": {
                    "type": "openapi",
                    "lifecycle": "production",
                    "owner": rng.choice(groups),
                    "system": rng.choice(systems),
                    "definition": "openapi: 3.0.0\ninfo: {title: x, version: 1.0.0}\n",
                },
            }
        )
    for i in range(n_components):
        docs.append(
            {
                "apiVersion": v1,
                "kind": "Component",
                "metadata": {
                    "name": f"svc-{i}",
                    "title": f"Service {i}",
                    "description": f"Component number {i} of the benchmark",
                    "tags": [rng.choice(["java", "go", "python", "nodejs"])],
                    "annotations": {"example.com/source": f"https://git/x/svc-{i}"},
                },
                "spec": {
                    "type": rng.choice(["service", "website", "library"]),
                    "lifecycle": rng.choice(["production", "experimental"]),
                    "owner": rng.choice(groups),
                    "system": rng.choice(systems),
                    "providesApis": [rng.choice(apis)] if apis else [],
                    "consumesApis": rng.sample(apis, min(2, len(apis))),
                    "dependsOn": [f"component:svc-{rng.randrange(n_components)}"],
                },
            }
        )
    targets = []
    for start in range(0, len(docs), ENTITIES_PER_FILE):
        name = f"part-{start // ENTITIES_PER_FILE:04d}.yaml"
        (folder / name).write_text(
            yaml.dump_all(docs[start : start + ENTITIES_PER_FILE], Dumper=yaml.CSafeDumper)
        )
        targets.append(f"./{name}")
    root = folder / "all.yaml"
    root.write_text(
        yaml.safe_dump(
            {
                "apiVersion": v1,
                "kind": "Location",
                "metadata": {"name": "bench"},
                "spec": {"targets": targets},
            }
        )
    )
    return root, {"groups": groups, "components": n_components, "total": len(docs)}


def _p95_ms(samples: list[float]) -> float:
    ms = sorted(s * 1000 for s in samples)
    return ms[max(0, int(len(ms) * 0.95) - 1)]


def _percentiles(samples: list[float], *, key: str = "", goal: str | None = None) -> str:
    """p50/p95 as text; with ``key``, the p95 also goes into bench/results.json."""
    ms = sorted(s * 1000 for s in samples)
    p50 = statistics.median(ms)
    p95 = _p95_ms(samples)
    if key:
        record_result(key, p95, "ms", goal)
    return f"p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   (n={len(ms)})"


def _time(fn: Callable[[], Any], n: int) -> list[float]:
    fn()  # warm up
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


@contextmanager
def _served(home: Path, url: str) -> Iterator[str]:
    """The portal as it runs (``goldpath serve``: uvicorn, the whole runtime) on the same
    database, on a loopback port; yields its base URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "GOLDPATH_HOME": str(home),
        "GOLDPATH_DATABASE_URL": url,
        "GOLDPATH_CATALOG__REFRESH_ENABLED": "false",
        "GOLDPATH_SCAFFOLDER__WORKERS": "0",
        "GOLDPATH_TECHDOCS__WORKERS": "0",
    }
    server = subprocess.Popen(  # noqa: S603 - this checkout's own CLI
        [str(Path(sys.executable).with_name("goldpath")), "serve", "--host", "127.0.0.1",
         "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                why = server.stderr.read() if server.stderr else ""
                raise SystemExit(f"the portal did not start: {why}")
            time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        server.communicate(timeout=30)


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    from sqlalchemy import create_engine, text
    from tests.support.postgres import find_pg_bin, start_postgres

    if find_pg_bin() is None:
        raise SystemExit("PostgreSQL is not installed; run with --databases sqlite")
    server = start_postgres()
    try:
        admin = create_engine(server.admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "bench"'))
        admin.dispose()
        yield server.url_for("bench")
    finally:
        server.stop()


def run(kind: str, root: Path, info: dict[str, Any], queries: int, folder: Path) -> None:
    with _database(kind, folder) as url:
        database = Database(url)
        database.migrate()
        catalog = CatalogService(database, policy=ReadingPolicy.build([root.parent]))
        start, cpu = time.perf_counter(), time.process_time()
        record, _ = catalog.add_location("file", str(root))
        ingest, cpu = time.perf_counter() - start, time.process_time() - cpu
        assert not record.errors, record.errors[:3]
        total = catalog.query(limit=0).total_items
        print(f"\n== {kind}: {total} entities")
        generated = int(info["total"])  # the goals are stated for the generated count
        prefix = f"catalog.{kind}.{generated}"
        record_result(f"{prefix}.ingest", ingest, "s", "<= 60" if generated >= 100_000 else None)
        # the steadier figure on a shared machine: what goldpath itself spent
        record_result(f"{prefix}.ingest_cpu", cpu, "s")
        print(
            f"ingest (read + validate + relations + store)  {ingest:7.2f} s"
            f"   ({total / ingest:,.0f} entities/s; this process used {cpu:.1f} s of CPU)"
        )
        start = time.perf_counter()
        catalog.refresh()
        print(
            f"refresh, nothing changed                       {time.perf_counter() - start:7.2f} s"
        )

        rng = random.Random(1)
        groups = info["groups"]

        def by_query() -> None:
            owner = f"group:default/{rng.choice(groups)}"
            catalog.query(filters={"kind": "component", "relations.ownedBy": owner}, limit=20)

        def by_query_spec_owner() -> None:
            catalog.query(filters={"kind": "component", "spec.owner": rng.choice(groups)}, limit=20)

        def full_text() -> None:
            catalog.query(full_text=f"svc-{rng.randrange(info['components'])}", limit=20)

        def ordered_by_type() -> None:
            # a field with no column of its own: read from the search table
            page = catalog.query(filters={"kind": "component"}, order=["spec.type,desc"],
                                 limit=20)
            catalog.query(cursor=page.next_cursor, limit=20)

        def entity_page() -> None:
            catalog.get_entity(f"component:default/svc-{rng.randrange(info['components'])}")

        print(
            "service   by-query kind+relations.ownedBy, limit 20 ",
            _percentiles(_time(by_query, queries)),
        )
        print(
            "service   by-query kind+spec.owner, limit 20        ",
            _percentiles(_time(by_query_spec_owner, queries)),
        )
        print(
            "service   full-text term, limit 20                  ",
            _percentiles(_time(full_text, max(20, queries // 5))),
        )
        print(
            "service   by-query kind, orderField spec.type, 2 pages",
            _percentiles(_time(ordered_by_type, max(20, queries // 5))),
        )
        print(
            "service   entity by ref (entity page)               ",
            _percentiles(_time(entity_page, queries)),
        )

        settings = load_settings(
            home=folder / "home",
            database_url=url,
            catalog={"refresh_enabled": False},
            scaffolder={"workers": 0},
        )
        runtime = Runtime(settings)
        runtime.__dict__["database"] = database
        runtime.__dict__["catalog"] = catalog
        with TestClient(create_app(settings, runtime=runtime)) as client:

            def http_query() -> None:
                owner = f"group:default/{rng.choice(groups)}"
                response = client.get(
                    "/api/catalog/entities/by-query",
                    params={"filter": f"kind=component,relations.ownedBy={owner}", "limit": 20},
                )
                assert response.status_code == 200

            def http_by_name() -> None:
                name = f"svc-{rng.randrange(info['components'])}"
                response = client.get(f"/api/catalog/entities/by-name/component/default/{name}")
                assert response.status_code == 200

            print(
                "ASGI      GET entities/by-query (kind+owner, 20)    ",
                _percentiles(_time(http_query, queries), key=f"{prefix}.asgi_by_query_p95"),
            )
            print(
                "ASGI      GET entities/by-name                      ",
                _percentiles(_time(http_by_name, queries), key=f"{prefix}.asgi_by_name_p95"),
            )

            # The portal's entity page (HTML: overview, relations picture, links, YAML),
            # signed in as the development guest like a browser would be.
            sign_in = client.get("/sign-in")
            token = sign_in.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            client.post("/auth/guest", data={"csrf_token": token}, follow_redirects=False)

            def html_entity_page() -> None:
                name = f"svc-{rng.randrange(info['components'])}"
                response = client.get(f"/catalog/default/component/{name}")
                assert response.status_code == 200 and "<html" in response.text

            print(
                "ASGI      GET entity page (HTML)                    ",
                _percentiles(_time(html_entity_page, queries)),
            )
        database.dispose()

        # Over HTTP: the portal served as it runs, one keep-alive connection on loopback.
        with _served(folder / "home", url) as base, httpx.Client(base_url=base) as http:

            def served_query() -> None:
                owner = f"group:default/{rng.choice(groups)}"
                response = http.get(
                    "/api/catalog/entities/by-query",
                    params={"filter": f"kind=component,relations.ownedBy={owner}", "limit": 20},
                )
                assert response.status_code == 200

            def served_by_name() -> None:
                name = f"svc-{rng.randrange(info['components'])}"
                response = http.get(f"/api/catalog/entities/by-name/component/default/{name}")
                assert response.status_code == 200

            print(
                "HTTP      GET entities/by-query (kind+owner, 20)    ",
                _percentiles(
                    _time(served_query, queries),
                    key=f"{prefix}.http_by_query_p95",
                    goal="<= 8" if generated <= 10_000 else None,
                ),
            )
            print(
                "HTTP      GET entities/by-name                      ",
                _percentiles(
                    _time(served_by_name, queries),
                    key=f"{prefix}.http_by_name_p95",
                    goal="<= 3" if generated <= 10_000 else None,
                ),
            )


def main() -> None:
    """Parse options, generate the organisation once, run each database."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="goldpath-bench-") as tmp:
        folder = Path(tmp)
        (folder / "org").mkdir()
        start = time.perf_counter()
        root, info = generate(args.entities, folder / "org")
        print(f"generated {info['total']} entities in {time.perf_counter() - start:.1f} s")
        for kind in args.databases.split(","):
            run(kind.strip(), root, info, args.queries, folder)


if __name__ == "__main__":
    main()
