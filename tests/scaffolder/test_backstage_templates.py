"""Templates in the shape of Backstage's public ones dry-run (and run) unchanged."""

from __future__ import annotations

import base64
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.scaffolder.conftest import drain
from tests.support.catalog import register_owners

from goldpath.runtime import Runtime
from goldpath.scaffolder import DryRunResult, decode_directory_contents
from goldpath.scaffolder.errors import TemplateInvalidError

DATA = Path(__file__).parent / "data" / "backstage"

VALUES: dict[str, dict[str, Any]] = {
    "website-ssr": {
        "component_id": "shop-web",
        "owner": "group:default/web",
        "description": "The shop",
        "repoUrl": "github.com?owner=acme&repo=shop-web",
    },
    "layered-app": {
        "component_id": "ledger",
        "owner": "group:default/finance",
        "repoUrl": "github.com?owner=acme&repo=ledger",
    },
    "grpc-service": {
        "component_id": "orders",
        "owner": "group:default/orders",
        "java_package_name": "io.acme.orders",
        "repoUrl": "github.com?owner=acme&repo=orders",
    },
}


def _directory_contents(folder: Path) -> list[dict[str, Any]]:
    return [
        {
            "path": p.relative_to(folder).as_posix(),
            "base64Content": base64.b64encode(p.read_bytes()).decode(),
        }
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "template.yaml"
    ]


def _dry_run(runtime: Runtime, name: str) -> DryRunResult:
    """Backstage's dry-run body for one template of DATA: the entity, VALUES, its files."""
    folder = DATA / name
    return runtime.dry_runner.run(
        yaml.safe_load((folder / "template.yaml").read_text()),
        VALUES[name],
        directory_contents=decode_directory_contents(_directory_contents(folder)),
    )


@pytest.mark.parametrize("name", sorted(VALUES))
def test_backstage_shaped_template_dry_runs(runtime: Runtime, name: str) -> None:
    result = _dry_run(runtime, name)
    assert result.status == "completed", (result.error, result.error_details)
    files = {f.path: f.content.decode() for f in result.files}
    assert "catalog-info.yaml" in files
    catalog_info = yaml.safe_load(files["catalog-info.yaml"])
    assert catalog_info["metadata"]["name"] == VALUES[name]["component_id"]
    assert catalog_info["spec"]["owner"] == VALUES[name]["owner"]
    assert [s.status for s in result.steps][0] == "completed"


def test_copy_without_render_keeps_github_expressions(runtime: Runtime) -> None:
    result = _dry_run(runtime, "website-ssr")
    files = {f.path: f.content.decode() for f in result.files}
    assert '"${{ github.sha }}"' in files[".github/workflows/build.yml"]
    assert yaml.safe_load(files["catalog-info.yaml"])["metadata"]["annotations"] == {
        "github.com/project-slug": "acme/shop-web"
    }


def test_templated_file_names_and_literal_values(runtime: Runtime) -> None:
    result = _dry_run(runtime, "grpc-service")
    files = {f.path: f.content.decode() for f in result.files}
    assert "service orders {}" in files["src/main/proto/orders.proto"]
    assert yaml.safe_load(files["application.yaml"]) == {"server": {"port": 8080}}


def test_backstage_shaped_template_runs_end_to_end(runtime: Runtime, tmp_path: Path) -> None:
    # goldpath's catalog refuses the e-mail style owner (web@example.com) public templates
    # carry, so the catalog copy names a group; the steps are unchanged
    copy = tmp_path / "website-ssr"
    shutil.copytree(DATA / "website-ssr", copy)
    text = (
        (copy / "template.yaml")
        .read_text()
        .replace("owner: web@example.com", "owner: group:default/web")
    )
    (copy / "template.yaml").write_text(text)
    runtime.catalog.add_location("file", str(copy / "template.yaml"))
    register_owners(runtime.catalog, tmp_path / "owners", VALUES["website-ssr"]["owner"])
    task_id = runtime.task_creator.create("template:default/website-ssr", VALUES["website-ssr"])
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "completed", task.error
    assert task.output is not None and task.output["entityRef"] == "component:default/shop-web"
    assert runtime.git_hosts.local.repo_exists("acme", "shop-web")


def test_v1beta2_templates_are_refused_clearly(runtime: Runtime) -> None:
    entity = yaml.safe_load((DATA / "legacy-v1beta2" / "template.yaml").read_text())
    with pytest.raises(TemplateInvalidError) as info:
        runtime.dry_runner.run(entity, {"name": "x"})
    assert info.value.errors[0].field == "apiVersion"
    assert "scaffolder.backstage.io/v1beta3" in info.value.errors[0].message


def test_undefined_names_in_skeletons_render_empty_with_a_warning(runtime: Runtime) -> None:
    result = _dry_run(runtime, "layered-app")
    assert result.status == "completed", (result.error, result.error_details)
    files = {f.path: f.content.decode() for f in result.files}
    workflow = yaml.safe_load(files[".github/workflows/gradle.yml"])
    steps = workflow["jobs"]["build"]["steps"]
    assert steps[0]["with"] == {"ref": None} and steps[1]["env"] == {"GITHUB_TOKEN": None}
    annotations = yaml.safe_load(files["catalog-info.yaml"])["metadata"]["annotations"]
    assert annotations == {"github.com/project-slug": "/"}
    messages = [line["body"]["message"] for line in result.log]
    assert any(
        ".github/workflows/gradle.yml uses github, secrets, which the values do not define" in m
        for m in messages
    ), messages
    assert any("catalog-info.yaml uses destination" in m for m in messages), messages
