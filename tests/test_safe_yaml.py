"""The one loader for users' YAML: aliases may not blow a document up, nor refer to themselves."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from goldpath.safe_yaml import YamlError, load_yaml, load_yaml_all

LAUGHS = "\n".join(
    ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
)


def test_a_billion_laughs_is_refused_naming_the_rule() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml(LAUGHS, where="laughs.yaml")
    assert [(e.field, e.rule) for e in info.value.errors] == [("laughs.yaml", "alias-expansion")]


def test_a_billion_laughs_is_refused_in_any_document_of_a_stream() -> None:
    with pytest.raises(YamlError, match="aliases expand"):
        load_yaml_all(f"plain: text & more\n---\n{LAUGHS}\n", where="stream.yaml")


def test_ordinary_anchors_load() -> None:
    text = "base: &base {image: node, port: 3000}\napp: {<<: *base, port: 8080}\nsame: *base\n"
    assert load_yaml(text) == {
        "base": {"image": "node", "port": 3000},
        "app": {"image": "node", "port": 8080},
        "same": {"image": "node", "port": 3000},
    }


def test_an_ampersand_in_text_is_only_text() -> None:
    text = b"url: https://example.com/?a=1&b=2\nname: 'R&D'\n"
    assert load_yaml(text) == {"url": "https://example.com/?a=1&b=2", "name": "R&D"}


def test_an_alias_without_its_anchor_is_invalid_yaml() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("a: *nowhere\n", where="x.yaml")
    assert info.value.errors[0].rule == "yaml"


# YAML folds line-break characters (NEL, LS, PS) in plain scalars; text here is printable
printable = st.characters(exclude_categories=("Cs", "Cc", "Zl", "Zp"), exclude_characters="\x85")
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(printable, max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(printable, max_size=8), children, max_size=4),
    max_leaves=20,
)


@given(values)
def test_any_plain_document_loads_as_it_was_dumped(value: Any) -> None:
    text = yaml.safe_dump({"value": value}, allow_unicode=True)
    assert load_yaml(text) == {"value": value}
    assert load_yaml(text.encode("utf-8")) == {"value": value}


@given(st.text(alphabet="ab&*: \n-[]{},x", max_size=60))
def test_every_text_loads_or_is_refused_as_a_yaml_error(text: str) -> None:
    with contextlib.suppress(YamlError):
        load_yaml_all(text, where="fuzz.yaml")


def test_an_alias_inside_its_own_anchor_is_refused() -> None:
    with pytest.raises(YamlError) as info:
        load_yaml("a: &x [1, *x]\n", where="loop.yaml")
    assert info.value.errors[0].rule == "recursive-alias"
