"""The nodejs-service template.yaml: a Backstage v1beta3 Template wired to goldpath's steps."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest
from hypothesis import given

from goldpath.catalog import entity_problems
from goldpath.gitops import MAX_APP_NAME_LENGTH
from goldpath.templates import TEMPLATES_DIR, builtin_template_paths
from tests.templates._render import TEMPLATE_DIR, load_template, platform_facts
from tests.templates.strategies import NODE_VERSIONS, app_names, parameters

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


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_template()


def test_builtin_templates_include_nodejs_service() -> None:
    assert TEMPLATE_DIR / "template.yaml" in builtin_template_paths()
    assert TEMPLATE_DIR.parent == TEMPLATES_DIR


def test_template_is_a_v1beta3_template_named_nodejs_service(template: dict[str, Any]) -> None:
    assert template["apiVersion"] == "scaffolder.backstage.io/v1beta3"
    assert template["kind"] == "Template"
    assert template["metadata"]["name"] == "nodejs-service"
    assert template["metadata"]["namespace"] == "default"


def test_template_is_a_valid_catalog_entity(template: dict[str, Any]) -> None:
    assert entity_problems(template) == []


def test_name_parameter_is_declared_reserved(template: dict[str, Any]) -> None:
    annotations = template["metadata"]["annotations"]
    assert annotations["goldpath.dev/reserved-name-parameter"] == "name"


def test_form_asks_only_for_app_facts_never_platform_facts(template: dict[str, Any]) -> None:
    schema = _form_schema(template)
    assert set(schema["properties"]) == {
        "name",
        "description",
        "owner",
        "system",
        "port",
        "nodeVersion",
    }
    assert sorted(schema["required"]) == ["description", "name", "owner"]


def test_owner_uses_the_owner_picker_for_groups(template: dict[str, Any]) -> None:
    owner = _form_schema(template)["properties"]["owner"]
    assert owner["ui:field"] == "OwnerPicker"
    assert owner["ui:options"]["catalogFilter"]["kind"] == "Group"


def test_name_length_cap_matches_the_gitops_renderers(template: dict[str, Any]) -> None:
    name = _form_schema(template)["properties"]["name"]
    assert name["maxLength"] == MAX_APP_NAME_LENGTH


def test_port_defaults_to_3000(template: dict[str, Any]) -> None:
    port = _form_schema(template)["properties"]["port"]
    assert port["type"] == "integer"
    assert port["default"] == 3000


def test_node_version_offers_lts_lines_and_defaults_to_the_newest(
    template: dict[str, Any],
) -> None:
    node = _form_schema(template)["properties"]["nodeVersion"]
    assert tuple(node["enum"]) == NODE_VERSIONS
    assert all(int(version) % 2 == 0 for version in node["enum"])  # LTS lines are even
    assert node["default"] == max(node["enum"], key=int)


@given(parameters())
def test_every_generated_parameter_set_satisfies_the_form_schema(params: dict[str, Any]) -> None:
    jsonschema.validate(params, _form_schema(load_template()))


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


@given(app_names())
def test_every_valid_name_is_accepted(name: str) -> None:
    params = {"name": name, "description": "d", "owner": "team-a"}
    jsonschema.validate(params, _form_schema(load_template()))


def test_steps_render_publish_gitops_and_register_in_order(template: dict[str, Any]) -> None:
    actions = [(step["id"], step["action"]) for step in template["spec"]["steps"]]
    assert actions == [
        ("fetch", "fetch:template"),
        ("publish", "publish:gitlab"),
        ("gitops", "gitops:publish"),
        ("register", "catalog:register"),
    ]


def test_fetch_renders_the_skeleton_with_values(template: dict[str, Any]) -> None:
    fetch = _steps(template)["fetch"]["input"]
    assert fetch["url"] == "./skeleton"
    assert (TEMPLATE_DIR / "skeleton").is_dir()
    assert {"name", "description", "owner", "system", "port", "nodeVersion"} <= set(fetch["values"])


def test_publish_targets_the_configured_app_group_on_main(template: dict[str, Any]) -> None:
    publish = _steps(template)["publish"]["input"]
    assert publish["repoUrl"] == (
        "${{ platform.git_host }}?owner=${{ platform.app_group }}&repo=${{ parameters.name }}"
    )
    assert publish["defaultBranch"] == "main"


def test_gitops_step_gets_the_app_facts(template: dict[str, Any]) -> None:
    gitops = _steps(template)["gitops"]["input"]
    assert set(gitops) == {"name", "owner", "port", "description", "system"}
    assert gitops["name"] == "${{ parameters.name }}"
    assert gitops["owner"] == "${{ parameters.owner }}"


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
    assert titles == ["Repository", "Pipeline", "Open in catalog", "Service", "Dashboard"]
    catalog_link = output["links"][2]
    assert catalog_link["entityRef"] == "${{ steps.register.output.entityRef }}"


def test_platform_facts_come_only_from_known_configuration_names() -> None:
    text = (TEMPLATE_DIR / "template.yaml").read_text(encoding="utf-8")
    used = set(re.findall(r"platform\.([a-z_]+)", text))
    assert used, "the template reads no platform facts"
    assert used <= PLATFORM_NAMES, f"unknown platform facts: {sorted(used - PLATFORM_NAMES)}"
