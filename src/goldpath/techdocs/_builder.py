"""One build: write the validated source to a scratch folder, run MkDocs in the sandbox,
sanitise what it made and gather the files to publish, the manifest and the search text."""

from __future__ import annotations

import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from goldpath.techdocs._config import BuildPolicy, PreparedSource
from goldpath.techdocs._sandbox import SandboxPool
from goldpath.techdocs._sanitise import Section, page_document, sanitise_html, sections_of
from goldpath.techdocs._storage import safe_path
from goldpath.techdocs.errors import DocsBuildError
from goldpath.trees import write_tree

__all__ = ["ASSET_SUFFIXES", "MAX_LOG_CHARS", "BuiltPage", "BuiltSite", "Builder"]

THEME_DIR = Path(__file__).resolve().with_name("_theme")
MAX_LOG_CHARS = 64 * 1024
# Files from the docs folder that are published beside the pages (images and documents).
ASSET_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif", ".bmp", ".ico", ".svg", ".pdf", ".txt"}
)


@dataclass(frozen=True, slots=True)
class BuiltPage:
    """A page of a built site: its URL (relative to the site), title and sections."""

    url: str
    title: str
    sections: tuple[Section, ...]


@dataclass(slots=True)
class BuiltSite:
    """Everything a successful build hands to storage and the index."""

    files: dict[str, bytes]
    manifest: dict[str, Any]
    pages: list[BuiltPage]
    log: str
    seconds: float
    site_name: str = ""
    site_description: str = ""
    warnings: list[str] = field(default_factory=list)


def _tail(text: str) -> str:
    return text if len(text) <= MAX_LOG_CHARS else "…\n" + text[-MAX_LOG_CHARS:]


def _read_log(path: Path) -> str:
    try:
        return _tail(path.read_text(encoding="utf-8", errors="replace"))
    except FileNotFoundError:
        return ""


class Builder:
    """Runs builds through a pool of sandboxes under one policy."""

    def __init__(self, policy: BuildPolicy, *, scratch: Path, pool: SandboxPool) -> None:
        self.policy = policy
        self.scratch = scratch
        self.pool = pool

    def build(self, source: PreparedSource) -> BuiltSite:
        """Build and sanitise; DocsBuildError (with ``log`` in its context) on failure."""
        self.scratch.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        with tempfile.TemporaryDirectory(prefix="build-", dir=self.scratch) as work_dir:
            work = Path(work_dir)
            src = work / "src"
            docs = src / source.docs_dir
            write_tree(docs, {PurePosixPath(path): data for path, data in source.docs.items()})
            config_file = src / "mkdocs.yml"
            config_file.write_text(
                yaml.safe_dump(source.config, sort_keys=False, allow_unicode=True),
                encoding="utf-8",
            )
            site, manifest_file, log_file = (
                work / "site",
                work / "manifest.json",
                work / "build.log",
            )
            request = {
                "config": str(config_file),
                "site_dir": str(site),
                "docs_dir": str(docs),
                "workdir": str(src),
                "manifest": str(manifest_file),
                "log": str(log_file),
                "theme_dir": str(THEME_DIR),
                "plugins": sorted(self.policy.plugins),
                "extensions": sorted(self.policy.extensions),
                "max_memory": self.policy.max_memory_bytes,
                "max_file": self.policy.max_site_bytes,
            }
            with self.pool.sandbox() as sandbox:
                result = sandbox.run(request, timeout=self.policy.timeout_seconds)
            log = _read_log(log_file)
            if result.timed_out:
                raise DocsBuildError(
                    f"the build ran longer than {self.policy.timeout_seconds:g} seconds "
                    "(techdocs.build_timeout_seconds) and was stopped",
                    log=log,
                )
            if "File too large" in log:
                raise DocsBuildError(
                    "the build wrote a file larger than techdocs.max_site_bytes "
                    f"({self.policy.max_site_bytes} bytes)",
                    log=log,
                )
            if not result.ok or not manifest_file.is_file():
                how = (
                    f"was killed by signal {result.signal}"
                    if result.signal
                    else f"exited with {result.exit_code}"
                )
                last = next(
                    (line for line in reversed(log.splitlines()) if line.startswith("ERROR")), ""
                )
                reason = last.split(" - ", 1)[-1] if last else f"MkDocs {how}"
                raise DocsBuildError(f"MkDocs could not build the docs: {reason}", log=log)
            built = self._collect(site, json.loads(manifest_file.read_text(encoding="utf-8")))
            built.log = log
            built.seconds = time.monotonic() - started
            return built

    def _collect(self, site: Path, manifest: dict[str, Any]) -> BuiltSite:
        total = 0
        for folder, _dirs, names in os.walk(site):
            for name in names:
                total += (Path(folder) / name).stat().st_size
        if total > self.policy.max_site_bytes:
            raise DocsBuildError(
                f"the built site is {total} bytes, more than techdocs.max_site_bytes "
                f"({self.policy.max_site_bytes})"
            )
        files: dict[str, bytes] = {}
        pages: list[BuiltPage] = []
        page_files = set()
        for page in manifest["pages"]:
            relative = safe_path(page["file"])
            if relative is None:
                continue
            page_files.add(relative)
            raw = (site / relative).read_text(encoding="utf-8", errors="replace")
            clean = sanitise_html(raw)
            title = page["title"] or manifest["site_name"]
            files[relative] = page_document(clean, title=title).encode()
            pages.append(BuiltPage(page["url"], title, tuple(sections_of(clean, page_title=title))))
        for folder, _dirs, names in os.walk(site):
            for name in names:
                path = Path(folder) / name
                relative = path.relative_to(site).as_posix()
                if relative in page_files or relative.startswith("search/"):
                    continue
                if path.suffix.lower() in ASSET_SUFFIXES:
                    files[relative] = path.read_bytes()
        return BuiltSite(
            files=files,
            manifest=manifest,
            pages=pages,
            log="",
            seconds=0.0,
            site_name=str(manifest.get("site_name") or ""),
            site_description=str(manifest.get("site_description") or ""),
        )
