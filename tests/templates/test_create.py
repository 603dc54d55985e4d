"""A real Create of nodejs-service on the embedded default: repos, catalog entity, outputs."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from goldpath.gitops import dashboard_selector, dashboard_tag
from goldpath.runtime import Runtime
from goldpath.scaffolder.errors import NameReservedError
from tests.templates._render import EXPECTED_FILES, TEMPLATE_REF, load_yaml
from tests.templates.conftest import BASE_PARAMETERS, CreatedService, create_service

NAME = BASE_PARAMETERS["name"]


@pytest.fixture(scope="module")
def created(tmp_path_factory: pytest.TempPathFactory) -> CreatedService:
    root = tmp_path_factory.mktemp("create")
    return create_service(BASE_PARAMETERS, root / NAME, home=root / "home")


@pytest.fixture
def runtime(created: CreatedService) -> Iterator[Runtime]:
    """The same embedded platform the Create ran on, opened again."""
    rt = Runtime(created.settings)
    rt.prepare()
    yield rt
    rt.stop()


def _gitops_clone(created: CreatedService, into: Path) -> Path:
    platform = created.settings.platform
    bare = created.settings.git_root / platform.gitops_group / f"{NAME}.git"
    subprocess.run(["git", "clone", "-q", str(bare), str(into)], check=True, capture_output=True)
    return into


def test_create_outputs_both_clone_urls_and_the_entity_ref(created: CreatedService) -> None:
    output = created.output
    assert output["remoteUrl"].endswith(f"/{created.settings.platform.app_group}/{NAME}.git")
    assert output["gitopsRemoteUrl"].endswith(
        f"/{created.settings.platform.gitops_group}/{NAME}.git"
    )
    assert output["entityRef"] == f"component:default/{NAME}"


def test_create_links_repository_pipeline_catalog_app_and_dashboard(
    created: CreatedService,
) -> None:
    platform = created.settings.platform
    links = {link["title"]: link for link in created.output["links"]}
    assert links["Repository"]["url"] == created.output["remoteUrl"]
    assert links["Pipeline"]["url"] == (
        f"https://{platform.git_host}/{platform.app_group}/{NAME}/-/pipelines"
    )
    assert links["Open in catalog"]["entityRef"] == f"component:default/{NAME}"
    assert links["Service"]["url"] == f"https://{NAME}.{platform.domain}"
    assert links["Dashboard"]["url"] == (
        f"{platform.grafana_url}/dashboards?tag={dashboard_tag(NAME)}"
    )


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


def test_created_repository_holds_exactly_the_expected_files(created: CreatedService) -> None:
    tracked = subprocess.run(
        ["git", "-C", str(created.path), "ls-files"], capture_output=True, text=True, check=True
    )
    assert set(tracked.stdout.split()) == EXPECTED_FILES


def test_create_registers_the_component_with_its_owner_and_system(runtime: Runtime) -> None:
    entity = runtime.catalog.get_entity(f"component:default/{NAME}")
    assert entity["spec"]["owner"] == BASE_PARAMETERS["owner"]
    assert entity["spec"]["system"] == BASE_PARAMETERS["system"]
    assert entity["metadata"]["annotations"]["grafana/dashboard-selector"] == (
        dashboard_selector(NAME)
    )


def test_second_create_with_the_same_name_is_refused(
    created: CreatedService, runtime: Runtime
) -> None:
    runtime.templates.register_builtin()
    with pytest.raises(NameReservedError):
        runtime.task_creator.create(TEMPLATE_REF, BASE_PARAMETERS)


def test_pipeline_deploys_the_image_the_gitops_repo_runs(
    created: CreatedService, tmp_path: Path
) -> None:
    pipeline = load_yaml((created.path / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    variables = pipeline["variables"]
    image = variables["IMAGE"].replace("$ECR_REGISTRY", variables["ECR_REGISTRY"])
    image = image.replace("$APP_NAME", variables["APP_NAME"])
    gitops = _gitops_clone(created, tmp_path / "gitops")
    kustomization = load_yaml((gitops / "base" / "kustomization.yaml").read_text("utf-8"))
    assert image in [entry["name"] for entry in kustomization["images"]]
    assert variables["GITOPS_REPO"] == f"{created.settings.platform.gitops_group}/{NAME}"


def test_catalog_dashboard_selector_finds_the_rendered_dashboard(
    created: CreatedService, tmp_path: Path
) -> None:
    gitops = _gitops_clone(created, tmp_path / "gitops")
    dashboard = json.loads((gitops / "dashboards" / f"{NAME}.json").read_text("utf-8"))
    entity = load_yaml((created.path / "catalog-info.yaml").read_text(encoding="utf-8"))
    selector = entity["metadata"]["annotations"]["grafana/dashboard-selector"]
    tag = selector.removeprefix("tags @> '").removesuffix("'")
    assert tag in dashboard["tags"]


def test_gitops_repo_runs_the_port_the_app_listens_on(
    created: CreatedService, tmp_path: Path
) -> None:
    gitops = _gitops_clone(created, tmp_path / "gitops")
    deployment = load_yaml((gitops / "base" / "deployment.yaml").read_text("utf-8"))
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    ports = [port["containerPort"] for port in container["ports"]]
    assert BASE_PARAMETERS["port"] in ports
    app_config = (created.path / "src" / "config.js").read_text(encoding="utf-8")
    assert f"const DEFAULT_PORT = {BASE_PARAMETERS['port']};" in app_config
