"""The GitOps block writer: `_Dumper`'s bytes for plain manifests, written directly.

`gitops._yaml._block_yaml` writes what PyYAML's dumper would, or declines (None) and the
dumper writes it. Each test here compares the two: on arbitrary data, on data the
writer must accept, and on every file of a rendered golden path.
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.gitops import _yaml as yaml_io
from goldpath.gitops import render_app
from goldpath.gitops._yaml import DUMP_OPTIONS
from tests.gitops.helpers import spec
from tests.gitops.strategies import app_specs
from tests.test_yaml_dumper import plain_data, tricky_text


def _dumped(documents: list[Any], *, explicit_start: bool) -> str:
    if explicit_start:
        return str(yaml.dump_all(documents, Dumper=yaml_io._Dumper, explicit_start=True,
                                 **DUMP_OPTIONS))
    return str(yaml.dump(documents[0], Dumper=yaml_io._Dumper, **DUMP_OPTIONS))


@settings(max_examples=400)
@given(st.lists(plain_data, min_size=1, max_size=3), st.booleans())
def test_what_the_writer_writes_is_what_the_dumper_writes(
    documents: list[Any], explicit_start: bool
) -> None:
    documents = documents if explicit_start else documents[:1]
    written = yaml_io._block_yaml(documents, explicit_start=explicit_start)
    if written is not None:
        assert written == _dumped(documents, explicit_start=explicit_start)


# Single-line text of every kind (quoted, escaped, empty, Go's booleans), no floats or
# tuples: all of it the writer must take on itself.
_LINE_BREAKS = "\n\r\x85\u2028\u2029"
_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # text PyYAML cannot encode at all
_one_line = st.text(
    st.characters(blacklist_characters=_LINE_BREAKS, blacklist_categories=_SURROGATES),
    max_size=40,
) | (
    tricky_text.filter(lambda text: not any(c in text for c in _LINE_BREAKS))
)
_leaves = st.none() | st.booleans() | st.integers() | st.floats() | _one_line
_keys = _one_line.filter(bool) | st.integers() | st.booleans() | st.none()
_manifests = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_keys, children, max_size=4),
    max_leaves=30,
)
_documents = st.dictionaries(_one_line.filter(bool), _manifests, min_size=1, max_size=5)


@settings(max_examples=400)
@given(st.lists(_documents, min_size=1, max_size=3), st.booleans())
def test_plain_single_line_data_is_written_by_the_writer_itself(
    documents: list[dict[str, Any]], explicit_start: bool
) -> None:
    documents = documents if explicit_start else documents[:1]
    written = yaml_io._block_yaml(documents, explicit_start=explicit_start)
    assert written is not None
    assert written == _dumped(documents, explicit_start=explicit_start)


@pytest.mark.parametrize(
    "document",
    [
        {"long": "x" * 3001},  # past the length the writer vouches for
        {"escaped": "\u00e9" * 1000},  # 1,000 characters, 4,000 written
        {"text": "two\nlines"},
        {"pair": (1, 2)},  # and tuples
        {"k" * 101: 1},  # a key too long to be a simple key
        {"\u00e9" * 51: 1},  # 102 bytes: the same for libyaml
        {"": 1},  # an empty key (PyYAML's pure-Python emitter writes `? ''`)
        {"two\nlines": 1},
        {},  # an empty document is `{}`, not a block
    ],
)
def test_what_the_writer_declines_the_dumper_writes(document: dict[str, Any]) -> None:
    assert yaml_io._block_yaml([document], explicit_start=True) is None
    assert yaml_io.dump_yaml_all([document]) == _dumped([document], explicit_start=True)


def test_long_text_deep_down_and_signed_zeros_are_written_as_the_dumper_writes_them() -> None:
    # 2,999 characters with spaces 60 levels down: no line reaches the emitter's width
    deep: Any = {"expr": ("rate(x) " * 375)[:2999], "zero": 0.0, "minus": -0.0, "n": 1e300}
    for level in range(40):  # 40 mappings and 20 lists
        deep = {f"k{level}": [deep]} if level % 2 else {f"k{level}": deep}
    written = yaml_io._block_yaml([deep], explicit_start=False)
    assert written is not None
    assert written == _dumped([deep], explicit_start=False)
    assert "minus: -0.0\n" in written and "zero: 0.0\n" in written


def test_a_block_met_twice_goes_to_the_dumper_which_anchors_it() -> None:
    shared: dict[str, Any] = {"image": "node"}
    empty: list[Any] = []
    for document in ({"a": shared, "b": shared}, {"a": [empty, empty]}):
        assert yaml_io._block_yaml([document], explicit_start=False) is None
        written = yaml_io.dump_yaml(document)
        assert written == _dumped([document], explicit_start=False)
        assert "&id001" in written
    # in separate documents it is no alias: PyYAML writes it out in each
    assert yaml_io._block_yaml([{"a": shared}, {"b": shared}], explicit_start=True) == (
        "---\na:\n  image: node\n---\nb:\n  image: node\n"
    )


def test_every_file_of_a_golden_path_is_written_as_the_dumper_writes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = spec(environments=["dev", "staging", "prod"])
    used: list[str] = []
    block = yaml_io._block_yaml

    def recording(documents: list[Any], *, explicit_start: bool) -> str | None:
        written = block(documents, explicit_start=explicit_start)
        used.append("writer" if written is not None else "dumper")
        return written

    monkeypatch.setattr(yaml_io, "_block_yaml", recording)
    written = render_app(app)
    monkeypatch.setattr(yaml_io, "_block_yaml", lambda *_a, **_k: None)
    assert render_app(app) == written
    # the writer wrote all but the dashboard's ConfigMap (its JSON is many lines)
    assert used.count("dumper") == 1 and used.count("writer") > 20


@settings(max_examples=25)
@given(app_specs())
def test_any_app_renders_the_same_bytes_either_way(app: Any) -> None:
    written = render_app(app)
    original = yaml_io._block_yaml
    yaml_io._block_yaml = lambda *_a, **_k: None
    try:
        assert render_app(app) == written
    finally:
        yaml_io._block_yaml = original
