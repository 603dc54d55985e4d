"""The Fleet page's listing at fleet scale: every component's answers file (prints figures).

For each size, that many services are made from a small template (fetch:template,
fleet:answers, publish:gitlab to the embedded local git host, catalog:register: real
Creates, real repositories), then `FleetService.status()` (what the Fleet page and
``goldpath fleet status`` show) is timed: the first listing, which reads every answers
file, and the listings after it, which read again only the files whose branch moved;
then one push moves one member's branch and the next listing is timed.

    .venv/bin/python bench/fleet.py [--sizes 100,500] [--rounds 15]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "bench"))

from _results import record  # noqa: E402

from goldpath.config import load_settings  # noqa: E402
from goldpath.providers.git import GitAuthor, Repository  # noqa: E402
from goldpath.runtime import Runtime  # noqa: E402

OWNER = "group:default/team-fleet"
TEMPLATE_REF = "template:default/fleet-bench"
AUTHOR = GitAuthor("Dev", "dev@example.com")


def _template(folder: Path) -> Path:
    skeleton = folder / "skeleton"
    skeleton.mkdir(parents=True)
    (skeleton / "README.md").write_text("# ${{ values.name }}\n")
    (skeleton / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        "  name: ${{ values.name }}\nspec:\n  type: service\n  lifecycle: production\n"
        "  owner: ${{ values.owner }}\n"
    )
    steps = [
        {"id": "fetch", "action": "fetch:template",
         "input": {"url": "./skeleton",
                   "values": {"name": "${{ parameters.name }}",
                              "owner": "${{ parameters.owner }}"}}},
        {"id": "answers", "action": "fleet:answers", "input": {"values": "${{ parameters }}"}},
        {"id": "publish", "action": "publish:gitlab",
         "input": {"repoUrl": "gitlab.example.com?owner=apps&repo=${{ parameters.name }}",
                   "defaultBranch": "main"}},
        {"id": "register", "action": "catalog:register",
         "input": {"repoContentsUrl": "${{ steps.publish.output.repoContentsUrl }}",
                   "catalogInfoPath": "/catalog-info.yaml"}},
    ]
    template = {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "fleet-bench"},
        "spec": {
            "owner": OWNER,
            "type": "service",
            "parameters": [{"required": ["name", "owner"],
                            "properties": {"name": {"type": "string"},
                                           "owner": {"type": "string"}}}],
            "steps": steps,
        },
    }
    path = folder / "template.yaml"
    path.write_text(yaml.safe_dump(template, sort_keys=False))
    owners = folder / "owners.yaml"
    owners.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-fleet\n"
        "spec:\n  type: team\n  children: []\n"
    )
    return path


def _grow(runtime: Runtime, start: int, size: int) -> None:
    for index in range(start, size):
        task_id = runtime.task_creator.create(
            TEMPLATE_REF, {"name": f"svc-{index:05d}", "owner": OWNER})
        while runtime.task_executor.run_next("bench") is not None:
            pass
        task = runtime.task_store.get(task_id)
        if task.status != "completed":
            raise SystemExit(f"Create {index} failed: {task.error}")


def _timed_status(runtime: Runtime) -> tuple[float, int]:
    started = time.perf_counter()
    fleets = runtime.fleet.status()
    return time.perf_counter() - started, sum(len(f.members) for f in fleets)


def _push_one(runtime: Runtime, name: str) -> None:
    """A commit on ``name``'s main branch (its README), as a developer's push would make."""
    git = Repository(runtime.git_hosts.local.repo_path("apps", name))
    parent = git.resolve("refs/heads/main")
    assert parent is not None
    files = git.read_folder(parent, "")
    files["README.md"] = (files["README.md"][0] + b"\nMore.\n", files["README.md"][1])
    sha = git.commit_files(files, message="more", author=AUTHOR, parent=parent)
    assert sha is not None and git.update_branch("refs/heads/main", sha, expected=parent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,500")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    sizes = sorted(int(size) for size in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        settings = load_settings(
            home=root / "home",
            catalog={"refresh_enabled": False, "file_roots": [str(root)]},
            scaffolder={"workers": 0},
        )
        runtime = Runtime(settings)
        runtime.prepare()
        try:
            template = _template(root / "fleet-bench")
            runtime.catalog.add_location("file", str(template.with_name("owners.yaml")))
            runtime.catalog.add_location("file", str(template))
            made = 0
            print(f"Fleet listing (FleetService.status, local git host), {args.rounds} rounds")
            for size in sizes:
                _grow(runtime, made, size)
                made = size
                runtime.fleet.forget_reads()  # as the first listing of a new process
                first, members = _timed_status(runtime)
                assert members == size, (members, size)
                again = [_timed_status(runtime)[0] for _ in range(args.rounds)]
                moved = []
                for round_ in range(args.rounds):
                    _push_one(runtime, f"svc-{round_ % size:05d}")
                    moved.append(_timed_status(runtime)[0])
                p50 = statistics.median(again) * 1000
                print(f"{size:6d} members: first {first * 1000:8.1f} ms   again p50 {p50:7.1f} ms"
                      f"   after one push p50 {statistics.median(moved) * 1000:7.1f} ms")
                record(f"fleet_status_first_{size}", first * 1000, "ms")
                record(f"fleet_status_again_p50_{size}", p50, "ms")
        finally:
            runtime.stop()


if __name__ == "__main__":
    main()
