"""docs/configuration.md documents every setting there is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from goldpath.config import Settings

DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def _keys(model: type[BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        key = prefix + (field.alias or name)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _keys(annotation, key + ".")
        else:
            yield key


def test_every_setting_is_in_the_reference() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [key for key in _keys(Settings) if f"| `{key}` |" not in text]
    assert missing == []
