"""The compiled schema check (jsonschema-rs) decides; jsonschema's messages stay the record.

A document the compiled validator accepts has no problems and never reaches jsonschema; a
document it refuses gets jsonschema's problems, exactly as before. These tests hold the two
to agreement on mutations of every kind goldpath renders.
"""

from __future__ import annotations

import copy
import datetime
import json
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.gitops import PlatformSpec, render_app, render_platform, validate_tree
from goldpath.gitops import _schemas as schemas
from goldpath.gitops import _validate as validation
from goldpath.gitops._schemas import (
    CUSTOM_KINDS,
    SchemaProblem,
    core_schema_problems,
    custom_schema_problems,
    is_custom_kind,
    supported_kubernetes_versions,
)
from tests.gitops.helpers import manifests, spec

KUBERNETES = "1.30"
TREES = (
    render_app(spec(environments=("dev", "staging", "prod"), secret_keys=("DB_URL",),
                    metrics_port=9464)),
    render_app(spec()),
    render_platform(PlatformSpec(egress_https_cidrs=("52.94.0.0/16",))),
)
DOCUMENTS: dict[tuple[str, str], list[dict[str, Any]]] = {}
for _tree in TREES:
    for _, _doc in manifests(_tree):
        DOCUMENTS.setdefault((_doc["apiVersion"], _doc["kind"]), []).append(_doc)
KINDS = sorted(DOCUMENTS)


def _kind_validators(api_version: str, kind: str) -> Any:
    """The validator pair of a kind, or None where no schema knows it."""
    if is_custom_kind(api_version, kind):
        return schemas._custom_validators(CUSTOM_KINDS[(api_version, kind)])
    return schemas._core_validators(KUBERNETES, api_version, kind)


def _validators(document: dict[str, Any]) -> Any:
    """The validator pair the public functions pick for a document, or None."""
    return _kind_validators(str(document.get("apiVersion")), str(document.get("kind")))


def _public(document: dict[str, Any]) -> list[SchemaProblem] | None:
    """What validate_manifests gets for a document (custom or core, as it routes them)."""
    if is_custom_kind(str(document.get("apiVersion")), str(document.get("kind"))):
        return custom_schema_problems(document)
    return core_schema_problems(document, KUBERNETES)


def _python_only(document: dict[str, Any]) -> list[SchemaProblem] | None:
    """The jsonschema validator alone, as goldpath validated before the compiled check."""
    validators = _validators(document)
    return None if validators is None else schemas._validate(validators.full, document)


# -- mutations of rendered documents ---------------------------------------------------

_OTHER_VALUES: tuple[Any, ...] = (
    None, 0, -1, 7, 2**40, 1.5, True, False, "", "x", "not-a-valid-value", [], ["x"], [1],
    {}, {"x": 1}, {"name": "x"},
)
_UNKNOWN_KEYS = ("goldpathUnknown", "replicaz", "x", "selfheal", "metadata2")
_NOT_JSON: tuple[Any, ...] = (datetime.date(2026, 12, 5), b"bytes", "\ud800", {1: "x"})


