"""The golden paths' template.yaml: Backstage v1beta3 Templates wired to goldpath's steps."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.catalog import entity_problems
from goldpath.config import Settings
from goldpath.gitops import MAX_APP_NAME_LENGTH
from goldpath.providers.git import GitHosts
from goldpath.scaffolder import (
    ActionRegistry,
    Preparation,
    expression_context,
    with_declared,
    with_defaults,
)
from goldpath.scaffolder._preparing import StepPreparations
from goldpath.scaffolder.actions._publish import gitops_publish
from goldpath.templates import TEMPLATES_DIR, builtin_template_paths
from goldpath.web.pages._scaffolder_views import template_card
from tests.templates._render import (
    GOLDEN_PATHS,
    NODEJS,
    PYTHON,
    GoldenPath,
    _parsed,
    platform_facts,
)
from tests.templates.strategies import app_names, parameters

PLATFORM_NAMES = set(platform_facts())


def _form_schema(template: dict[str, Any]) -> dict[str, Any]:
    """All parameter pages merged into one JSON Schema, as the scaffolder validates them."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for page in template["spec"]["parameters"]:
        properties.update(page.get("properties", {}))
        required.extend(page.get("required", []))
    return {"type": "object", "properties": properties, "required": required}


def _steps(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {step["id"]: step for step in template["spec"]["steps"]}


@pytest.fixture(params=GOLDEN_PATHS, ids=lambda path: path.name)
def golden_path(request: pytest.FixtureRequest) -> GoldenPath:
    path: GoldenPath = request.param
    return path


@pytest.fixture
def template(golden_path: GoldenPath) -> dict[str, Any]:
    return golden_path.load_template()


def test_builtin_templates_are_exactly_the_golden_paths() -> None:
    assert builtin_template_paths() == tuple(
        sorted(path.template_dir / "template.yaml" for path in GOLDEN_PATHS)
    )
    assert all(path.template_dir.parent == TEMPLATES_DIR for path in GOLDEN_PATHS)


def test_template_is_a_v1beta3_template_named_after_its_folder(
    golden_path: GoldenPath, template: dict[str, Any]
) -> None:
    assert template["apiVersion"] == "scaffolder.backstage.io/v1beta3"
    assert template["kind"] == "Template"
    assert template["metadata"]["name"] == golden_path.name
    assert template["metadata"]["namespace"] == "default"


def test_template_is_a_valid_catalog_entity(template: dict[str, Any]) -> None:
    assert entity_problems(template) == []


def test_name_parameter_is_declared_reserved(template: dict[str, Any]) -> None:
    annotations = template["metadata"]["annotations"]
    assert annotations["goldpath.dev/reserved-name-parameter"] == "name"


def test_form_asks_only_for_app_facts_never_platform_facts(
    golden_path: GoldenPath, template: dict[str, Any]
) -> None:
    schema = _form_schema(template)
    assert set(schema["properties"]) == {
        "name",
        "description",
        "owner",
        "system",
        "costCenter",
        "port",
        golden_path.version_parameter,
    }
    assert sorted(schema["required"]) == ["description", "name", "owner"]


def test_both_paths_ask_the_same_app_questions_the_same_way() -> None:
    node, python = (_form_schema(path.load_template())["properties"] for path in GOLDEN_PATHS)
    for field in ("name", "description", "owner", "system"):
        assert node[field] == python[field], field
    assert {k: v for k, v in node["port"].items() if k != "default"} == {
        k: v for k, v in python["port"].items() if k != "default"
    }


def test_owner_uses_the_owner_picker_for_groups(template: dict[str, Any]) -> None:
    owner = _form_schema(template)["properties"]["owner"]
    assert owner["ui:field"] == "OwnerPicker"
    assert owner["ui:options"]["catalogFilter"]["kind"] == "Group"


def test_name_length_cap_matches_the_gitops_renderers(template: dict[str, Any]) -> None:
    name = _form_schema(template)["properties"]["name"]
    assert name["maxLength"] == MAX_APP_NAME_LENGTH


def test_port_defaults_to_the_languages_convention(
    golden_path: GoldenPath, template: dict[str, Any]
) -> None:
    port = _form_schema(template)["properties"]["port"]
    assert port["type"] == "integer"
    assert port["default"] == golden_path.default_port


def test_version_parameter_offers_the_tested_lines_and_defaults_to_the_newest(
    golden_path: GoldenPath, template: dict[str, Any]
) -> None:
    version = _form_schema(template)["properties"][golden_path.version_parameter]
    assert tuple(version["enum"]) == golden_path.versions
    assert len(version["enumNames"]) == len(version["enum"])
    newest = max(version["enum"], key=lambda v: tuple(int(part) for part in v.split(".")))
    assert version["default"] == newest == golden_path.versions[0]


def test_node_versions_are_lts_lines() -> None:
    node = _form_schema(NODEJS.load_template())["properties"]["nodeVersion"]
    assert all(int(version) % 2 == 0 for version in node["enum"])  # LTS lines are even


@pytest.mark.parametrize("golden_path", GOLDEN_PATHS, ids=lambda path: path.name)
@given(data=st.data())
def test_every_generated_parameter_set_satisfies_the_form_schema(
    golden_path: GoldenPath, data: st.DataObject
) -> None:
    params = data.draw(parameters(golden_path))
    jsonschema.validate(params, _form_schema(golden_path.load_template()))


@pytest.mark.parametrize(
    "name",
    [
        "a",  # too short
        "Orders",  # upper case
        "1orders",  # Kubernetes Service names must start with a letter
        "orders-",  # must end with a letter or digit
        "orders_api",  # underscore
        "orders.api",  # dot
        "a" * (MAX_APP_NAME_LENGTH + 1),  # derived names would pass 63
    ],
)
def test_form_rejects_names_kubernetes_or_gitops_cannot_use(
    template: dict[str, Any], name: str
) -> None:
    params = {"name": name, "description": "x", "owner": "team-a"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(params, _form_schema(template))


@pytest.mark.parametrize("description", ["", "   ", "two\nlines"])
def test_form_rejects_blank_or_multiline_descriptions(
    template: dict[str, Any], description: str
) -> None:
    params = {"name": "orders", "description": description, "owner": "team-a"}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(params, _form_schema(template))


@pytest.mark.parametrize("golden_path", GOLDEN_PATHS, ids=lambda path: path.name)
@given(name=app_names())
def test_every_valid_name_is_accepted(golden_path: GoldenPath, name: str) -> None:
    params = {"name": name, "description": "d", "owner": "team-a"}
    jsonschema.validate(params, _form_schema(golden_path.load_template()))


def test_steps_render_publish_gitops_and_register_in_order(template: dict[str, Any]) -> None:
    actions = [(step["id"], step["action"]) for step in template["spec"]["steps"]]
    assert actions == [
        ("fetch", "fetch:template"),
        ("ecr", "aws:ecr:create"),
        ("secret", "aws:secretsmanager:create"),
        ("answers", "fleet:answers"),
        ("publish", "publish:gitlab"),
        ("gitops", "gitops:publish"),
        ("configure", "gitlab:project:configure"),
        ("register", "catalog:register"),
    ]


def test_the_create_records_the_template_and_answers_for_the_fleet(
    template: dict[str, Any],
) -> None:
    steps = _steps(template)
    assert steps["answers"]["input"] == {"values": "${{ parameters }}"}
    assert steps["gitops"]["input"]["answers"] == "${{ steps.answers.output.content }}"


def test_fetch_renders_the_skeleton_with_values(
    golden_path: GoldenPath, template: dict[str, Any]
) -> None:
    fetch = _steps(template)["fetch"]["input"]
    assert fetch["url"] == "./skeleton"
    assert golden_path.skeleton_dir.is_dir()
    expected = {"name", "description", "owner", "system", "port", golden_path.version_parameter}
    assert expected <= set(fetch["values"])


def test_publish_targets_the_configured_app_group_on_main(template: dict[str, Any]) -> None:
    publish = _steps(template)["publish"]["input"]
    assert publish["repoUrl"] == (
        "${{ platform.git_host }}?owner=${{ platform.app_group }}&repo=${{ parameters.name }}"
    )
    assert publish["defaultBranch"] == "main"


def test_gitops_step_gets_the_app_facts(template: dict[str, Any]) -> None:
    gitops = _steps(template)["gitops"]["input"]
    assert set(gitops) == {
        "name",
        "owner",
        "port",
        "description",
        "system",
        "costCenter",
        "answers",
        "environments",
    }
    assert gitops["environments"] == ["dev", "staging", "prod"]
    assert gitops["name"] == "${{ parameters.name }}"
    assert gitops["owner"] == "${{ parameters.owner }}"


def test_both_paths_publish_gitops_through_the_same_step_and_inputs() -> None:
    # One renderer for every path: the gitops step differs only in the port's default.
    node, python = (_steps(path.load_template())["gitops"] for path in (NODEJS, PYTHON))
    assert node["action"] == python["action"] == "gitops:publish"
    for key in ("name", "owner", "description", "system", "costCenter"):
        assert node["input"][key] == python["input"][key], key
    assert python["input"]["port"] == "${{ parameters.port | default(8000) }}"


def test_register_points_at_the_published_catalog_info(template: dict[str, Any]) -> None:
    register = _steps(template)["register"]["input"]
    assert register == {
        "repoContentsUrl": "${{ steps.publish.output.repoContentsUrl }}",
        "catalogInfoPath": "/catalog-info.yaml",
    }


def test_output_exposes_urls_entity_and_links(template: dict[str, Any]) -> None:
    output = template["spec"]["output"]
    assert output["remoteUrl"] == "${{ steps.publish.output.remoteUrl }}"
    assert output["gitopsRemoteUrl"] == "${{ steps.gitops.output.remoteUrl }}"
    assert output["entityRef"] == "${{ steps.register.output.entityRef }}"
    titles = [link["title"] for link in output["links"]]
    assert titles[:5] == ["Repository", "Pipeline", "Open in catalog", "Service", "Dashboard"]
    assert {"ECR repository", "Secret", "CI/CD settings"} <= set(titles)
    catalog_link = output["links"][2]
    assert catalog_link["entityRef"] == "${{ steps.register.output.entityRef }}"


def test_both_paths_produce_the_same_output() -> None:
    assert PYTHON.load_template()["spec"]["output"] == NODEJS.load_template()["spec"]["output"]


def test_platform_facts_come_only_from_known_configuration_names(
    golden_path: GoldenPath,
) -> None:
    text = (golden_path.template_dir / "template.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"platform\.([a-z_]+)", text))
    assert used, "the template reads no platform facts"
    assert used <= PLATFORM_NAMES, f"unknown platform facts: {sorted(used - PLATFORM_NAMES)}"


def test_each_path_lists_what_it_gives_you_for_the_create_page(template: dict[str, Any]) -> None:
    card = template_card(template)
    assert 4 <= len(card.provides) <= 8
    assert any("/metrics" in item for item in card.provides)
    assert any("SAST" in item and "secret detection" in item for item in card.provides)


def test_every_aws_step_gets_the_cost_center_with_its_default(template: dict[str, Any]) -> None:
    steps = _steps(template)
    expected = "${{ parameters.costCenter | default('unassigned') }}"
    for step_id in ("ecr", "secret", "gitops"):
        assert steps[step_id]["input"]["costCenter"] == expected, step_id
    (page,) = [p for p in template["spec"]["parameters"] if "costCenter" in p["properties"]]
    assert page["properties"]["costCenter"]["default"] == "unassigned"
    assert "costCenter" not in page.get("required", [])


def test_the_gitlab_step_hands_the_pipeline_its_repository_and_gitops_token(
    template: dict[str, Any],
) -> None:
    configure = _steps(template)["configure"]["input"]
    assert configure["repoUrl"] == _steps(template)["publish"]["input"]["repoUrl"]
    assert configure["gitopsRepoUrl"] == (
        "${{ platform.git_host }}?owner=${{ platform.gitops_group }}&repo=${{ parameters.name }}"
    )
    variables = {v["key"]: v["value"] for v in configure["projectVariables"]}
    assert variables["ECR_REPOSITORY"] == "${{ steps.ecr.output.repositoryName }}"


@pytest.mark.parametrize("path", GOLDEN_PATHS, ids=lambda path: path.name)
@given(data=st.data())
def test_the_gitops_step_begins_at_the_task_start(path: GoldenPath, data: st.DataObject) -> None:
    """The golden paths' GitOps trees are rendered and validated while the earlier steps
    run: every input of their gitops:publish step but those its preparation ignores comes
    from the parameters (see goldpath.scaffolder._preparing)."""
    settings = Settings(home=Path("/nonexistent-goldpath-home"))
    real = gitops_publish(GitHosts(settings), settings)
    assert real.prepare is not None
    begun: list[str] = []

    @contextmanager
    def begin(values: Any) -> Iterator[Any]:
        begun.append(threading.current_thread().name)
        yield values

    probe = replace(real, prepare=Preparation(ignores=real.prepare.ignores, begin=begin))
    template = _parsed(path.template_dir)
    drawn = data.draw(parameters(path), label="parameters")
    values = with_declared(template, with_defaults(template, drawn))
    context = expression_context(values=values, identity=None, secrets={}, settings=settings)
    preparations = StepPreparations.begin(template, context, ActionRegistry([probe]))
    try:
        assert len(preparations) == 1
    finally:
        preparations.close()
    assert begun == ["prepare-gitops"]
