"""The v1beta3 Template model: shapes refused with every problem, values validated per page."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.scaffolder import parameter_schema, parse_template, validate_values, with_defaults
from goldpath.scaffolder.errors import TemplateInvalidError, TemplateValuesError


def _entity(**spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "t"},
        "spec": {"steps": [], **spec},
    }


def test_one_page_or_a_list() -> None:
    page = {"properties": {"a": {"type": "string"}}}
    assert parse_template(_entity(parameters=page)).parameters == [page]
    assert parse_template(_entity(parameters=[page, page])).parameters == [page, page]


def test_every_shape_problem_is_reported_at_once() -> None:
    entity = _entity(
        parameters=[{"type": 3}],
        steps=[{"id": "a", "action": "debug:log"}, {"id": "a", "action": "debug:log"}, {"id": "b"}],
    )
    entity["kind"] = "Component"
    with pytest.raises(TemplateInvalidError) as info:
        parse_template(entity)
    fields = [e.field for e in info.value.errors]
    assert fields == ["kind", "spec.parameters[0]", "spec.steps[1].id", "spec.steps[2].action"]


def test_a_parameters_page_seen_before_gets_the_same_verdict_without_a_new_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from goldpath.scaffolder import _template

    _template._schema_problems.clear()
    checks: list[object] = []
    real = _template.Draft7Validator.check_schema
    monkeypatch.setattr(
        _template.Draft7Validator, "check_schema", lambda page: checks.append(page) or real(page)
    )
    good = {"properties": {"a": {"type": "string"}}}
    bad = {"type": 3}
    for _ in range(3):
        assert parse_template(_entity(parameters=good)).parameters == [good]
        with pytest.raises(TemplateInvalidError) as info:
            parse_template(_entity(parameters=bad))
        assert [(e.field, e.rule) for e in info.value.errors] == [("spec.parameters[0]", "schema")]
        assert "is not valid under any of the given schemas" in info.value.errors[0].message
    assert len(checks) == 2  # once each


def test_a_parameters_page_that_is_not_json_is_still_checked() -> None:
    # YAML reads an unquoted date as a date: no JSON text to remember it by
    page = {"properties": {"a": {"type": "string", "default": date(2026, 1, 1)}}, "type": 3}
    with pytest.raises(TemplateInvalidError) as info:
        parse_template(_entity(parameters=page))
    assert [e.field for e in info.value.errors] == ["spec.parameters[0]"]


def test_steps_keep_if_each_and_default_ids() -> None:
    template = parse_template(
        _entity(
            steps=[{"action": "debug:log", "if": "${{ x }}", "each": [1, 2], "input": {"m": 1}}]
        )
    )
    step = template.steps[0]
    assert (step.id, step.if_, step.each, step.input) == ("step-0", "${{ x }}", [1, 2], {"m": 1})


def test_parameter_schema_has_one_step_per_page() -> None:
    template = parse_template(
        _entity(parameters=[{"title": "One", "properties": {}}, {"properties": {}}])
    )
    steps = parameter_schema(template)["steps"]
    assert [s["title"] for s in steps] == ["One", "Please enter the following information"]


def test_defaults_fill_missing_values_only() -> None:
    template = parse_template(
        _entity(parameters=[{"properties": {"port": {"type": "integer", "default": 80}}}])
    )
    assert with_defaults(template, {}) == {"port": 80}
    assert with_defaults(template, {"port": 9}) == {"port": 9}


PAGES = [
    {"required": ["name"], "properties": {"name": {"type": "string", "maxLength": 10}}},
    {"required": ["size"], "properties": {"size": {"type": "integer", "minimum": 1}}},
]


@given(
    name=st.one_of(st.none(), st.text(max_size=20), st.integers()),
    size=st.one_of(st.none(), st.integers(-5, 5), st.text(max_size=3)),
)
def test_all_errors_of_all_pages_are_reported_together(name: Any, size: Any) -> None:
    template = parse_template(_entity(parameters=PAGES))
    values = {k: v for k, v in (("name", name), ("size", size)) if v is not None}
    name_ok = isinstance(name, str) and len(name) <= 10
    size_ok = isinstance(size, int) and size >= 1
    if name_ok and size_ok:
        validate_values(template, values)
        return
    with pytest.raises(TemplateValuesError) as info:
        validate_values(template, values)
    fields = {e.field for e in info.value.errors}
    assert fields == {f for f, ok in (("name", name_ok), ("size", size_ok)) if not ok}
