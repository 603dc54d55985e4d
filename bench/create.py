"""A real nodejs-service Create against the plain-git floor, side by side (prints figures).

Each round runs one Create of the built-in nodejs-service template on the embedded
default, every step of it (fetch:template, the ECR and Secrets Manager steps, which skip
with no AWS configured, fleet:answers, publish:gitlab to the local git host, gitops:publish
with the GitOps tree rendered and validated by kubernetes-validate, the CRD schemas,
every policy, ``promtool check rules`` and ``kubectl kustomize`` of three environments,
and the app enrolled in the platform GitOps repo, gitlab:project:configure, then
catalog:register), then the floor: plain ``git init && git add -A && git commit`` of
the same files, for both repositories. Figures are server-side task times (claim to
finish), and each step's median is printed. The disk is synced (untimed) before each
timed run, so neither pays for the other's writeback.

    .venv/bin/python bench/create.py [--rounds 30]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from goldpath.config import load_settings  # noqa: E402
from goldpath.gitops._warm import warm_pools_ready  # noqa: E402
from goldpath.runtime import Runtime  # noqa: E402

TEMPLATE = "template:default/nodejs-service"
OWNER = "team-orders"
GOAL_RATIO = 3.0
_FLOOR_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "b",
    "GIT_AUTHOR_EMAIL": "b@example.com",
    "GIT_COMMITTER_NAME": "b",
    "GIT_COMMITTER_EMAIL": "b@example.com",
}


def _parameters(name: str) -> dict[str, object]:
    return {
        "name": name,
        "description": "Takes orders",
        "owner": f"group:default/{OWNER}",
        "system": "commerce",
        "port": 3000,
        "nodeVersion": "26",
    }


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


STEPS: dict[str, list[float]] = {}
"""Seconds each step of the timed Creates took, by step id (where a Create's time goes)."""


def _create(runtime: Runtime, name: str) -> float:
    task_id = runtime.task_creator.create(TEMPLATE, _parameters(name))
    os.sync()
    warm_pools_ready()
    runtime.task_executor.run_next("bench")
    task = runtime.task_store.get(task_id)
    if task.status != "completed":
        raise SystemExit(f"Create of {name} ended {task.status}: {task.error}")
    assert task.duration_seconds is not None
    for step in task.steps:
        if step.started_at and step.ended_at:
            took = datetime.fromisoformat(step.ended_at) - datetime.fromisoformat(step.started_at)
            STEPS.setdefault(step.id, []).append(took.total_seconds())
    return task.duration_seconds


def _floor(trees: list[Path], scratch: Path) -> float:
    """Seconds for ``git init && git add -A && git commit`` of fresh copies of ``trees``."""
    copies = []
    for tree in trees:
        copy = scratch / f"floor-{time.perf_counter_ns()}"
        shutil.copytree(tree, copy, ignore=shutil.ignore_patterns(".git"))
        copies.append(copy)
    os.sync()
    warm_pools_ready()
    started = time.perf_counter()
    for copy in copies:
        for command in (
            ["git", "init", "-q", "-b", "main"],
            ["git", "add", "-A"],
            ["git", "commit", "-q", "-m", "initial commit"],
        ):
            subprocess.run(command, cwd=copy, check=True, env=_FLOOR_ENV, capture_output=True)
    elapsed = time.perf_counter() - started
    for copy in copies:
        shutil.rmtree(copy)
    return elapsed


def _ms(values: list[float], pct: int) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))] * 1000


def main() -> None:
    """Run the rounds and print p50/p95 of both, and the ratio of the medians."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="goldpath-bench-create-") as tmp:
        root = Path(tmp)
        settings = load_settings(
            home=root / "home",
            catalog={"refresh_enabled": False, "file_roots": [str(root)]},
            scaffolder={"workers": 0},
        )
        runtime = Runtime(settings)
        # Started as the portal starts it (scorecards and TechDocs score and build in their
        # own workers, off the task), with no task worker: each round runs its task here.
        runtime.start()
        group = root / "org.yaml"
        group.write_text(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\n"
            f"metadata:\n  name: {OWNER}\nspec:\n  type: team\n  children: []\n"
        )
        runtime.catalog.add_location("file", str(group))

        _create(runtime, "warm-up")  # imports, schemas and validators load once
        trees = []
        for group_name in (settings.platform.app_group, settings.platform.gitops_group):
            clone = root / f"clone-{group_name}"
            bare = settings.git_root / group_name / "warm-up.git"
            subprocess.run(["git", "clone", "-q", str(bare), str(clone)], check=True,
                           capture_output=True)
            trees.append(clone)
        files = sum(1 for tree in trees for p in tree.rglob("*") if p.is_file()
                    and ".git" not in p.relative_to(tree).parts)

        STEPS.clear()
        creates: list[float] = []
        floors: list[float] = []
        create_cpu: list[float] = []
        floor_cpu: list[float] = []
        for index in range(args.rounds):
            before = _cpu()
            creates.append(_create(runtime, f"svc-{index}"))
            middle = _cpu()
            floors.append(_floor(trees, root))
            create_cpu.append(middle - before)
            floor_cpu.append(_cpu() - middle)
        runtime.stop()

    ratio = statistics.median(creates) / statistics.median(floors)
    print(f"nodejs-service Create ({files} files in two repositories, validation included), "
          f"{args.rounds} rounds")
    print(f"Create task time              p50 {_ms(creates, 50):7.1f} ms   "
          f"p95 {_ms(creates, 95):7.1f} ms")
    print(f"floor git init/add/commit x2  p50 {_ms(floors, 50):7.1f} ms   "
          f"p95 {_ms(floors, 95):7.1f} ms")
    print(f"p50 Create / p50 floor = {ratio:.2f}x (goal <= {GOAL_RATIO:.0f}x)")
    # CPU time (the process and its tools, or the git processes) moves far less with the
    # machine's load than wall time; the Create's includes creating the task row and the
    # disk syncs' bookkeeping, the floor's the copies of the files.
    cpu_ratio = statistics.median(create_cpu) / statistics.median(floor_cpu)
    print(f"CPU time per round: Create {statistics.median(create_cpu) * 1000:.1f} ms, "
          f"floor {statistics.median(floor_cpu) * 1000:.1f} ms ({cpu_ratio:.2f}x; wall-time "
          "ratios of runs on a busy host are only comparable through this one)")
    steps = ", ".join(f"{step} {statistics.median(took) * 1000:.1f}"
                      for step, took in STEPS.items())
    print(f"median ms per step: {steps}; the rest is the task's own bookkeeping")
    record("create.nodejs_service.p50", _ms(creates, 50), "ms")
    record("create.nodejs_service.p95", _ms(creates, 95), "ms")
    record("create.floor_git_two_repos.p50", _ms(floors, 50), "ms")
    record("create.ratio_to_floor", ratio, "x", f"<= {GOAL_RATIO:.0f}")
    record("create.nodejs_service.cpu_p50", statistics.median(create_cpu) * 1000, "ms")
    record("create.cpu_ratio_to_floor", cpu_ratio, "x")


if __name__ == "__main__":
    main()
