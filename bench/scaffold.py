"""Scaffolder benchmark: 50 sequential and 10 concurrent Creates on the embedded default.

The template is representative of a golden path: fetch:template of 20 files, debug:log,
catalog:write, publish:github (to the local git host) and catalog:register. Figures are
server-side task times (claim to finish, from the task store). The floor is plain
``git init && git add -A && git commit`` of the same 20 files, timed in turn with the
sequential Creates. Before every timed run the disk is synced (untimed): otherwise each
run pays for the previous one's writeback, which on a shared VM's disk swings figures
several-fold. The concurrent Creates share one process (and its GIL) with their workers,
so their task times add up rather than overlap; more throughput comes from more replicas.

    .venv/bin/python bench/scaffold.py [--sequential 50] [--concurrent 10] [--workers 4]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import yaml

from goldpath.config import load_settings
from goldpath.runtime import Runtime
from goldpath.scaffolder import FINISHED, TaskWorkers

FILES = 20


def _write_template(root: Path, *, name: str = "bench-service", publish: bool = True) -> Path:
    skeleton = root / name / "skeleton"
    (skeleton / "src").mkdir(parents=True)
    for index in range(FILES - 2):
        (skeleton / "src" / f"module_{index}.js").write_text(
            f"// ${{{{ values.name }}}} module {index}\n"
            + "".join(f"export const value{i} = '${{{{ values.name }}}}-{i}';\n" for i in range(40))
        )
    (skeleton / "README.md").write_text(
        "# ${{ values.name }}\n\n{% for tag in values.tags %}- ${{ tag }}\n{% endfor %}"
    )
    (skeleton / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        "metadata:\n  name: ${{ values.name }}\n"
        "spec:\n  type: service\n  owner: group:default/platform\n  lifecycle: experimental\n"
    )
    entity = {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": name},
        "spec": {
            "owner": "group:default/platform",
            "type": "service",
            "parameters": [{"required": ["name"], "properties": {"name": {"type": "string"}}}],
            "steps": [
                {
                    "id": "fetch",
                    "action": "fetch:template",
                    "input": {
                        "url": "./skeleton",
                        "values": {"name": "${{ parameters.name }}", "tags": ["a", "b", "c"]},
                    },
                },
                {
                    "id": "log",
                    "action": "debug:log",
                    "input": {"message": "made ${{ parameters.name }}"},
                },
                {
                    "id": "write",
                    "action": "catalog:write",
                    "input": {
                        "filePath": "extra/info.yaml",
                        "entity": {
                            "apiVersion": "backstage.io/v1alpha1",
                            "kind": "Component",
                            "metadata": {"name": "${{ parameters.name }}-extra"},
                            "spec": {
                                "type": "library",
                                "owner": "platform",
                                "lifecycle": "experimental",
                            },
                        },
                    },
                },
                {
                    "id": "publish",
                    "action": "publish:github",
                    "input": {"repoUrl": "github.com?owner=bench&repo=${{ parameters.name }}"},
                },
                {
                    "id": "register",
                    "action": "catalog:register",
                    "input": {
                        "repoContentsUrl": "${{ steps.publish.output.repoContentsUrl }}",
                        "catalogInfoPath": "/catalog-info.yaml",
                    },
                },
            ],
        },
    }
    if not publish:  # the task Backstage was measured on: fetch + debug:log + catalog:write
        steps = entity["spec"]["steps"]  # type: ignore[index]
        del steps[3:]
    path = root / name / "template.yaml"
    path.write_text(yaml.safe_dump(entity, sort_keys=False))
    return path


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _task_seconds(runtime: Runtime, task_id: str) -> float:
    task = runtime.task_store.get(task_id)
    if task.status != "completed":
        raise SystemExit(f"task {task_id} ended {task.status}: {task.error}")
    assert task.duration_seconds is not None
    return task.duration_seconds


_FLOOR_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "b",
    "GIT_AUTHOR_EMAIL": "b@example.com",
    "GIT_COMMITTER_NAME": "b",
    "GIT_COMMITTER_EMAIL": "b@example.com",
}


def _floor_once(files_from: Path, scratch: Path) -> float:
    """Seconds for ``git init && git add -A && git commit`` of a fresh copy of the files."""
    work = scratch / f"floor-{time.perf_counter_ns()}"
    shutil.copytree(files_from, work, ignore=shutil.ignore_patterns(".git"))
    os.sync()
    started = time.perf_counter()
    for command in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "-A"],
        ["git", "commit", "-q", "-m", "initial commit"],
    ):
        subprocess.run(command, cwd=work, check=True, env=_FLOOR_ENV, capture_output=True)
    elapsed = time.perf_counter() - started
    shutil.rmtree(work)
    return elapsed


def _run_once(runtime: Runtime, template: str, name: str) -> float:
    task_id = runtime.task_creator.create(template, {"name": name})
    os.sync()
    runtime.task_executor.run_next("bench")
    return _task_seconds(runtime, task_id)


def main() -> None:
    """Run the benchmark and print p50/p95 figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sequential", type=int, default=50)
    parser.add_argument("--concurrent", type=int, default=10)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="goldpath-bench-") as tmp:
        root = Path(tmp)
        settings = load_settings(
            home=root / "home",
            catalog={"refresh_enabled": False, "file_roots": [str(root)]},
            scaffolder={"workers": 0},
        )
        runtime = Runtime(settings)
        runtime.prepare()
        runtime.catalog.add_location("file", str(_write_template(root / "templates")))
        runtime.catalog.add_location(
            "file", str(_write_template(root / "templates", name="bench-local", publish=False))
        )

        local = [
            _run_once(runtime, "template:default/bench-local", f"loc-{index}")
            for index in range(args.sequential)
        ]

        # One Create first: its repository holds the files the floor commits.
        _run_once(runtime, "template:default/bench-service", "warm-up")
        published = root / "clone"
        subprocess.run(
            ["git", "clone", "-q", str(settings.git_root / "bench" / "warm-up.git"), published],
            check=True,
            capture_output=True,
        )
        sequential: list[float] = []
        floor: list[float] = []
        for index in range(args.sequential):
            sequential.append(_run_once(runtime, "template:default/bench-service", f"seq-{index}"))
            floor.append(_floor_once(published, root))

        workers = TaskWorkers(
            executor=runtime.task_executor,
            recovery=runtime.task_recovery,
            settings=settings,
            broker=runtime.broker,
            count=args.workers,
        )
        workers.start()
        barrier = threading.Barrier(args.concurrent)
        ids: list[str] = []
        lock = threading.Lock()

        def create(index: int) -> None:
            barrier.wait()
            task_id = runtime.task_creator.create(
                "template:default/bench-service", {"name": f"par-{index}"}
            )
            with lock:
                ids.append(task_id)

        wall = time.perf_counter()
        threads = [threading.Thread(target=create, args=(i,)) for i in range(args.concurrent)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        deadline = time.monotonic() + 600  # a bound on waiting, not a figure
        while any(runtime.task_store.get(i).status not in FINISHED for i in ids):
            if time.monotonic() > deadline:
                raise SystemExit("the concurrent tasks did not finish within 10 minutes")
            time.sleep(0.01)
        wall = time.perf_counter() - wall
        workers.stop()
        concurrent = [_task_seconds(runtime, i) for i in ids]

        runtime.stop()

    def line(label: str, values: list[float]) -> str:
        return (
            f"{label:<32} n={len(values):<3} p50={_percentile(values, 50) * 1000:7.1f} ms  "
            f"p95={_percentile(values, 95) * 1000:7.1f} ms  "
            f"mean={statistics.mean(values) * 1000:7.1f} ms"
        )

    print(
        f"template: fetch:template ({FILES} files) + debug:log + catalog:write"
        " + publish:github (local) + catalog:register"
    )
    print(line("fetch+log+write only (no git)", local))
    print(line("sequential task time", sequential))
    print(line(f"concurrent task time ({args.workers} workers)", concurrent))
    print(f"{'concurrent wall time':<32} {wall * 1000:.1f} ms for {args.concurrent} tasks")
    print(line("floor: git init/add/commit", floor))
    print(
        f"p50 sequential / p50 floor = {_percentile(sequential, 50) / _percentile(floor, 50):.2f}x"
    )


if __name__ == "__main__":
    main()
