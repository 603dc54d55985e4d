"""A small template on disk, Creates from it, and edits to the repositories it made."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from goldpath.runtime import Runtime
from tests.support.catalog import register_owners

OWNER = "group:default/team-a"
TEMPLATE_REF = "template:default/tiny-service"

DOCKERFILE = 'FROM node:22\nWORKDIR /app\nCOPY . .\nUSER node\nCMD ["node", "app.js"]\n'
README = "# ${{ values.name }}\n\nA tiny service.\n\n## Running\n\nnpm start\n"
APP = "console.log('${{ values.name }}');\n"
CATALOG = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${{ values.name }}
  description: A tiny service
spec:
  type: service
  lifecycle: experimental
  owner: ${{ values.owner }}
"""


def write_template(folder: Path, *, dockerfile: str = DOCKERFILE) -> Path:
    """``tiny-service``: fetch, answers, publish to the local host, register."""
    skeleton = folder / "skeleton"
    skeleton.mkdir(parents=True, exist_ok=True)
    for name, text in (
        ("Dockerfile", dockerfile),
        ("README.md", README),
        ("app.js", APP),
        ("catalog-info.yaml", CATALOG),
    ):
        (skeleton / name).write_text(text)
    template: dict[str, Any] = {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "tiny-service", "title": "Tiny service"},
        "spec": {
            "owner": OWNER,
            "type": "service",
            "parameters": [
                {
                    "required": ["name", "owner"],
                    "properties": {
                        "name": {"type": "string"},
                        "owner": {"type": "string"},
                        "apiToken": {"type": "string", "ui:field": "Secret"},
                    },
                }
            ],
            "steps": [
                {
                    "id": "fetch",
                    "action": "fetch:template",
                    "input": {
                        "url": "./skeleton",
                        "values": {
                            "name": "${{ parameters.name }}",
                            "owner": "${{ parameters.owner }}",
                        },
                    },
                },
                {
                    "id": "answers",
                    "action": "fleet:answers",
                    "input": {"values": "${{ parameters }}"},
                },
                {
                    "id": "publish",
                    "action": "publish:gitlab",
                    "input": {
                        "repoUrl": "gitlab.example.com?owner=apps&repo=${{ parameters.name }}",
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
            ],
        },
    }
    (folder / "template.yaml").write_text(yaml.safe_dump(template, sort_keys=False))
    return folder


def register_template(runtime: Runtime, folder: Path) -> None:
    """The template and its owner in the catalog."""
    write_template(folder)
    register_owners(runtime.catalog, folder.parent / "owners", OWNER)
    runtime.catalog.add_location("file", str(folder / "template.yaml"))


def create(runtime: Runtime, name: str) -> None:
    """A real Create of ``tiny-service`` (run to completion in this thread)."""
    task_id = runtime.task_creator.create(TEMPLATE_REF, {"name": name, "owner": OWNER})
    while runtime.task_executor.run_next("fleet-tests") is not None:
        pass
    task = runtime.task_store.get(task_id)
    assert task.status == "completed", task.error


def edit(runtime: Runtime, tmp: Path, name: str, path: str, change: tuple[str, str]) -> None:
    """Commit a local edit on the repository's main branch (replace one text by another)."""
    local = runtime.git_hosts.local
    files = local.read_folder(f"{local.web_url('apps', name)}/-/tree/main")
    work = tmp / f"edit-{name}-{path.replace('/', '-')}"
    for rel, (content, _mode) in files.items():
        (work / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / rel).write_bytes(content)
    text = (work / path).read_text()
    assert change[0] in text
    (work / path).write_text(text.replace(change[0], change[1]))
    local.push(
        work,
        local.get_repo("apps", name),
        branch="main",
        message=f"local edit of {path}",
        author_name="Dev",
        author_email="dev@example.com",
    )


def read(runtime: Runtime, name: str, branch: str, path: str) -> str:
    """A file of ``apps/<name>`` at ``branch``."""
    return runtime.git_hosts.local.read_file("apps", name, branch, path).decode()
