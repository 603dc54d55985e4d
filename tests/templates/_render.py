"""Render the nodejs-service template with the scaffolder's own expression and skeleton code.

Property tests render hundreds of times, so they use the same functions a Create runs
(``with_defaults`` / ``validate_values`` / ``with_declared``, the fetch step's ``values``
through ``render_value``, the skeleton through ``render_files``) without the database and
git; tests about tools use a real Create into local git (see conftest.py).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from goldpath.config import Settings
from goldpath.scaffolder import (
    SkeletonFile,
    Template,
    expression_context,
    parse_template,
    platform_context,
    read_tree,
    render_files,
    render_value,
    validate_values,
    with_declared,
    with_defaults,
    write_tree,
)
from goldpath.templates import TEMPLATES_DIR

__all__ = [
    "EXPECTED_FILES",
    "SKELETON_DIR",
    "TEMPLATE_DIR",
    "TEMPLATE_REF",
    "create",
    "load_template",
    "load_yaml",
    "platform_facts",
    "template_values",
]

TEMPLATE_DIR = TEMPLATES_DIR / "nodejs-service"
SKELETON_DIR = TEMPLATE_DIR / "skeleton"
TEMPLATE_REF = "template:default/nodejs-service"
# Every file a Create puts in the application repository, no more and no less.
EXPECTED_FILES = frozenset(
    {
        ".dockerignore",
        ".gitignore",
        ".gitlab-ci.yml",
        ".nvmrc",
        "Dockerfile",
        "README.md",
        "catalog-info.yaml",
        "docs/index.md",
        "eslint.config.js",
        "jest.config.js",
        "mkdocs.yml",
        "package-lock.json",
        "package.json",
        "src/app.js",
        "src/config.js",
        "src/logger.js",
        "src/metrics.js",
        "src/routes.js",
        "src/server.js",
        "test/app.test.js",
        "test/config.test.js",
        "test/helpers.js",
        "test/metrics.test.js",
        "test/shutdown.test.js",
    }
)


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely (with libyaml when available: tests parse a lot)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def _template_document() -> dict[str, Any]:
    document = load_yaml((TEMPLATE_DIR / "template.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def load_template() -> dict[str, Any]:
    """The parsed template.yaml (a fresh copy each call)."""
    return copy.deepcopy(_template_document())


@functools.cache
def _parsed() -> Template:
    return parse_template(load_template(), base_dir=TEMPLATE_DIR)


@functools.cache
def _skeleton() -> dict[PurePosixPath, SkeletonFile]:
    return read_tree(SKELETON_DIR)


def platform_facts(settings: Settings | None = None) -> dict[str, Any]:
    """The ``platform`` expression variable the scaffolder builds from configuration."""
    return platform_context(settings)


def template_values(
    parameters: Mapping[str, Any], settings: Settings | None = None
) -> dict[str, Any]:
    """The fetch:template ``values`` a Create computes for ``parameters``."""
    template = _parsed()
    answered = with_defaults(template, parameters)
    validate_values(template, answered)
    context = expression_context(
        values=with_declared(template, answered), identity=None, secrets={}, settings=settings
    )
    fetch = next(step for step in template.steps if step.action == "fetch:template")
    values = render_value(fetch.input["values"], context, where="fetch.values")
    assert isinstance(values, dict)
    return values


def create(
    parameters: Mapping[str, Any], destination: Path, settings: Settings | None = None
) -> dict[str, Any]:
    """Render the skeleton for ``parameters`` into ``destination``; returns the values used."""
    values = template_values(parameters, settings)
    write_tree(destination, render_files(_skeleton(), values))
    return values
