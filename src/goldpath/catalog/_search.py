"""Flatten an entity into (key, value) search rows, Backstage-style, and a full-text blob."""

from __future__ import annotations

from typing import Any

__all__ = ["MAX_KEY_LENGTH", "MAX_VALUE_LENGTH", "search_rows", "search_text"]

MAX_KEY_LENGTH = 200
MAX_VALUE_LENGTH = 200
_SKIPPED_ROOTS = frozenset({"relations", "status"})
_TEXT_FIELDS = (
    ("metadata", "name"),
    ("metadata", "title"),
    ("metadata", "description"),
    ("kind",),
    ("spec", "type"),
    ("spec", "lifecycle"),
    ("spec", "owner"),
    ("spec", "system"),
    ("spec", "profile", "displayName"),
    ("spec", "profile", "email"),
)


def search_rows(entity: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """``(key, value, original_value)`` rows: keys and values lower-cased, originals kept.

    Lists give one row per item under the same key; nested objects extend the key with a
    dot; keys or values longer than 200 characters are left out (as Backstage does).
    ``original_value`` is only set when it differs from ``value`` (saves space).
    """
    rows: dict[tuple[str, str | None], str | None] = {}
    # an explicit stack instead of recursion: this runs for every entity of a big catalog
    stack: list[tuple[str, Any]] = [
        (root, value) for root, value in entity.items() if root not in _SKIPPED_ROOTS
    ]
    while stack:
        prefix, value = stack.pop()
        kind = type(value)
        if kind is dict:
            stack.extend((f"{prefix}.{k}", v) for k, v in value.items())
            continue
        if kind is list:
            stack.extend((prefix, item) for item in value)
            continue
        if len(prefix) > MAX_KEY_LENGTH:
            continue
        if kind is str:
            text = value
        elif kind is bool:
            text = "true" if value else "false"
        elif kind is int or kind is float:
            text = str(value)
        elif value is None:
            rows.setdefault((prefix.lower(), None), None)
            continue
        else:
            continue
        if len(text) > MAX_VALUE_LENGTH:
            continue
        lowered = text.lower()
        rows.setdefault((prefix.lower(), lowered), text if text != lowered else None)
    return [(key, value, original) for (key, value), original in rows.items()]


def search_text(entity: dict[str, Any]) -> str:
    """A lower-case blob of the fields a plain full-text search looks at."""
    parts: list[str] = []
    for path in _TEXT_FIELDS:
        node: Any = entity
        for step in path:
            node = node.get(step) if isinstance(node, dict) else None
        if isinstance(node, str):
            parts.append(node)
    tags = entity.get("metadata", {}).get("tags")
    if isinstance(tags, list):
        parts.extend(t for t in tags if isinstance(t, str))
    return "\n".join(parts).lower()
