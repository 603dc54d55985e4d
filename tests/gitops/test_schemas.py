"""Rendered manifests against independent schemas: kubernetes-validate and upstream CRDs."""

from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
import kubernetes_validate  # type: ignore[import-untyped]
import pytest
from hypothesis import given, settings

from goldpath.gitops import AppSpec, PlatformSpec, render_app, render_platform, validate_tree
from goldpath.gitops._schemas import CUSTOM_KINDS, core_schema_problems, custom_schema_problems
from tests.gitops import crd_schemas
from tests.gitops.helpers import manifests, spec
from tests.gitops.strategies import app_specs

TREES = {
    "app": lambda: render_app(spec()),
    "app-with-overlays": lambda: render_app(spec(environments=("dev", "staging", "prod"),
                                                 secret_keys=("DB_URL",), metrics_port=9464)),
    "platform": lambda: render_platform(PlatformSpec(egress_https_cidrs=("52.94.0.0/16",))),
}
needs_upstream = pytest.mark.skipif(
    not crd_schemas.UPSTREAM.is_dir(),
    reason=f"upstream CRD schemas not found at {crd_schemas.UPSTREAM} "
    "(they live in ../shared/schemas/crds next to the project)",
)


def _objects(tree: str) -> list[dict[str, Any]]:
    return [doc for _, doc in manifests(TREES[tree]())]


@pytest.mark.parametrize("tree", sorted(TREES))
def test_core_objects_pass_kubernetes_validate_strict(tree: str) -> None:
    checked = 0
    for doc in _objects(tree):
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(doc, "1.30", strict=True)
        checked += 1
    assert checked >= 6


@needs_upstream
@pytest.mark.parametrize("tree", sorted(TREES))
def test_custom_resources_pass_the_upstream_crd_schemas(tree: str) -> None:
    checked = 0
    for doc in _objects(tree):
        if (doc["apiVersion"], doc["kind"]) not in CUSTOM_KINDS:
            continue
        group, version = doc["apiVersion"].split("/")
        schema = json.loads((crd_schemas.UPSTREAM / crd_schemas.file_name(
            group, version, doc["kind"])).read_text())
        # Upstream patterns use Go's regex dialect, so the schema itself is not checked
        # against the metaschema; validating documents works the same.
        validator = jsonschema.validators.validator_for(schema)(schema)
        errors = [e.message for e in validator.iter_errors(doc)]
        assert not errors, (doc["kind"], errors)
        checked += 1
    assert checked >= 1


@needs_upstream
def test_shipped_schemas_are_exactly_the_reviewed_derivation_of_upstream() -> None:
    for name, text in crd_schemas.render_all().items():
        assert (crd_schemas.SHIPPED / name).read_text() == text, name


def test_every_custom_kind_has_a_shipped_schema() -> None:
    shipped = {p.relative_to(crd_schemas.SHIPPED).as_posix()
               for p in crd_schemas.SHIPPED.rglob("*.json")}
    assert set(CUSTOM_KINDS.values()) == shipped


def test_shipped_schema_refuses_a_misspelt_field_upstream_would_prune() -> None:
    app = next(d for d in _objects("app") if d["kind"] == "Application")
    app["spec"]["syncPolicy"]["automated"]["selfheal"] = True
    problems = custom_schema_problems(app)
    assert any("selfheal" in p for p in problems)


def test_core_check_agrees_with_kubernetes_validate_on_a_broken_object() -> None:
    deployment = next(d for d in _objects("app") if d["kind"] == "Deployment")
    deployment["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, "1.30", strict=True)
    problems = core_schema_problems(deployment, "1.30")
    assert problems and any(p.startswith("spec.replicas") for p in problems)


def test_strict_mode_refuses_unknown_core_fields() -> None:
    service = next(d for d in _objects("app") if d["kind"] == "Service")
    service["spec"]["portz"] = []
    report = validate_tree({"base/service.yaml": json.dumps(service)}, tools=False)
    assert any(f.check == "kubernetes" and "portz" in f.message for f in report.findings)


def test_unknown_kind_is_reported_not_skipped() -> None:
    doc = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    report = validate_tree({"widget.yaml": json.dumps(doc)}, tools=False)
    assert [f.rule for f in report.findings if f.check == "schema"] == ["unknown-kind"]


def test_kubernetes_version_is_honoured() -> None:
    report = validate_tree(render_app(spec()), kubernetes_version="1.25", tools=False)
    assert "kubernetes-validate (strict, 1.25)" in report.checked


@needs_upstream
@settings(max_examples=15)
@given(app_specs())
def test_any_spec_renders_objects_valid_under_independent_schemas(spec_: AppSpec) -> None:
    for _, doc in manifests(render_app(spec_)):
        key = (doc["apiVersion"], doc["kind"])
        if key in CUSTOM_KINDS:
            group, version = doc["apiVersion"].split("/")
            errors = [e.message for e in _upstream_validator(group, version, doc["kind"])
                      .iter_errors(doc)]
            assert not errors, (doc["kind"], errors)
        else:
            kubernetes_validate.validate(doc, spec_.platform.kubernetes_version, strict=True)


@functools.cache
def _upstream_validator(group: str, version: str, kind: str) -> Any:
    schema = json.loads((crd_schemas.UPSTREAM / crd_schemas.file_name(group, version, kind))
                        .read_text())
    return jsonschema.validators.validator_for(schema)(schema)


def test_a_document_validated_again_gets_the_same_verdict_and_an_edit_a_new_one() -> None:
    deployment = next(
        doc for _, doc in manifests(render_app(spec())) if doc.get("kind") == "Deployment"
    )
    assert core_schema_problems(deployment, "1.30") == []
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replicas"] = "three"
    first = core_schema_problems(broken, "1.30")
    assert first and any("replicas" in problem for problem in first)
    again = core_schema_problems(broken, "1.30")
    assert again == first
    again.clear()  # the remembered verdict is the cache's own, not the caller's list
    assert core_schema_problems(broken, "1.30") == first
    assert core_schema_problems(deployment, "1.30") == []
