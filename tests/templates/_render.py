"""Render the built-in golden paths with the scaffolder's own expression and skeleton code.

Property tests render hundreds of times, so they use the same functions a Create runs
(``with_defaults`` / ``validate_values`` / ``with_declared``, the fetch step's ``values``
through ``render_value``, the skeleton through ``render_files``) without the database and
git; tests about tools use a real Create into local git (see conftest.py).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping
from dataclasses import dataclass
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
)
from goldpath.templates import TEMPLATES_DIR
from goldpath.trees import write_tree

__all__ = [
    "EXPECTED_FILES",
    "NODEJS",
    "PYTHON",
    "SKELETON_DIR",
    "TEMPLATE_DIR",
    "TEMPLATE_REF",
    "GOLDEN_PATHS",
    "GoldenPath",
    "create",
    "load_template",
    "load_yaml",
    "platform_facts",
    "template_values",
]


def load_yaml(text: str) -> Any:
    """Parse one YAML document safely (with libyaml when available: tests parse a lot)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@functools.cache
def _template_document(template_dir: Path) -> dict[str, Any]:
    document = load_yaml((template_dir / "template.yaml").read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


@functools.cache
def _parsed(template_dir: Path) -> Template:
    return parse_template(copy.deepcopy(_template_document(template_dir)), base_dir=template_dir)


@functools.cache
def _skeleton(skeleton_dir: Path) -> dict[PurePosixPath, SkeletonFile]:
    return read_tree(skeleton_dir)


def platform_facts(settings: Settings | None = None) -> dict[str, Any]:
    """The ``platform`` expression variable the scaffolder builds from configuration."""
    return platform_context(settings)


@dataclass(frozen=True)
class GoldenPath:
    """One built-in template, rendered the way a Create renders it."""

    name: str
    expected_files: frozenset[str]
    """Every file a Create puts in the application repository, no more and no less."""
    version_parameter: str
    """The form parameter choosing the language's version line."""
    versions: tuple[str, ...]
    """The version lines the form offers, the default first."""
    default_port: int

    @property
    def template_dir(self) -> Path:
        """The template's folder (template.yaml + skeleton/)."""
        return TEMPLATES_DIR / self.name

    @property
    def skeleton_dir(self) -> Path:
        """The skeleton fetch:template renders."""
        return self.template_dir / "skeleton"

    @property
    def ref(self) -> str:
        """The Template entity's ref."""
        return f"template:default/{self.name}"

    def load_template(self) -> dict[str, Any]:
        """The parsed template.yaml (a fresh copy each call)."""
        return copy.deepcopy(_template_document(self.template_dir))

    def template_values(
        self, parameters: Mapping[str, Any], settings: Settings | None = None
    ) -> dict[str, Any]:
        """The fetch:template ``values`` a Create computes for ``parameters``."""
        template = _parsed(self.template_dir)
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
        self, parameters: Mapping[str, Any], destination: Path, settings: Settings | None = None
    ) -> dict[str, Any]:
        """Render the skeleton for ``parameters`` into ``destination``; returns the values."""
        values = self.template_values(parameters, settings)
        write_tree(destination, render_files(_skeleton(self.skeleton_dir), values))
        return values


NODEJS = GoldenPath(
    "nodejs-service",
    frozenset(
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
            "eslint.security.config.js",
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
    ),
    version_parameter="nodeVersion",
    versions=("26", "24", "22"),
    default_port=3000,
)
PYTHON = GoldenPath(
    "python-service",
    frozenset(
        {
            ".dockerignore",
            ".gitignore",
            ".gitlab-ci.yml",
            ".python-version",
            "Dockerfile",
            "README.md",
            "app/__init__.py",
            "app/__main__.py",
            "app/config.py",
            "app/logs.py",
            "app/main.py",
            "app/metrics.py",
            "app/middleware.py",
            "app/routes.py",
            "app/server.py",
            "catalog-info.yaml",
            "docs/index.md",
            "mkdocs.yml",
            "pyproject.toml",
            "requirements-dev.in",
            "requirements-dev.lock",
            "requirements.in",
            "requirements.lock",
            "tests/__init__.py",
            "tests/conftest.py",
            "tests/helpers.py",
            "tests/test_app.py",
            "tests/test_config.py",
            "tests/test_logs.py",
            "tests/test_metrics.py",
            "tests/test_shutdown.py",
        }
    ),
    version_parameter="pythonVersion",
    versions=("3.13", "3.12"),
    default_port=8000,
)
GOLDEN_PATHS = (NODEJS, PYTHON)

# The Node.js path's names, which its tests were written against.
TEMPLATE_DIR = NODEJS.template_dir
SKELETON_DIR = NODEJS.skeleton_dir
TEMPLATE_REF = NODEJS.ref
EXPECTED_FILES = NODEJS.expected_files
load_template = NODEJS.load_template
template_values = NODEJS.template_values
create = NODEJS.create
