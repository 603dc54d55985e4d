"""Whole templates on the embedded default: real local git host, real catalog, real clones."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

import pytest
from tests.scaffolder.conftest import drain, task_workers, write_template
from tests.support.waiting import wait_until

from goldpath.runtime import Runtime
from goldpath.scaffolder import FINISHED

pytestmark = pytest.mark.skipif(
    subprocess.run(["git", "--version"], capture_output=True).returncode != 0,
    reason="git is not installed",
)

FILES = {
    "skeleton/README.tmpl.md": "# ${{ values.name }}\nowned by ${{ values.owner }}\n",
    "skeleton/catalog-info.yaml": (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
        "metadata:\n  name: ${{ values.name }}\n"
        "  annotations:\n    github.com/project-slug: ${{ values.slug }}\n"
        "spec:\n  type: service\n  owner: ${{ values.owner }}\n  lifecycle: experimental\n"
    ),
    "docs/index.md": "# Docs\n",
    "extra/NOTE.md": "a note\n",
}

STEPS = [
    {
        "id": "fetch",
        "name": "Fetch",
        "action": "fetch:template",
        "input": {
            "url": "./skeleton",
            "values": {
                "name": "${{ parameters.name }}",
                "owner": "${{ (parameters.repoUrl | parseRepoUrl).owner }}",
                "slug": "${{ parameters.repoUrl | projectSlug }}",
            },
        },
    },
    {
        "id": "docs",
        "if": "${{ parameters.withDocs }}",
        "action": "fetch:plain",
        "input": {"url": "./docs", "targetPath": "docs"},
    },
    {
        "id": "extras",
        "each": "${{ parameters.extras }}",
        "action": "fetch:plain",
        "input": {"url": "./extra", "targetPath": "extras/${{ each.value }}"},
    },
    {
        "id": "rename",
        "action": "fs:rename",
        "input": {"files": [{"from": "README.tmpl.md", "to": "README.md"}]},
    },
    {
        "id": "publish",
        "action": "publish:github",
        "input": {
            "repoUrl": "${{ parameters.repoUrl }}",
            "description": "made by a test",
            "defaultBranch": "main",
        },
    },
    {
        "id": "register",
        "action": "catalog:register",
        "input": {
            "repoContentsUrl": "${{ steps.publish.output.repoContentsUrl }}",
            "catalogInfoPath": "/catalog-info.yaml",
        },
    },
]

PARAMETERS = {
    "required": ["name", "repoUrl"],
    "properties": {
        "name": {"type": "string"},
        "repoUrl": {"type": "string"},
        "withDocs": {"type": "boolean", "default": False},
        "extras": {"type": "array", "items": {"type": "string"}, "default": []},
        "fail": {"type": "boolean", "default": False},
    },
}

OUTPUT = {
    "remoteUrl": "${{ steps.publish.output.remoteUrl }}",
    "links": [
        {"title": "Repository", "url": "${{ steps.publish.output.remoteUrl }}"},
        {
            "title": "Open in catalog",
            "icon": "catalog",
            "entityRef": "${{ steps.register.output.entityRef }}",
        },
    ],
}


def _install(runtime: Runtime, templates_dir: Path, *, fail_at_end: bool = False) -> None:
    steps = list(STEPS)
    if fail_at_end:
        steps.append({"id": "boom", "if": "${{ parameters.fail }}", "action": "test:fail"})
    path = write_template(
        templates_dir,
        name="github-service",
        files=FILES,
        steps=steps,
        parameters=PARAMETERS,
        output=OUTPUT,
    )
    runtime.catalog.add_location("file", str(path))


def _clone(runtime: Runtime, owner: str, repo: str, into: Path) -> Path:
    bare = runtime.settings.git_root / owner / f"{repo}.git"
    subprocess.run(["git", "clone", "-q", str(bare), str(into)], check=True, capture_output=True)
    return into


def test_template_with_if_each_rename_publish_and_register_runs_end_to_end(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    _install(runtime, templates_dir)
    values = {
        "name": "shop",
        "repoUrl": "github.com?owner=acme&repo=shop",
        "withDocs": True,
        "extras": ["a", "b"],
    }
    task_id = runtime.task_creator.create("template:default/github-service", values)
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "completed", task.error
    assert [s.status for s in task.steps] == ["completed"] * 6
    assert task.output is not None
    assert task.output["remoteUrl"].endswith("/acme/shop.git")
    assert task.output["links"][1]["entityRef"] == "component:default/shop"
    entity = runtime.catalog.get_entity("component:default/shop")
    assert entity["spec"]["owner"] == "acme"
    assert entity["metadata"]["annotations"]["github.com/project-slug"] == "acme/shop"
    clone = _clone(runtime, "acme", "shop", tmp_path / "clone")
    files = sorted(
        p.relative_to(clone).as_posix()
        for p in clone.rglob("*")
        if p.is_file() and ".git" not in p.parts
    )
    assert files == [
        "README.md",
        "catalog-info.yaml",
        "docs/index.md",
        "extras/a/NOTE.md",
        "extras/b/NOTE.md",
    ]
    assert (clone / "README.md").read_text() == "# shop\nowned by acme\n"


def test_failure_after_publish_and_register_leaves_nothing_and_the_name_works_again(
    runtime: Runtime, templates_dir: Path
) -> None:
    _install(runtime, templates_dir, fail_at_end=True)
    values = {"name": "cart", "repoUrl": "github.com?owner=acme&repo=cart", "fail": True}
    failed = runtime.task_creator.create("template:default/github-service", values)
    drain(runtime.task_executor)
    task = runtime.task_store.get(failed)
    assert task.status == "failed"
    assert task.error is not None and task.error.rollback is not None, task.error
    assert task.error.rollback.failed == [], task.error
    assert task.steps[-1].status == "failed", task.error
    assert len(task.error.rollback.undone) == 2
    assert not (runtime.settings.git_root / "acme" / "cart.git").exists()
    assert runtime.catalog.find_entity("component:default/cart") is None
    assert not [loc for loc in runtime.catalog.list_locations() if "cart" in loc.target]
    again = runtime.task_creator.create(
        "template:default/github-service", {**values, "fail": False}
    )
    drain(runtime.task_executor)
    assert runtime.task_store.get(again).status == "completed"
    assert runtime.catalog.get_entity("component:default/cart")


def test_publish_to_an_existing_repo_fails_without_deleting_it(
    runtime: Runtime, templates_dir: Path
) -> None:
    _install(runtime, templates_dir)
    host = runtime.git_hosts.local
    existing = host.create_repo("acme", "theirs")
    task_id = runtime.task_creator.create(
        "template:default/github-service",
        {"name": "theirs", "repoUrl": "github.com?owner=acme&repo=theirs"},
    )
    drain(runtime.task_executor)
    assert runtime.task_store.get(task_id).status == "failed"
    assert host.get_repo("acme", "theirs").id == existing.id


@pytest.mark.slow
def test_ten_parallel_runs_for_one_repo_exactly_one_completes(
    runtime: Runtime, templates_dir: Path
) -> None:
    _install(runtime, templates_dir)
    values = {"name": "race", "repoUrl": "github.com?owner=acme&repo=race"}
    workers = task_workers(runtime, 5)
    barrier = threading.Barrier(10)
    ids: list[str] = []
    lock = threading.Lock()

    def create() -> None:
        barrier.wait()
        task_id = runtime.task_creator.create("template:default/github-service", values)
        with lock:
            ids.append(task_id)

    threads = [threading.Thread(target=create) for _ in range(10)]
    workers.start()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_until(
            lambda: all(runtime.task_store.get(i).status in FINISHED for i in ids),
            timeout=300,
            what="every task to end",
        )
    finally:
        workers.stop()
    statuses = sorted(runtime.task_store.get(i).status for i in ids)
    assert statuses.count("completed") == 1, statuses
    assert statuses.count("failed") == 9
    assert runtime.git_hosts.local.repo_exists("acme", "race")
    assert runtime.catalog.get_entity("component:default/race")
    assert len([loc for loc in runtime.catalog.list_locations() if "race" in loc.target]) == 1
