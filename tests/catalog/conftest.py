"""Catalog test helpers: a service on each database and a way to write YAML files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldpath.catalog import CatalogService, ReadingPolicy
from goldpath.db import Database

EXAMPLES = Path(__file__).parent / "data" / "backstage-examples"

WriteYaml = Callable[..., Path]


def reading_policy(*roots: Path) -> ReadingPolicy:
    """A reading policy over these roots (tests write their files under tmp_path)."""
    return ReadingPolicy.build(roots)


@pytest.fixture
def catalog(any_database: Database, tmp_path: Path) -> CatalogService:
    """A catalog on SQLite and, in a second run, on a real PostgreSQL."""
    return CatalogService(any_database, policy=reading_policy(tmp_path, EXAMPLES))


@pytest.fixture
def sqlite_catalog(database: Database, tmp_path: Path) -> CatalogService:
    """A catalog on SQLite only (for tests about files, not about SQL)."""
    return CatalogService(database, policy=reading_policy(tmp_path, EXAMPLES))


@pytest.fixture
def write_yaml(tmp_path: Path) -> WriteYaml:
    """Write entities (or raw text) to a file under tmp_path and return its path."""

    def write(name: str, *docs: Any, text: str | None = None) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text if text is not None else yaml.safe_dump_all(docs, sort_keys=False))
        return path

    return write


def component(name: str, **spec: Any) -> dict[str, Any]:
    """A valid Component entity with defaults for the required spec fields."""
    body: dict[str, Any] = {"type": "service", "lifecycle": "production", "owner": "team-a"}
    body.update(spec)
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name},
        "spec": body,
    }


def group(name: str, **spec: Any) -> dict[str, Any]:
    """A valid Group entity."""
    body: dict[str, Any] = {"type": "team", "children": []}
    body.update(spec)
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Group",
        "metadata": {"name": name},
        "spec": body,
    }


def location(name: str, *targets: str, **spec: Any) -> dict[str, Any]:
    """A Location entity pointing at targets."""
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Location",
        "metadata": {"name": name},
        "spec": {"targets": list(targets), **spec},
    }
