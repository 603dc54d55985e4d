"""YAML and JSON dumping of manifests: one dumper, stable bytes, no string glue.

libyaml's C loader and emitter are used when PyYAML has them (they are the same
safe subset, ten times faster); the pure-Python ones otherwise. Dumping goes through
`goldpath.safe_yaml.Dumper`, the safe dumper's output made cheaper for plain data.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from functools import partial
from typing import Any

import yaml

from goldpath import safe_yaml
from goldpath.memo import Memo

__all__ = [
    "DUMP_OPTIONS",
    "Manifest",
    "dump_json",
    "dump_yaml",
    "dump_yaml_all",
    "load_yaml_all",
    "parsed_yaml",
]

Manifest = dict[str, Any]
"""A Kubernetes object as plain data (a parsed or about-to-be-dumped document)."""

_Dumper = safe_yaml.Dumper

DUMP_OPTIONS: dict[str, Any] = {
    "sort_keys": True,
    "default_flow_style": False,
    # Escape non-ASCII: PyYAML's pure-Python emitter breaks U+0085 (NEL) in unicode mode.
    "allow_unicode": False,
    "width": 4096,
}


def dump_yaml(document: Any) -> str:
    """One YAML document with sorted keys."""
    text = _block_yaml([document], explicit_start=False)
    if text is None:
        text = str(yaml.dump(document, Dumper=_Dumper, **DUMP_OPTIONS))
    _remember(text, [document])
    return text


def dump_yaml_all(documents: Iterable[Any]) -> str:
    """Several YAML documents separated by ``---``, keys sorted."""
    written = list(documents)
    text = _block_yaml(written, explicit_start=True)
    if text is None:
        text = str(yaml.dump_all(written, Dumper=_Dumper, explicit_start=True, **DUMP_OPTIONS))
    _remember(text, written)
    return text


# -- the block writer: `_Dumper`'s bytes for plain manifests, without its node graph ------

_MAX_SCALAR_CHARS = 3000
_MAX_KEY_BYTES = 100
_LINE_BREAKS = "\n\r\x85\u2028\u2029"
_MAX_DEPTH = 64
_SCALAR_TYPES = (str, int, bool, float, type(None))
_scalar_texts: dict[tuple[type, Any], str | None] = {}
"""How `_Dumper` writes each scalar met so far (None: not on one line), by type and value.
A plain dict emptied when full, as `safe_yaml.Dumper` remembers its tags: it is asked for
every scalar of a render, and `Memo`'s lock and recency upkeep cost a render 1 ms of the
2.7 this writer saves."""
_SCALAR_TEXTS_LIMIT = 65536


class _NotBlock(Exception):
    """Something `_block_yaml` does not write the way `_Dumper` would: it dumps instead."""


def _block_yaml(documents: list[Any], *, explicit_start: bool) -> str | None:
    """``documents`` as `_Dumper` writes them with `DUMP_OPTIONS`, or None to dump them.

    PyYAML builds a node per value and libyaml's emitter calls back into Python for
    each scalar: of a three-environment app's render (6.6 ms of CPU) that was 2.7 ms,
    which this writer takes down to a string join (docs/performance.md). The layout of
    block mappings and sequences of plain data is fixed (two spaces per level; a
    sequence under a key is not indented; the first entry of a mapping or sequence in a
    sequence shares the line of its ``-``; an empty one is ``{}``/``[]``), so this
    writes it directly, and asks `_Dumper` itself how each distinct scalar is written
    (remembered by value).
    Only what that holds for is written here: non-empty mappings at the root; mappings,
    lists, ``str``, ``int``, ``float``, ``bool`` and None (exactly those types); no
    mapping or list twice in a document (PyYAML writes an anchor); every scalar written
    on one line of at most 3,000 characters, at most 64 levels deep, so no line comes
    near the 4096 columns at which the emitter folds; text keys of one line and 1-100
    bytes (what both emitters write as a simple key). Anything else returns None and
    goes through `_Dumper`, so the bytes never differ (property tests compare the two on
    arbitrary data).
    """
    lines: list[str] = []
    try:
        for document in documents:
            if type(document) is not dict or not document:
                return None
            if explicit_start:
                lines.append("---\n")
            _mapping_lines(document, 0, lines, set(), 0)
    except _NotBlock:
        return None
    return "".join(lines)


def _mapping_lines(
    mapping: dict[Any, Any], indent: int, lines: list[str], seen: set[int], depth: int
) -> None:
    """The entries of a non-empty mapping, the first at the current position."""
    _enter(mapping, seen, depth)
    pad = " " * indent
    first = True
    for key, value in safe_yaml.written_items(mapping, sort_keys=True):
        if type(key) is str and not _simple_key(key):
            raise _NotBlock
        key_text = _scalar_text(key)
        lines.append(f"{key_text}:" if first else f"{pad}{key_text}:")
        first = False
        kind = type(value)
        if kind is dict and value:
            lines.append("\n" + " " * (indent + 2))
            _mapping_lines(value, indent + 2, lines, seen, depth + 1)
        elif kind is list and value:
            lines.append("\n" + pad)
            _sequence_lines(value, indent, lines, seen, depth + 1)
        else:
            lines.append(f" {_leaf_text(value, seen)}\n")


def _sequence_lines(
    sequence: list[Any], indent: int, lines: list[str], seen: set[int], depth: int
) -> None:
    """The items of a non-empty sequence, the first ``-`` at the current position."""
    _enter(sequence, seen, depth)
    pad = " " * indent
    first = True
    for item in sequence:
        lines.append("- " if first else f"{pad}- ")
        first = False
        kind = type(item)
        if kind is dict and item:
            _mapping_lines(item, indent + 2, lines, seen, depth + 1)
        elif kind is list and item:
            _sequence_lines(item, indent + 2, lines, seen, depth + 1)
        else:
            lines.append(f"{_leaf_text(item, seen)}\n")


def _simple_key(key: str) -> bool:
    """Whether both of PyYAML's emitters write ``key`` as ``key:`` rather than ``? key``:
    libyaml's rule is at most 128 bytes and one line, the pure-Python one's fewer than
    128 characters, one line and not empty."""
    return (
        0 < len(key.encode("utf-8", "surrogatepass")) <= _MAX_KEY_BYTES
        and not any(brk in key for brk in _LINE_BREAKS)
    )


def _enter(collection: dict[Any, Any] | list[Any], seen: set[int], depth: int) -> None:
    if depth > _MAX_DEPTH or id(collection) in seen:
        raise _NotBlock  # too deep for the width, or met twice (PyYAML anchors it)
    seen.add(id(collection))


def _leaf_text(value: Any, seen: set[int]) -> str:
    """A scalar's text, or an empty mapping's or list's (``{}``, ``[]``)."""
    kind = type(value)
    if kind is dict or kind is list:
        _enter(value, seen, 0)
        return "{}" if kind is dict else "[]"
    return _scalar_text(value)


