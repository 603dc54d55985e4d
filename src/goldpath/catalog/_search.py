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


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return None


def search_rows(entity: dict[str, Any]) -> list[tuple[str, str | None, str | None]]:
    """``(key, value, original_value)`` rows: keys and values lower-cased, originals kept.

    Lists give one row per item under the same key; nested objects extend the key with a
    dot; keys or values longer than 200 characters are left out (as Backstage does).
    ``original_value`` is only set when it differs from ``value`` (saves space).
    """
    rows: dict[tuple[str, str | None], str | None] = {}

    def visit(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                visit(f"{prefix}.{key}" if prefix else str(key), item)
            return
        if isinstance(value, list):
            for item in value:
                visit(prefix, item)
            return
        if len(prefix) > MAX_KEY_LENGTH:
            return
        text = _scalar(value)
        key = prefix.lower()
        if text is None:
            if value is None:
                rows.setdefault((key, None), None)
            return
        if len(text) > MAX_VALUE_LENGTH:
            return
        lowered = text.lower()
        rows.setdefault((key, lowered), text if text != lowered else None)

    for root, value in entity.items():
        if root not in _SKIPPED_ROOTS:
            visit(root, value)
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
