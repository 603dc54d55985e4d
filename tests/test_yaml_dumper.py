"""goldpath's YAML dumper: PyYAML's safe dumper byte for byte, only cheaper, and quoting
the text Go's YAML readers would take for a boolean or a number."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.safe_yaml import GO_YAML_NON_TEXT, Dumper, load_yaml

_SAFE: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class STOCK(_SAFE):  # type: ignore[misc]
    """PyYAML's own safe dumper, told the same Go-reader rules: what the shortcuts must
    not change a byte of."""


for _tag, _pattern, _first in GO_YAML_NON_TEXT:
    STOCK.add_implicit_resolver(_tag, _pattern, list(_first))

# Scalars a manifest holds, and the ones that are easy to get wrong: text that reads as
# another type ("123", "yes", "null", "1e3", "0x1f"), empty text, control characters.
tricky_text = st.sampled_from(
    ["", "123", "yes", "No", "on", "null", "~", "1e3", "0x1f", "1:20", ".inf", "<<", "=",
     "y", "N", "n", "Y", "2E-5", "1.5e+3", "ye", "e3",
     "- x", "a: b", "#x", "  padded ", "multi\nline\n", "tab\there", "caf\u00e9", "\x85"]
)
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=30)
    | tricky_text
)
keys = st.text(max_size=12) | tricky_text | st.integers()
plain_data = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(keys, children, max_size=4)
    | st.tuples(children, children),
    max_leaves=25,
)
options = st.fixed_dictionaries(
    {
        "sort_keys": st.booleans(),
        "default_flow_style": st.sampled_from([False, None, True]),
        "allow_unicode": st.booleans(),
        "width": st.sampled_from([80, 4096]),
        "explicit_start": st.booleans(),
    }
)


@settings(max_examples=300)
@given(plain_data, options)
def test_the_dumper_writes_what_the_safe_dumper_writes(data: Any, opts: dict[str, Any]) -> None:
    assert yaml.dump(data, Dumper=Dumper, **opts) == yaml.dump(data, Dumper=STOCK, **opts)


@given(st.lists(plain_data, max_size=3))
def test_a_stream_of_documents_is_the_same_too(documents: list[Any]) -> None:
    assert yaml.dump_all(documents, Dumper=Dumper, explicit_start=True) == yaml.dump_all(
        documents, Dumper=STOCK, explicit_start=True
    )


def test_a_block_met_twice_is_written_once_with_an_anchor_as_pyyaml_does() -> None:
    shared = {"image": "node", "ports": [3000]}
    document = {"a": shared, "b": shared, "c": [shared["ports"], shared["ports"]]}
    written = yaml.dump(document, Dumper=Dumper)
    assert written == yaml.dump(document, Dumper=STOCK)
    assert "&id001" in written
    assert load_yaml(written) == document


def test_the_remembered_tag_of_a_text_never_leaks_into_another() -> None:
    # The same texts again and again, as strings and as what they read as: each keeps
    # its own quoting however often the dumper has seen the other.
    for _ in range(3):
        document = {"n": "123", "i": 123, "y": "yes", "b": True, "z": "null", "none": None}
        written = yaml.dump(document, Dumper=Dumper, sort_keys=True)
        assert written == "b: true\ni: 123\n'n': '123'\nnone: null\n'y': 'yes'\nz: 'null'\n"
        assert load_yaml(written) == document


def test_subclasses_of_plain_types_go_the_usual_way() -> None:
    class Name(str):
        pass

    # SafeRepresenter has no representer for a str subclass: the shortcut must not
    # quietly write one either
    try:
        yaml.dump({"a": Name("x")}, Dumper=STOCK)
    except yaml.representer.RepresenterError as stock:
        try:
            yaml.dump({"a": Name("x")}, Dumper=Dumper)
        except yaml.representer.RepresenterError as ours:
            assert str(ours) == str(stock)
        else:
            raise AssertionError("the dumper wrote a str subclass the safe dumper refuses")
    else:
        assert yaml.dump({"a": Name("x")}, Dumper=Dumper) == yaml.dump(
            {"a": Name("x")}, Dumper=STOCK
        )


def test_text_go_reads_as_a_boolean_or_a_number_is_quoted() -> None:
    # PyYAML reads y/n and 1e3 as text, Go's YAML (kubectl, kustomize, Argo CD) does not
    document = {"a": "y", "b": "N", "c": "1e3", "d": "1.5E-3", "e": "ya", "f": "e3"}
    written = yaml.dump(document, Dumper=Dumper, sort_keys=True)
    assert written == "a: 'y'\nb: 'N'\nc: '1e3'\nd: '1.5E-3'\ne: ya\nf: e3\n"
    assert load_yaml(written) == document
    assert yaml.dump({"a": "y"}, Dumper=_SAFE) == "a: y\n"  # what PyYAML alone writes