def _scalar_text(value: Any) -> str:
    """How `_Dumper` writes ``value`` as a sequence item or mapping value, one line."""
    kind = type(value)
    if kind not in _SCALAR_TYPES or (kind is str and len(value) > _MAX_SCALAR_CHARS):
        raise _NotBlock
    key = (kind, repr(value) if kind is float else value)  # 0.0 == -0.0, nan != nan
    try:
        text = _scalar_texts[key]
    except KeyError:
        text = _dumped_scalar(value)
        if len(_scalar_texts) >= _SCALAR_TEXTS_LIMIT:
            _scalar_texts.clear()
        _scalar_texts[key] = text
    if text is None:
        raise _NotBlock
    return text


def _dumped_scalar(value: Any) -> str | None:
    """`_Dumper`'s text of ``value`` as a sequence item, or None when it is not one line
    of at most `_MAX_SCALAR_CHARS` (or not something the dumper writes at all)."""
    try:
        written = str(yaml.dump([value], Dumper=_Dumper, **DUMP_OPTIONS))
    except (yaml.YAMLError, ValueError):  # a lone surrogate: the dumper says so itself
        return None
    text = written[2:-1]
    if not written.startswith("- ") or "\n" in text or len(text) > _MAX_SCALAR_CHARS:
        return None  # on more than one line, or too long to be sure it stays on one
    return text


def _parse(text: str) -> tuple[Any, ...] | str:
    try:
        return tuple(load_yaml_all(text))
    except yaml.YAMLError as exc:
        return str(exc)


_parsed: Memo[str, tuple[Any, ...] | str] = Memo(4096)
"""Parses of YAML texts (or why a text is not YAML), by text: the platform repo's files
are read again at every enrolment, and all but the new entry are unchanged; and a text
goldpath has just dumped is known without parsing it (see `_remember`)."""


def parsed_yaml(text: str) -> tuple[Any, ...] | str:
    """Every document of ``text`` as `load_yaml_all` gives them, or why it is not YAML.

    Remembered: the documents are shared between callers, so nothing may change them.
    """
    return _parsed.get(text, partial(_parse, text))


class _NotPlain(Exception):
    """A value the copy below cannot vouch for: the text is parsed when asked."""


def _as_loaded(value: Any) -> Any:
    """``value`` as loading its dump gives it back: mappings in the order written
    (`safe_yaml.written_items`), tuples as lists, plain scalars as they are."""
    kind = type(value)
    if kind is dict:
        items = safe_yaml.written_items(value, sort_keys=DUMP_OPTIONS["sort_keys"])
        return {_scalar(key): _as_loaded(item) for key, item in items}
    if kind is list or kind is tuple:
        return [_as_loaded(item) for item in value]
    return _scalar(value)


def _scalar(value: Any) -> Any:
    if type(value) in _SCALARS:
        return value
    raise _NotPlain


_SCALARS = frozenset({str, int, bool, float, type(None)})


def _remember(text: str, documents: list[Any]) -> None:
    """Remember what ``text``, just dumped from ``documents``, parses to, without parsing
    it: a rendered tree is validated right after, and parsing it again was as slow as
    rendering it. Only mappings are remembered (every manifest is one), copied as they
    load, so a caller changing its documents later changes nothing here."""
    if not all(type(document) is dict for document in documents):
        return
    try:
        loaded = tuple(_as_loaded(document) for document in documents)
    except _NotPlain:
        return
    _parsed.get(text, lambda: loaded)


def load_yaml_all(text: str) -> list[Any]:
    """Every non-empty document of a YAML stream (goldpath's one bounded safe loader).

    Its refusals (malformed, too big, an alias bomb) are ``yaml.YAMLError`` here, which
    the GitOps validators turn into findings.
    """
    try:
        return safe_yaml.load_yaml_all(text)
    except safe_yaml.YamlError as exc:
        raise yaml.YAMLError(exc.message) from exc


def dump_json(document: Any) -> str:
    """Indented JSON with sorted keys and a final newline."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
