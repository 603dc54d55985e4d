"""Catalog helpers for tests: put owner groups in a catalog so a Create may name them."""

from __future__ import annotations

import uuid
from pathlib import Path

import yaml

from goldpath.catalog import CatalogService, parse_entity_ref

__all__ = ["register_owners"]


def register_owners(catalog: CatalogService, folder: Path, *refs: str) -> None:
    """Register a Group (or User) entity for each owner ref, in one file location."""
    docs = []
    for ref in refs:
        parsed = parse_entity_ref(ref, default_kind="group")
        kind = "User" if parsed.kind.lower() == "user" else "Group"
        spec = {"memberOf": []} if kind == "User" else {"type": "team", "children": []}
        docs.append(
            {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": kind,
                "metadata": {"name": parsed.name, "namespace": parsed.namespace},
                "spec": spec,
            }
        )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"owners-{uuid.uuid4().hex[:8]}.yaml"
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    catalog.add_location("file", str(path))
