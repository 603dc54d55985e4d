"""Built-in golden-path templates, shipped as package data (``<name>/template.yaml`` + skeleton)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["TEMPLATES_DIR", "builtin_template_paths"]

TEMPLATES_DIR: Path = Path(__file__).resolve().parent
"""The directory holding one sub-directory per built-in template."""


def builtin_template_paths() -> tuple[Path, ...]:
    """The ``template.yaml`` of every built-in template, in directory-name order."""
    return tuple(sorted(TEMPLATES_DIR.glob("*/template.yaml")))
