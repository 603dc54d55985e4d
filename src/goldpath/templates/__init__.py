"""Built-in golden-path templates, shipped as package data (``<name>/template.yaml`` + skeleton),
and the pipeline shape they share."""

from __future__ import annotations

from pathlib import Path

from goldpath.templates._pipeline import (
    LANGUAGE_JOBS,
    MERGE_REQUEST_JOBS,
    PIPELINE_JOBS,
    PIPELINE_STAGES,
    SHARED_JOBS,
    SHARED_SETTINGS,
    SHARED_VARIABLES,
)

__all__ = [
    "LANGUAGE_JOBS",
    "MERGE_REQUEST_JOBS",
    "PIPELINE_JOBS",
    "PIPELINE_STAGES",
    "SHARED_JOBS",
    "SHARED_SETTINGS",
    "SHARED_VARIABLES",
    "TEMPLATES_DIR",
    "builtin_template_paths",
]

TEMPLATES_DIR: Path = Path(__file__).resolve().parent
"""The directory holding one sub-directory per built-in template."""


def builtin_template_paths() -> tuple[Path, ...]:
    """The ``template.yaml`` of every built-in template, in directory-name order."""
    return tuple(sorted(TEMPLATES_DIR.glob("*/template.yaml")))
