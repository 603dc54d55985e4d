"""Docs sources written to disk for the TechDocs tests: a catalog file, mkdocs.yml, pages."""

from __future__ import annotations

import struct
import time
import zlib
from collections.abc import Mapping
from pathlib import Path

import yaml

from goldpath.runtime import Runtime

GUIDE = (
    "# Getting started\n\nInstall the **quokkaflux** tool first.\n\n"
    "## Configure\n\nSet `PORT`. Back to the [overview](index.md).\n"
)
INDEX = (
    "# Widget service\n\nThe widget service answers widget questions.\n\n"
    "## Architecture\n\nRead the [guide](guide.md) next.\n\n![diagram](img/diagram.png)\n"
)
DEFAULT_PAGES = {"index.md": INDEX, "guide.md": GUIDE}
DEFAULT_NAV: list[object] = [{"Overview": "index.md"}, {"Guide": "guide.md"}]


def tiny_png() -> bytes:
    """A valid 2x2 red PNG (so a browser can show it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * 2 for _ in range(2))
    header = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def write_docs_site(
    root: Path,
    *,
    name: str = "widgets",
    pages: Mapping[str, str] = DEFAULT_PAGES,
    mkdocs: Mapping[str, object] | str | None = None,
    techdocs_ref: str = "dir:.",
) -> Path:
    """A component's repository folder with docs; returns its catalog-info.yaml."""
    root.mkdir(parents=True, exist_ok=True)
    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {
            "name": name,
            "title": name.replace("-", " ").capitalize(),
            "annotations": {"backstage.io/techdocs-ref": techdocs_ref},
        },
        "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"},
    }
    catalog = root / "catalog-info.yaml"
    catalog.write_text(yaml.safe_dump(entity), encoding="utf-8")
    if mkdocs is None:
        mkdocs = {"site_name": f"{name} docs", "nav": DEFAULT_NAV, "plugins": ["techdocs-core"]}
    text = mkdocs if isinstance(mkdocs, str) else yaml.safe_dump(dict(mkdocs), sort_keys=False)
    (root / "mkdocs.yml").write_text(text, encoding="utf-8")
    docs = root / "docs"
    for path, body in pages.items():
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body, encoding="utf-8")
    (docs / "img").mkdir(parents=True, exist_ok=True)
    (docs / "img" / "diagram.png").write_bytes(tiny_png())
    return catalog


def wait_for_docs(runtime: Runtime, key: str) -> None:
    """Until the background workers finished the entity's build (built or failed)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = runtime.techdocs.status(key)
        if (
            status is not None
            and status.status in ("built", "failed")
            and key not in (runtime.techdocs.queue)
        ):
            return
        time.sleep(0.05)
    raise AssertionError(f"the docs of {key} were not built in time")
