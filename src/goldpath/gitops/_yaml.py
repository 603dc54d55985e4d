"""YAML and JSON dumping of manifests: one dumper, stable bytes, no string glue.

libyaml's C loader and dumper are used when PyYAML has them (they are the same
safe subset, ten times faster); the pure-Python ones otherwise.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import yaml

from goldpath import safe_yaml

__all__ = [
    "DUMP_OPTIONS",
    "Manifest",
    "dump_json",
    "dump_yaml",
    "dump_yaml_all",
    "load_yaml_all",
]

Manifest = dict[str, Any]
"""A Kubernetes object as plain data (a parsed or about-to-be-dumped document)."""

_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

DUMP_OPTIONS: dict[str, Any] = {
    "sort_keys": True,
    "default_flow_style": False,
    # Escape non-ASCII: PyYAML's pure-Python emitter breaks U+0085 (NEL) in unicode mode.
    "allow_unicode": False,
    "width": 4096,
}


def dump_yaml(document: Any) -> str:
    """One YAML document with sorted keys."""
    return str(yaml.dump(document, Dumper=_Dumper, **DUMP_OPTIONS))


def dump_yaml_all(documents: Iterable[Any]) -> str:
    """Several YAML documents separated by ``---``, keys sorted."""
    return str(yaml.dump_all(list(documents), Dumper=_Dumper, explicit_start=True, **DUMP_OPTIONS))


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
