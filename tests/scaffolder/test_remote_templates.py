"""Templates that live in a git repository (registered by URL) fetch their skeletons from
it, as in Backstage; fetch actions also read absolute folder URLs of a known git host."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from tests.scaffolder.conftest import drain, write_template

from goldpath.runtime import Runtime

SKELETON = {
    "skeleton/catalog-info.yaml": (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        "  name: ${{ values.name }}\nspec:\n  type: service\n  owner: platform\n"
        "  lifecycle: experimental\n"
    ),
    "skeleton/src/${{ values.name }}.js": "module.exports = '${{ values.name }}';\n",
    "skeleton/run.sh": "#!/bin/sh\necho ${{ values.name }}\n",
    "shared/LICENSE": "MIT\n",
}


def _publish_templates(runtime: Runtime, tmp_path: Path, steps: list[dict[str, object]]) -> str:
    """Put a template (and its skeleton) in platform/templates on the local git host;
    returns the template.yaml's URL."""
    folder = write_template(
        tmp_path / "src" / "node",
        name="remote-service",
        files=SKELETON,
        steps=steps,
        parameters={"required": ["name"], "properties": {"name": {"type": "string"}}},
    ).parent
    (folder / "skeleton" / "run.sh").chmod(0o755)
    host = runtime.git_hosts.local
    info = host.create_repo("platform", "templates")
    host.push(
        tmp_path / "src",
        info,
        branch="main",
        message="templates",
        author_name="P",
        author_email="p@x",
    )
    return host.contents_url("platform", "templates", "main") + "/node/remote-service/template.yaml"


def _clone_files(runtime: Runtime, repo: str, into: Path) -> dict[str, str]:
    bare = runtime.settings.git_root / "acme" / f"{repo}.git"
    subprocess.run(["git", "clone", "-q", str(bare), str(into)], check=True, capture_output=True)
    return {
        p.relative_to(into).as_posix(): p.read_text()
        for p in into.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(into).parts
    }


PUBLISH = {
    "id": "publish",
    "action": "publish:github",
    "input": {"repoUrl": "github.com?owner=acme&repo=${{ parameters.name }}"},
}


def test_a_template_registered_by_url_fetches_its_skeleton_from_its_repository(
    runtime: Runtime, tmp_path: Path
) -> None:
    steps: list[dict[str, object]] = [
        {
            "id": "fetch",
            "action": "fetch:template",
            "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}},
        },
        PUBLISH,
    ]
    url = _publish_templates(runtime, tmp_path, steps)
    runtime.catalog.add_location("url", url)
    template = runtime.templates.get("template:default/remote-service")
    assert template.info().base_url == url.rsplit("/", 1)[0] + "/"
    task_id = runtime.task_creator.create("template:default/remote-service", {"name": "ledger"})
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "completed", task.error
    files = _clone_files(runtime, "ledger", tmp_path / "clone")
    assert sorted(files) == ["catalog-info.yaml", "run.sh", "src/ledger.js"]
    assert files["src/ledger.js"] == "module.exports = 'ledger';\n"
    assert (tmp_path / "clone" / "run.sh").stat().st_mode & 0o111
    messages = [e.body.get("message", "") for e in runtime.task_store.events(task_id)]
    assert any(
        m.startswith("Reading ") and "/-/blob/main/node/remote-service/skeleton" in m
        for m in messages
    ), messages


def test_fetch_plain_reads_an_absolute_folder_url_of_the_local_host(
    runtime: Runtime, tmp_path: Path
) -> None:
    host = runtime.git_hosts.local
    shared = host.web_url("platform", "templates") + "/-/tree/main/node/remote-service/shared"
    steps: list[dict[str, object]] = [
        {"id": "license", "action": "fetch:plain", "input": {"url": shared, "targetPath": "legal"}},
        PUBLISH,
    ]
    _publish_templates(runtime, tmp_path, steps)
    path = write_template(
        tmp_path / "local",
        name="uses-shared",
        steps=steps,
        parameters={"properties": {"name": {"type": "string"}}},
    )
    runtime.catalog.add_location("file", str(path))
    task_id = runtime.task_creator.create("template:default/uses-shared", {"name": "billing"})
    drain(runtime.task_executor)
    assert runtime.task_store.get(task_id).status == "completed", runtime.task_store.get(
        task_id
    ).error
    assert _clone_files(runtime, "billing", tmp_path / "clone") == {"legal/LICENSE": "MIT\n"}


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("https://git.unknown.example/acme/skeletons/-/tree/main/node", "readable"),
        ("../outside", "workspace"),
    ],
)
def test_unreadable_or_escaping_fetch_urls_fail_naming_the_field(
    runtime: Runtime, tmp_path: Path, url: str, rule: str
) -> None:
    steps: list[dict[str, object]] = [
        {"id": "fetch", "action": "fetch:plain", "input": {"url": url}},
    ]
    template_url = _publish_templates(runtime, tmp_path, steps)
    runtime.catalog.add_location("url", template_url)
    task_id = runtime.task_creator.create("template:default/remote-service", {"name": "x"})
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "failed"
    assert task.error is not None
    assert any(e.field == "input.url" and e.rule == rule for e in task.error.errors), (
        task.error
    )
