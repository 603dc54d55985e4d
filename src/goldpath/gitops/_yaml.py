"""YAML and JSON dumping of manifests: one dumper, stable bytes, no string glue."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import yaml

__all__ = ["dump_json", "dump_yaml", "dump_yaml_all", "load_yaml_all"]

_OPTIONS: dict[str, Any] = {
    "sort_keys": True,
    "default_flow_style": False,
    "allow_unicode": True,
    "width": 4096,
}


def dump_yaml(document: Any) -> str:
    """One YAML document with sorted keys."""
    return yaml.safe_dump(document, **_OPTIONS)


def dump_yaml_all(documents: Iterable[Any]) -> str:
    """Several YAML documents separated by ``---``, keys sorted."""
    return yaml.safe_dump_all(list(documents), explicit_start=True, **_OPTIONS)


def load_yaml_all(text: str) -> list[Any]:
    """Every non-empty document of a YAML stream."""
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def dump_json(document: Any) -> str:
    """Indented JSON with sorted keys and a final newline."""
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
