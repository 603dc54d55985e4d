"""GitOps benchmark: render and validate 1,000 apps (prints figures; never a timed test).

    .venv/bin/python bench/gitops.py                  # 1,000 apps, all cores
    .venv/bin/python bench/gitops.py --apps 200 --workers 1 --tool-sample 10

Four figures:
- render + in-process validation (kubernetes-validate strict schemas, goldpath's CRD
  schemas, every policy) of every app, in one process and across ``--workers`` processes;
- the external tools (``promtool check rules`` + ``kubectl kustomize`` of every
  kustomization) on ``--tool-sample`` apps, per app, since they dominate when enabled;
- an app's enrolment in a platform GitOps repo that already lists ``--enrol-sizes`` apps
  (what every Create does on the local git host: read the repo, validate the whole tree
  with the entry, commit it), so its growth with the fleet shows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from goldpath.gitops import (  # noqa: E402  # noqa: E402
    AppSpec,
    PlatformSpec,
    add_platform_app,
    configure_warm_pool,
    render_app,
    render_platform_repo,
    validate_tree,
)
from goldpath.gitops._spec import EnvironmentName  # noqa: E402
from goldpath.gitops._tools import (  # noqa: E402
    KUSTOMIZE_PROCESSES,
    kubectl_path,
    promtool_path,
)
from goldpath.providers.git import GitAuthor, Repository  # noqa: E402

ENVIRONMENT_SETS: tuple[tuple[EnvironmentName, ...], ...] = (
    (),
    ("dev", "prod"),
    ("dev", "staging", "prod"),
)


def make_spec(index: int, platform: PlatformSpec) -> AppSpec:
    """A varied but valid app: a third each without overlays, with two and with three."""
    return AppSpec(
        name=f"svc-{index:05d}",
        owner=f"group:default/team-{index % 37}",
        gitops_repo_url=f"https://gitlab.example.com/gitops/svc-{index:05d}.git",
        description=f"Benchmark service number {index}",
        replicas=1 + index % 4,
        port=3000 + index % 5,
        env={"LOG_LEVEL": "info", "FEATURE": str(index % 2)},
        secret_keys=("DATABASE_URL",) if index % 3 == 0 else (),
        environments=ENVIRONMENT_SETS[index % 3],
        platform=platform,
    )


def _render_and_validate(index: int) -> tuple[float, float, int, bool]:
    platform = PlatformSpec()
    spec = make_spec(index, platform)
    start = time.perf_counter()
    files = render_app(spec)
    rendered = time.perf_counter()
    report = validate_tree(files, kubernetes_version=platform.kubernetes_version, tools=False)
    done = time.perf_counter()
    return rendered - start, done - rendered, report.objects, report.ok


def _tools(index: int) -> float:
    files = render_app(make_spec(index, PlatformSpec()))
    start = time.perf_counter()
    report = validate_tree(files)
    elapsed = time.perf_counter() - start
    if not report.ok:
        raise SystemExit(f"app {index} failed validation: {report.failures[:3]}")
    return elapsed


def _enrolment(apps: int, rounds: int = 7) -> float:
    """Median seconds to add one app to a local platform repo of ``apps`` apps."""
    platform = PlatformSpec()
    with tempfile.TemporaryDirectory(prefix="enrol-") as scratch:
        root = Path(scratch)
        bare = Repository.init_bare(root / "platform.git")
        listed = [make_spec(i, platform) for i in range(apps)]
        files = render_platform_repo(platform, repo_url="https://gitlab.example.com/gitops/"
                                     "platform.git", apps=listed)
        sha = bare.commit_files({str(path): text.encode() for path, text in files.items()},
                                message="seed", author=GitAuthor("b", "b@example.com"),
                                parent=None)
        assert sha is not None
        bare.update_branch("refs/heads/main", sha, expected=None)
        add_platform_app(bare.path, make_spec(apps, platform), tmp_root=root)  # warm
        times = []
        for index in range(apps + 1, apps + 1 + rounds):
            start = time.perf_counter()
            add_platform_app(bare.path, make_spec(index, platform), tmp_root=root)
            times.append(time.perf_counter() - start)
        return statistics.median(times)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--tool-sample", type=int, default=20)
    parser.add_argument("--enrol-sizes", default="50,1000",
                        help="platform repo sizes (apps) to time an enrolment at, comma-separated")
    args = parser.parse_args()

    configure_warm_pool(KUSTOMIZE_PROCESSES)  # parked validators, as a running portal has
    _render_and_validate(0)  # warm caches (schemas, validators, SDK imports)
    print(f"goldpath GitOps benchmark: {args.apps} apps, {os.cpu_count()} CPU(s)")

    start, cpu_start = time.perf_counter(), time.process_time()
    results = [_render_and_validate(i) for i in range(args.apps)]
    single = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    if not all(ok for *_, ok in results):
        raise SystemExit("some rendered app failed validation")
    render = [r[0] for r in results]
    validate = [r[1] for r in results]
    objects = sum(r[2] for r in results)
    print(f"one process : total {single:.2f} s, per app {_ms(single / args.apps)} "
          f"(render p50 {_ms(statistics.median(render))}, "
          f"validate p50 {_ms(statistics.median(validate))}), {objects} objects checked")
    # On a shared machine wall time includes other load; CPU time is this work alone.
    print(f"              CPU time {cpu:.2f} s, per app {_ms(cpu / args.apps)}")

    if args.workers > 1:
        start = time.perf_counter()
        with ProcessPoolExecutor(max_workers=args.workers) as pool:
            parallel = list(pool.map(_render_and_validate, range(args.apps), chunksize=25))
        wall = time.perf_counter() - start
        assert all(ok for *_, ok in parallel)
        print(f"{args.workers} processes: total {wall:.2f} s, per app {_ms(wall / args.apps)} "
              "(wall time, including process start-up)")

    if args.tool_sample and (promtool_path() or kubectl_path()):
        sample = [_tools(i) for i in range(args.tool_sample)]
        print(f"with tools  : per app {_ms(statistics.mean(sample))} on {args.tool_sample} apps "
              f"(promtool: {'yes' if promtool_path() else 'absent'}, "
              f"kubectl kustomize: {'yes' if kubectl_path() else 'absent'}); "
              f"{args.apps} apps would take ~{statistics.mean(sample) * args.apps:.0f} s")

    for size in (int(n) for n in args.enrol_sizes.split(",") if n.strip()):
        enrol = _enrolment(size)
        print(f"enrolment   : p50 {_ms(enrol)} to add an app to a platform repo of {size} apps")
        record(f"gitops.enrol_{size}_apps.p50", enrol * 1000, "ms")


if __name__ == "__main__":
    main()
