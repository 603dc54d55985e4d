"""A real Create of each golden path on the embedded default: repos, catalog entity, outputs.

The Node.js service is created through the scaffolder service, the Python service through
``goldpath create python-service --set ...``, the command a developer types.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.gitops import dashboard_selector, validate_repo
from goldpath.runtime import Runtime
from goldpath.scaffolder.errors import NameReservedError
from tests.support.catalog import register_owners
from tests.templates._render import GOLDEN_PATHS, NODEJS, PYTHON, GoldenPath, load_yaml
from tests.templates.conftest import (
    BASE_PARAMETERS,
    PYTHON_PARAMETERS,
    CreatedService,
    cloned_service,
    create_service,
    embedded_settings,
)


def _create_with_the_cli(parameters: dict[str, Any], root: Path) -> CreatedService:
    home = root / "home"
    runtime = Runtime(embedded_settings(home))
    runtime.prepare()
    register_owners(runtime.catalog, home / "owners", str(parameters["owner"]))
    runtime.stop()
    sets = [arg for key, value in parameters.items() for arg in ("--set", f"{key}={value}")]
    with pytest.MonkeyPatch.context() as patch:
        for key in [key for key in os.environ if key.startswith("GOLDPATH_")]:
            patch.delenv(key)
        patch.setenv("GOLDPATH_HOME", str(home))
        patch.setenv("GOLDPATH_CATALOG__REFRESH_ENABLED", "false")
        patch.setenv("GOLDPATH_SCAFFOLDER__WORKERS", "0")
        result = CliRunner().invoke(app, ["create", PYTHON.name, *sets, "--json"])
    assert result.exit_code == 0, result.output
    task = json.loads(result.stdout)
    assert task["status"] == "completed", task
    settings = embedded_settings(home)
    destination = root / str(parameters["name"])
    return cloned_service(parameters, destination, settings, task["output"], PYTHON)


@pytest.fixture(scope="module", params=GOLDEN_PATHS, ids=lambda path: path.name)
def created(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> CreatedService:
    golden_path: GoldenPath = request.param
    root = tmp_path_factory.mktemp("create")
    if golden_path is PYTHON:
        return _create_with_the_cli(PYTHON_PARAMETERS, root)
    return create_service(BASE_PARAMETERS, root / BASE_PARAMETERS["name"], home=root / "home")


@pytest.fixture
def name(created: CreatedService) -> str:
    return str(created.parameters["name"])


@pytest.fixture
def runtime(created: CreatedService) -> Iterator[Runtime]:
    """The same embedded platform the Create ran on, opened again."""
    rt = Runtime(created.settings)
    rt.prepare()
    yield rt
    rt.stop()


def _gitops_clone(created: CreatedService, into: Path) -> Path:
    platform = created.settings.platform
    bare = created.settings.git_root / platform.gitops_group / f"{created.parameters['name']}.git"
    subprocess.run(["git", "clone", "-q", str(bare), str(into)], check=True, capture_output=True)
    return into


def test_create_outputs_both_clone_urls_and_the_entity_ref(
    created: CreatedService, name: str
) -> None:
    output = created.output
    assert output["remoteUrl"].endswith(f"/{created.settings.platform.app_group}/{name}.git")
    assert output["gitopsRemoteUrl"].endswith(
        f"/{created.settings.platform.gitops_group}/{name}.git"
    )
    assert output["entityRef"] == f"component:default/{name}"


def test_create_links_repository_pipeline_catalog_app_and_dashboard(
    created: CreatedService, name: str
) -> None:
    # in development the production hosts' links go to their local stand-ins (goldpath.links)
    platform = created.settings.platform
    portal = created.settings.server.public_url.rstrip("/")
    links = {link["title"]: link for link in created.output["links"]}
    assert links["Repository"]["url"] == created.output["remoteUrl"]
    assert links["Pipeline"]["url"] == f"{portal}/git/{platform.app_group}/{name}/-/pipelines"
    assert links["Open in catalog"]["entityRef"] == f"component:default/{name}"
    assert links["Service"]["url"] == f"{portal}/run/{name}"
    assert links["Dashboard"]["url"] == f"{portal}/catalog/default/component/{name}#live"


def test_created_repository_is_one_commit_on_main(created: CreatedService) -> None:
    branch = subprocess.run(
        ["git", "-C", str(created.path), "branch", "--show-current"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert branch.stdout.strip() == "main"
    status = subprocess.run(
        ["git", "-C", str(created.path), "status", "--porcelain"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert status.stdout == ""
    log = subprocess.run(
        ["git", "-C", str(created.path), "log", "--format=%s"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert log.stdout.splitlines() == [
        f"chore: scaffold {created.parameters['name']} from {created.golden_path.name}"
    ]


def test_created_repository_holds_exactly_the_expected_files(created: CreatedService) -> None:
    tracked = subprocess.run(
        ["git", "-C", str(created.path), "ls-files"], capture_output=True, text=True, check=True
    )
    # the skeleton's files, and what the fleet reads: the template and answers that made it
    expected = created.golden_path.expected_files | {".goldpath/answers.yaml"}
    assert set(tracked.stdout.split()) == expected


def test_create_registers_the_component_with_its_owner_and_system(
    created: CreatedService, runtime: Runtime, name: str
) -> None:
    entity = runtime.catalog.get_entity(f"component:default/{name}")
    assert entity["spec"]["owner"] == created.parameters["owner"]
    assert entity["spec"]["system"] == created.parameters["system"]
    assert entity["metadata"]["annotations"]["grafana/dashboard-selector"] == (
        dashboard_selector(name)
    )


def test_second_create_with_the_same_name_is_refused(
    created: CreatedService, runtime: Runtime
) -> None:
    runtime.templates.register_builtin()
    with pytest.raises(NameReservedError):
        runtime.task_creator.create(created.golden_path.ref, dict(created.parameters))


def test_the_other_golden_path_cannot_take_the_name_either(
    created: CreatedService, runtime: Runtime
) -> None:
    other = NODEJS if created.golden_path is PYTHON else PYTHON
    parameters = PYTHON_PARAMETERS if other is PYTHON else BASE_PARAMETERS
    runtime.templates.register_builtin()
    with pytest.raises(NameReservedError):
        runtime.task_creator.create(other.ref, {**parameters, "name": created.parameters["name"]})


def test_pipeline_deploys_the_image_the_gitops_repo_runs(
    created: CreatedService, tmp_path: Path, name: str
) -> None:
    pipeline = load_yaml((created.path / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    variables = pipeline["variables"]
    image = variables["IMAGE"].replace("$ECR_REGISTRY", variables["ECR_REGISTRY"])
    image = image.replace("$APP_NAME", variables["APP_NAME"])
    gitops = _gitops_clone(created, tmp_path / "gitops")
    kustomization = load_yaml((gitops / "base" / "kustomization.yaml").read_text("utf-8"))
    assert image in [entry["name"] for entry in kustomization["images"]]
    assert variables["GITOPS_REPO"] == f"{created.settings.platform.gitops_group}/{name}"


def test_gitops_repo_has_three_environments_that_validate_and_the_pipeline_writes_dev(
    created: CreatedService, tmp_path: Path
) -> None:
    gitops = _gitops_clone(created, tmp_path / "gitops")
    assert sorted(p.name for p in (gitops / "overlays").iterdir()) == ["dev", "prod", "staging"]
    report = validate_repo(gitops, tmp_root=tmp_path)
    assert report.ok, [str(finding) for finding in report.failures]
    pipeline = load_yaml((created.path / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert pipeline["variables"]["KUSTOMIZATION"] == "overlays/dev/kustomization.yaml"
    assert (gitops / pipeline["variables"]["KUSTOMIZATION"]).is_file()


def test_catalog_dashboard_selector_finds_the_rendered_dashboard(
    created: CreatedService, tmp_path: Path, name: str
) -> None:
    gitops = _gitops_clone(created, tmp_path / "gitops")
    dashboard = json.loads((gitops / "dashboards" / f"{name}.json").read_text("utf-8"))
    entity = load_yaml((created.path / "catalog-info.yaml").read_text(encoding="utf-8"))
    selector = entity["metadata"]["annotations"]["grafana/dashboard-selector"]
    tag = selector.removeprefix("tags @> '").removesuffix("'")
    assert tag in dashboard["tags"]


def test_gitops_repo_runs_the_port_and_user_the_app_image_uses(
    created: CreatedService, tmp_path: Path
) -> None:
    gitops = _gitops_clone(created, tmp_path / "gitops")
    deployment = load_yaml((gitops / "base" / "deployment.yaml").read_text("utf-8"))
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    port = created.parameters["port"]
    assert port in [entry["containerPort"] for entry in container["ports"]]
    dockerfile = (created.path / "Dockerfile").read_text(encoding="utf-8")
    assert f"EXPOSE {port}\n" in dockerfile
    uid = pod["securityContext"]["runAsUser"]
    assert f"USER {uid}:{uid}\n" in dockerfile
