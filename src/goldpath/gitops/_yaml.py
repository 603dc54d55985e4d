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
    text = str(yaml.dump(document, Dumper=_Dumper, **DUMP_OPTIONS))
    _remember(text, [document])
    return text


def dump_yaml_all(documents: Iterable[Any]) -> str:
    """Several YAML documents separated by ``---``, keys sorted."""
    written = list(documents)
    text = str(yaml.dump_all(written, Dumper=_Dumper, explicit_start=True, **DUMP_OPTIONS))
    _remember(text, written)
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
