"""Entity refs: parsing, formatting, case-insensitivity, and the errors bad parts give."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.catalog import (
    EntityRef,
    InvalidEntityRefError,
    parse_entity_ref,
    stringify_entity_ref,
)
from goldpath.catalog._refs import KIND_PATTERN, NAME_PATTERN, NAMESPACE_PATTERN

valid_names = st.from_regex(NAME_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 63)
valid_namespaces = st.from_regex(NAMESPACE_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 63)
valid_kinds = st.from_regex(KIND_PATTERN, fullmatch=True).filter(lambda s: len(s) <= 63)

invalid_names = st.text(max_size=80).filter(
    lambda s: not (NAME_PATTERN.fullmatch(s) and len(s) <= 63)
)
invalid_namespaces = st.text(max_size=80).filter(
    lambda s: "/" not in s and not (NAMESPACE_PATTERN.fullmatch(s.lower()) and len(s) <= 63)
)
invalid_kinds = st.text(max_size=80).filter(
    lambda s: ":" not in s and "/" not in s and not (KIND_PATTERN.fullmatch(s) and len(s) <= 63)
)


@given(valid_kinds, valid_namespaces, valid_names)
def test_valid_refs_round_trip_through_parse_and_stringify(kind: str, ns: str, name: str) -> None:
    text = f"{kind}:{ns}/{name}"
    ref = parse_entity_ref(text)
    assert ref == EntityRef(kind, ns, name)
    assert stringify_entity_ref(ref) == text.lower()
    assert parse_entity_ref(stringify_entity_ref(ref)).key == ref.key


@given(valid_kinds, valid_namespaces, valid_names)
def test_refs_compare_case_insensitively(kind: str, ns: str, name: str) -> None:
    assert (
        parse_entity_ref(f"{kind.upper()}:{ns}/{name.upper()}").key
        == parse_entity_ref(f"{kind.lower()}:{ns}/{name.lower()}").key
    )


@given(invalid_names)
def test_an_invalid_name_is_rejected_naming_the_name(name: str) -> None:
    with pytest.raises(InvalidEntityRefError) as caught:
        parse_entity_ref(f"component:default/{name}")
    assert "ref.name" in {e.field for e in caught.value.errors}
    assert "ref.name" in caught.value.message


@given(invalid_namespaces)
def test_an_invalid_namespace_is_rejected_naming_the_namespace(ns: str) -> None:
    with pytest.raises(InvalidEntityRefError) as caught:
        parse_entity_ref(f"component:{ns}/x")
    assert "ref.namespace" in {e.field for e in caught.value.errors}


@given(invalid_kinds)
def test_an_invalid_kind_is_rejected_naming_the_kind(kind: str) -> None:
    with pytest.raises(InvalidEntityRefError) as caught:
        parse_entity_ref(f"{kind}:default/x")
    assert "ref.kind" in {e.field for e in caught.value.errors}


def test_defaults_fill_in_missing_kind_and_namespace() -> None:
    assert parse_entity_ref("team-a", default_kind="Group") == EntityRef(
        "Group", "default", "team-a"
    )
    assert parse_entity_ref("ops/team-a", default_kind="Group").namespace == "ops"
    assert parse_entity_ref("x", default_kind="API", default_namespace="prod").key == "api:prod/x"


def test_a_ref_without_kind_and_no_default_is_rejected() -> None:
    with pytest.raises(InvalidEntityRefError) as caught:
        parse_entity_ref("default/x")
    assert caught.value.errors[0].field == "ref.kind"
    assert caught.value.errors[0].rule == "required"


def test_the_field_name_in_errors_can_be_chosen() -> None:
    with pytest.raises(InvalidEntityRefError) as caught:
        parse_entity_ref("bad name", default_kind="Group", field="spec.owner")
    assert caught.value.errors[0].field == "spec.owner.name"