def _slots(node: Any) -> list[tuple[Any, Any]]:
    """Every (container, key-or-index) in a document, the document's own keys included."""
    out: list[tuple[Any, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((node, key))
            out.extend(_slots(value))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            out.append((node, index))
            out.extend(_slots(value))
    return out


def _mappings(node: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if isinstance(node, dict):
        out.append(node)
        for value in node.values():
            out.extend(_mappings(value))
    elif isinstance(node, list):
        for value in node:
            out.extend(_mappings(value))
    return out


def _mutate(draw: Callable[..., Any], document: dict[str, Any], values: tuple[Any, ...]) -> None:
    operation = draw(st.sampled_from(["delete", "retype", "unknown-key", "wrong-enum"]))
    if operation == "unknown-key":
        target = draw(st.sampled_from(_mappings(document)))
        target[draw(st.sampled_from(_UNKNOWN_KEYS))] = copy.deepcopy(draw(st.sampled_from(values)))
        return
    slots = _slots(document)
    if operation == "wrong-enum":
        slots = [(c, k) for c, k in slots if isinstance(c[k], str)] or slots
    container, key = draw(st.sampled_from(slots))
    if operation == "delete":
        del container[key]
    elif operation == "retype":
        current = container[key]
        container[key] = copy.deepcopy(draw(st.sampled_from(
            [v for v in values if type(v) is not type(current)] or list(values))))
    else:
        # kind, apiVersion, protocol, policyTypes, imagePullPolicy... are enums
        container[key] = draw(st.sampled_from(["NotAKind", "TCPX", "Egres", "sometimes"]))


@st.composite
def _mutated(draw: Callable[..., Any], kind: tuple[str, str],
             values: tuple[Any, ...] = _OTHER_VALUES) -> dict[str, Any]:
    document = copy.deepcopy(draw(st.sampled_from(DOCUMENTS[kind])))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        _mutate(draw, document, values)
    return document


# -- the fast path agrees with jsonschema ----------------------------------------------


@pytest.mark.parametrize("kind", KINDS, ids=["/".join(k) for k in KINDS])
@settings(max_examples=40)
@given(data=st.data())
def test_compiled_check_and_jsonschema_agree_on_mutated_documents(
    kind: tuple[str, str], data: st.DataObject
) -> None:
    document = data.draw(_mutated(kind))
    # against the schema it was rendered for, even where its apiVersion or kind was broken
    validators = _kind_validators(*kind)
    expected = schemas._validate(validators.full, document)
    assert validators.fast.is_valid(document) == (not expected), (document, expected)
    # and what goldpath reports is jsonschema's verdict, with the schema goldpath picks
    assert _public(document) == _python_only(document)


@pytest.mark.parametrize("kind", KINDS, ids=["/".join(k) for k in KINDS])
@settings(max_examples=20)
@given(data=st.data())
def test_documents_the_compiled_check_cannot_read_get_jsonschemas_verdict(
    kind: tuple[str, str], data: st.DataObject
) -> None:
    document = data.draw(_mutated(kind, values=_NOT_JSON))
    assert _public(document) == _python_only(document)


@pytest.mark.parametrize("kind", KINDS, ids=["/".join(k) for k in KINDS])
def test_rendered_documents_pass_both_validators(kind: tuple[str, str]) -> None:
    for document in DOCUMENTS[kind]:
        validators = _validators(document)
        assert validators.fast is not None and validators.fast.is_valid(document)
        assert schemas._validate(validators.full, document) == []
        assert _public(document) == []


def test_problems_and_their_order_are_jsonschemas_own() -> None:
    deployment = copy.deepcopy(DOCUMENTS[("apps/v1", "Deployment")][0])
    deployment["spec"]["replicas"] = "two"
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyz"] = "Always"
    deployment["spec"]["paused"] = "no"
    validator = schemas._core_validators(KUBERNETES, "apps/v1", "Deployment").full
    expected = sorted(validator.iter_errors(deployment), key=lambda e: list(e.absolute_path))
    assert core_schema_problems(deployment, KUBERNETES) == [
        f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in expected
    ]
    assert len(expected) == 3


# -- the fast path is taken, and where the two disagree jsonschema wins ----------------


@pytest.fixture
def python_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every document the jsonschema validator is asked about (the memory forgotten)."""
    calls: list[dict[str, Any]] = []
    real = schemas._validate

    def counting(validator: Any, document: dict[str, Any]) -> list[SchemaProblem]:
        calls.append(document)
        return real(validator, document)

    monkeypatch.setattr(schemas, "_validate", counting)
    validation._verdicts.clear()  # remembered verdicts would hide the path taken
    return calls


def test_a_valid_tree_never_reaches_jsonschema(python_calls: list[dict[str, Any]]) -> None:
    for tree in TREES:
        report = validate_tree(tree, tools=False)
        assert report.ok, report.failures
        assert report.objects > 0
    assert python_calls == []


def test_a_refused_document_is_explained_by_jsonschema(
    python_calls: list[dict[str, Any]],
) -> None:
    service = copy.deepcopy(DOCUMENTS[("v1", "Service")][0])
    service["spec"]["portz"] = []
    problems = core_schema_problems(service, KUBERNETES)
    assert problems and any("portz" in p for p in problems)
    assert python_calls == [service]


def test_where_only_the_compiled_check_refuses_jsonschemas_empty_verdict_stands(
    python_calls: list[dict[str, Any]],
) -> None:
    # Python's `$` matches before a final newline, ECMA's (jsonschema-rs) does not: the
    # one known disagreement, and it runs the safe way.
    secret = copy.deepcopy(DOCUMENTS[("external-secrets.io/v1", "ExternalSecret")][0])
    secret["spec"]["target"]["name"] += "\n"
    assert not schemas._custom_validators(CUSTOM_KINDS[
        ("external-secrets.io/v1", "ExternalSecret")]).fast.is_valid(secret)
    assert custom_schema_problems(secret) == []
    assert len(python_calls) == 1


@pytest.mark.parametrize("version", supported_kubernetes_versions())
def test_every_rendered_core_kind_has_a_compiled_check_at_every_version(version: str) -> None:
    for api_version, kind in KINDS:
        if is_custom_kind(api_version, kind):
            continue
        validators = schemas._core_validators(version, api_version, kind)
        if validators is not None:  # a kind an old version has no schema for
            assert validators.fast is not None, (version, kind)


def test_every_custom_kind_has_a_compiled_check() -> None:
    for file in CUSTOM_KINDS.values():
        assert schemas._custom_validators(file).fast is not None, file


def test_formats_are_not_asserted_as_jsonschema_does_not() -> None:
    # int32 is a format in the Deployment schema; jsonschema only annotates it
    deployment = copy.deepcopy(DOCUMENTS[("apps/v1", "Deployment")][0])
    deployment["spec"]["replicas"] = 2**40
    assert core_schema_problems(deployment, KUBERNETES) == []
    assert schemas._custom_validators(CUSTOM_KINDS[("argoproj.io/v1alpha1", "Application")])\
        .fast is not None
    assert schemas._compile(jsonschema_rs.validator_for, {
        "$schema": "http://json-schema.org/draft-07/schema#", "format": "date-time",
    }).is_valid("not a date")


def test_compiled_schemas_never_fetch_a_reference(tmp_path: Path) -> None:
    target = tmp_path / "other.json"
    target.write_text(json.dumps({"type": "string"}))
    schema = {"$ref": target.as_uri()}
    assert jsonschema_rs.validator_for(schema).is_valid("x")  # it would read it otherwise
    assert schemas._compile(jsonschema_rs.validator_for, schema) is None
    registry = schemas._fast_definitions(schemas._schema_dir(KUBERNETES))
    assert schemas._compile(jsonschema_rs.Draft202012Validator, schema, registry) is None


@settings(max_examples=200)
@given(st.one_of(
    st.text(max_size=8),
    st.sampled_from(["abort", "ABORT", "Warn", "wArN", "", "abort\n", "warn ", "aborts"]),
))
def test_a_leading_case_flag_means_the_same_once_scoped(value: str) -> None:
    pattern = "(?i)^(abort|warn)?$"
    compiled = schemas._compile(jsonschema_rs.validator_for, {"pattern": pattern})
    assert compiled is not None
    python = re.search(pattern, value) is not None
    if compiled.is_valid(value):
        assert python
    elif not value.endswith("\n"):
        assert not python


def test_data_keywords_are_copied_as_they_are() -> None:
    schema = {"properties": {"pattern": {"pattern": "(?i)^a$", "enum": [{"pattern": "(?i)b"}]}}}
    assert schemas._for_rs(schema) == {
        "properties": {"pattern": {"pattern": "(?i:^a$)", "enum": [{"pattern": "(?i)b"}]}}
    }


def test_compiled_checks_built_in_one_thread_serve_the_task_workers() -> None:
    deployment = DOCUMENTS[("apps/v1", "Deployment")][0]
    broken = copy.deepcopy(deployment)
    broken["spec"]["replicas"] = "two"
    assert core_schema_problems(deployment, KUBERNETES) == []  # built on this thread
    with ThreadPoolExecutor(4) as pool:
        verdicts = list(pool.map(lambda d: core_schema_problems(d, KUBERNETES),
                                 [deployment, broken] * 20))
    assert verdicts[0::2] == [[]] * 20
    assert all(v and v[0].startswith("spec.replicas") for v in verdicts[1::2])


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [("v1", "../../v1.30.0-local-strict/service"), ("../x/v1", "Service"), ("v1", "Ser vice"),
     ("apps/v1/..", "Deployment"), ("v1", "")],
)
def test_a_kind_or_api_version_that_is_no_name_reaches_no_schema_file(
    api_version: str, kind: str
) -> None:
    document = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}
    assert core_schema_problems(document, "1.30") is None  # reported as an unknown kind


def test_real_kinds_and_api_versions_still_name_their_schemas() -> None:
    for api_version, kind in [("v1", "Service"), ("apps/v1", "Deployment"),
                              ("networking.k8s.io/v1", "NetworkPolicy"),
                              ("rbac.authorization.k8s.io/v1", "Role"),
                              ("autoscaling/v2", "HorizontalPodAutoscaler"),
                              ("policy/v1", "PodDisruptionBudget")]:
        document = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}}
        assert core_schema_problems(document, "1.30") is not None, (api_version, kind)
