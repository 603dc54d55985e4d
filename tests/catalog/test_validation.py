"""Backstage's entity rules: each broken rule is reported with its field and rule, all at once."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.catalog.conftest import component

from goldpath.catalog import KINDS, InvalidEntityError, entity_problems, validate_entity
from goldpath.catalog._refs import NAME_PATTERN


def _problems(entity: dict[str, Any]) -> set[tuple[str, str]]:
    return {(p.field, p.rule) for p in entity_problems(entity)}


def _with(path: str, value: Any) -> dict[str, Any]:
    entity = component("svc")
    node = entity
    steps = path.split(".")
    for step in steps[:-1]:
        node = node.setdefault(step, {})
    node[steps[-1]] = value
    return entity


def test_a_valid_component_has_no_problems() -> None:
    assert entity_problems(component("artist-lookup", system="x", dependsOn=["resource:db"])) == []


@pytest.mark.parametrize(
    ("path", "value", "field", "rule"),
    [
        ("metadata.name", "-starts-with-dash", "metadata.name", "pattern"),
        ("metadata.name", "a" * 64, "metadata.name", "max_length"),
        ("metadata.name", "", "metadata.name", "required"),
        ("metadata.namespace", "Not_DNS", "metadata.namespace", "pattern"),
        ("metadata.tags", ["UPPER"], "metadata.tags[0]", "pattern"),
        ("metadata.tags", ["a" * 64], "metadata.tags[0]", "pattern"),
        ("metadata.labels", {"bad key!": "v"}, "metadata.labels.bad key!", "key_pattern"),
        ("metadata.labels", {"Bad_Prefix/x": "v"}, "metadata.labels.Bad_Prefix/x", "key_prefix"),
        ("metadata.labels", {"ok": "not ok"}, "metadata.labels.ok", "value_pattern"),
        (
            "metadata.annotations",
            {"example.com/x": 3},
            "metadata.annotations.example.com/x",
            "type",
        ),
        ("metadata.links", [{"title": "no url"}], "metadata.links[0].url", "required"),
        ("metadata.title", 5, "metadata.title", "type"),
        ("kind", "9Component", "kind", "pattern"),
        ("kind", "Widget", "kind", "known_kind"),
        ("apiVersion", "nope", "apiVersion", "pattern"),
        ("apiVersion", "scaffolder.backstage.io/v1beta3", "apiVersion", "kind_api_version"),
        ("spec.owner", "", "spec.owner", "min_length"),
        ("spec.providesApis", "not-a-list", "spec.providesApis", "type"),
        ("spec.dependsOn", [3], "spec.dependsOn[0]", "type"),
    ],
)
def test_each_rule_names_its_field_and_rule(path: str, value: Any, field: str, rule: str) -> None:
    assert (field, rule) in _problems(_with(path, value))


def test_every_problem_is_reported_at_once() -> None:
    entity = {"kind": "Component", "metadata": {"name": "-x", "tags": ["A B"]}, "spec": {}}
    found = _problems(entity)
    assert {
        ("apiVersion", "required"),
        ("metadata.name", "pattern"),
        ("metadata.tags[0]", "pattern"),
        ("spec.type", "required"),
        ("spec.lifecycle", "required"),
        ("spec.owner", "required"),
    } <= found


def test_validate_entity_raises_with_every_problem_in_errors() -> None:
    with pytest.raises(InvalidEntityError) as caught:
        validate_entity({"apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": {}})
    fields = {e.field for e in caught.value.errors}
    assert {"metadata.name", "spec"} <= fields
    assert "metadata.name" in caught.value.message


@pytest.mark.parametrize(
    ("kind", "required"),
    [(spec.kind, key) for spec in KINDS.values() for key in spec.required],
)
def test_each_kind_requires_its_spec_fields(kind: str, required: str) -> None:
    api_version = KINDS[kind.lower()].api_versions[0]
    entity = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": {}}
    assert (f"spec.{required}", "required") in _problems(entity)


def test_placeholders_stand_in_for_strings() -> None:
    api = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "API",
        "metadata": {"name": "petstore"},
        "spec": {
            "type": "openapi",
            "lifecycle": "production",
            "owner": "team-a",
            "definition": {"$text": "./petstore.oas.yaml"},
        },
    }
    assert entity_problems(api) == []


def test_label_and_annotation_keys_may_have_a_dns_prefix() -> None:
    entity = component("svc")
    entity["metadata"]["labels"] = {"example.com/tier": "gold", "plain": "v1.2_3"}
    entity["metadata"]["annotations"] = {"backstage.io/source-location": "url:https://x/y"}
    assert entity_problems(entity) == []


@given(st.text(max_size=70).filter(lambda s: not (NAME_PATTERN.fullmatch(s) and len(s) <= 63)))
def test_any_invalid_name_is_rejected_naming_metadata_name(name: str) -> None:
    entity = copy.deepcopy(component("x"))
    entity["metadata"]["name"] = name
    assert any(p.field == "metadata.name" for p in entity_problems(entity))


def test_a_template_is_validated_as_v1beta3() -> None:
    template = {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "nodejs-service"},
        "spec": {
            "type": "service",
            "owner": "platform-team",
            "parameters": [],
            "steps": [{"id": "fetch", "action": "fetch:template"}, {"id": "x"}],
        },
    }
    assert _problems(template) == {("spec.steps[1].action", "required")}
