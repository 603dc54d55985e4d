"""Expressions: types kept, context, filters, and a sandbox nothing escapes."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.scaffolder import render_value
from goldpath.scaffolder.errors import ExpressionError

CONTEXT: dict[str, Any] = {
    "parameters": {
        "name": "svc",
        "tags": ["a", "b"],
        "port": 3000,
        "public": True,
        "repoUrl": "github.com?owner=acme&repo=svc",
        "owner": "team-a",
    },
    "steps": {"fetch-base": {"output": {"files": 3}}, "publish": {"output": {"remoteUrl": "u"}}},
    "user": {"ref": "user:default/ada", "entity": {"metadata": {"name": "ada"}}},
    "secrets": {"token": "s3cret"},
    "platform": {"domain": "apps.example.com"},
}


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("${{ parameters.tags }}", ["a", "b"]),
        ("${{ parameters.port }}", 3000),
        ("${{ parameters.public }}", True),
        ("  ${{ parameters.name }}  ", "svc"),
        ("${{ parameters }}", CONTEXT["parameters"]),
    ],
)
def test_single_expression_keeps_its_type(expression: str, expected: Any) -> None:
    assert render_value(expression, CONTEXT) == expected


def test_mixed_text_renders_to_a_string() -> None:
    assert (
        render_value("svc-${{ parameters.port }}.${{ platform.domain }}", CONTEXT)
        == "svc-3000.apps.example.com"
    )


def test_nested_values_are_rendered_throughout() -> None:
    value = {"a": ["${{ parameters.name }}", {"b": "${{ user.ref }}"}], "c": 1}
    assert render_value(value, CONTEXT) == {"a": ["svc", {"b": "user:default/ada"}], "c": 1}


def test_steps_by_dot_and_by_subscript() -> None:
    assert render_value("${{ steps.publish.output.remoteUrl }}", CONTEXT) == "u"
    assert render_value("${{ steps['fetch-base'].output.files }}", CONTEXT) == 3


def test_parse_repo_url_filter() -> None:
    assert render_value("${{ parameters.repoUrl | parseRepoUrl }}", CONTEXT) == {
        "host": "github.com",
        "owner": "acme",
        "repo": "svc",
        "organization": None,
        "workspace": None,
        "project": None,
    }


def test_project_slug_filter() -> None:
    assert render_value("${{ parameters.repoUrl | projectSlug }}", CONTEXT) == "acme/svc"


def test_parse_entity_ref_uses_defaults() -> None:
    ref = (
        "${{ parameters.owner"
        " | parseEntityRef({'defaultKind': 'group', 'defaultNamespace': 'teams'}) }}"
    )
    assert render_value(ref, CONTEXT) == {"kind": "group", "namespace": "teams", "name": "team-a"}
    assert render_value("${{ 'user:x/y' | parseEntityRef }}", CONTEXT) == {
        "kind": "user",
        "namespace": "x",
        "name": "y",
    }


def test_pick_and_dump_filters() -> None:
    assert (
        render_value("${{ parameters.repoUrl | parseRepoUrl | pick('owner') }}", CONTEXT) == "acme"
    )
    assert render_value("${{ parameters.tags | dump }}", CONTEXT) == '["a", "b"]'


def test_undefined_names_fail_naming_the_problem() -> None:
    with pytest.raises(ExpressionError, match="nope"):
        render_value("${{ parameters.nope }}", CONTEXT, where="steps.x.input.name")


def test_default_filter_covers_missing_values() -> None:
    assert render_value("${{ parameters.system | default('') }}", CONTEXT) == ""


def test_malformed_expression_is_a_clear_error() -> None:
    with pytest.raises(ExpressionError) as info:
        render_value("${{ parameters.name | }}", CONTEXT, where="steps.a.input.x")
    assert info.value.errors[0].field == "steps.a.input.x"


def test_bad_repo_url_names_what_is_missing() -> None:
    with pytest.raises(ExpressionError, match="owner"):
        render_value("${{ 'github.com?repo=x' | parseRepoUrl }}", CONTEXT)


UNSAFE = [
    "parameters.__class__",
    "parameters.__class__.__mro__",
    "().__class__.__base__.__subclasses__()",
    "parameters.tags.append(1)",
    "parameters.update({})",
    "user.entity.clear()",
    "parameters.name.__class__",
    "lipsum.__globals__",
    "cycler.__init__.__globals__",
    "range.__self__",
]


@pytest.mark.parametrize("expression", UNSAFE)
def test_sandbox_blocks_known_escapes(expression: str) -> None:
    with pytest.raises(ExpressionError):
        render_value("${{ " + expression + " }}", CONTEXT)
    with pytest.raises(ExpressionError):
        render_value("x ${{ " + expression + " }} y", CONTEXT)


dunder = st.from_regex(r"__[a-z]{1,10}__", fullmatch=True)
roots = st.sampled_from(
    ["parameters", "parameters.name", "parameters.tags", "steps", "user", "secrets"]
)


@given(root=roots, attribute=dunder)
def test_sandbox_refuses_every_dunder_attribute(root: str, attribute: str) -> None:
    with pytest.raises(ExpressionError):
        render_value("${{ " + f"{root}.{attribute}" + " }}", CONTEXT)


mutators = st.sampled_from(
    [
        "append",
        "extend",
        "insert",
        "pop",
        "clear",
        "update",
        "setdefault",
        "remove",
        "sort",
        "reverse",
        "popitem",
    ]
)


@given(root=st.sampled_from(["parameters", "parameters.tags", "user", "steps"]), method=mutators)
def test_sandbox_refuses_mutation(root: str, method: str) -> None:
    before = repr(CONTEXT)
    with contextlib.suppress(ExpressionError):
        render_value("${{ " + f"{root}.{method}()" + " }}", CONTEXT)
    assert repr(CONTEXT) == before


template_text = st.sampled_from(
    [
        "${{ secrets.token }}",
        "{{ 7 * 7 }}",
        "{% for x in range(3) %}x{% endfor %}",
        "${{ ().__class__ }}",
    ]
)


@given(prefix=st.text(max_size=5), payload=template_text)
def test_values_are_data_never_templates(prefix: str, payload: str) -> None:
    context = {**CONTEXT, "parameters": {**CONTEXT["parameters"], "name": prefix + payload}}
    assert render_value("${{ parameters.name }}", context) == prefix + payload
    assert render_value("x-${{ parameters.name }}", context) == "x-" + prefix + payload
