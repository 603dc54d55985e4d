"""The build sandbox: a process that imports MkDocs once and forks one child per build.

Run as ``python -I _zygote.py`` by ``_sandbox.BuildSandbox`` with a scrubbed environment.
It reads one JSON request per line on stdin and answers one JSON line on stdout. Each
build runs in a forked child in its own process group, with memory, file-size and CPU
limits, its output sent to the build log; the child is killed when the time runs out.
Only the standard library and MkDocs are imported here: this file runs outside goldpath.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import signal
import sys
import tempfile
import time
import traceback
from typing import Any

from mkdocs.commands.build import build
from mkdocs.config import load_config
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, event_priority
from mkdocs.structure.nav import Link, Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.theme import Theme

try:  # loaded now so every forked build starts warm
    import material  # noqa: F401
    import pymdownx.emoji
    import techdocs_core.core  # noqa: F401
except ImportError:  # pragma: no cover - the policy then refuses what is missing
    pass

GUARD = "goldpath-guard"
_EMOJI: dict[str, Any] = {}


def _emoji_index(options: Any, md: Any) -> dict[str, Any]:
    """pymdownx copies its emoji index for every page; one read-only copy serves them all."""
    if not _EMOJI:
        _EMOJI.update(pymdownx.emoji.emojione(options, md))
    return _EMOJI


def _warm() -> None:
    """Load now what every build would load, so the forked builds inherit it."""
    import mkdocs.plugins
    import mkdocs.utils

    installed = mkdocs.plugins.get_plugins()
    mkdocs.plugins.get_plugins = lambda: installed  # scanning entry points costs per build
    mkdocs.utils.get_themes()
    _emoji_index({}, None)


def _toc(items: Any) -> list[dict[str, Any]]:
    return [
        {"id": i.id, "title": i.title, "level": i.level, "children": _toc(i.children)}
        for i in items
    ]


def _nav(items: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, Section):
            out.append({"title": item.title, "children": _nav(item.children)})
        elif isinstance(item, Page):
            out.append({"title": item.title or "", "url": item.url})
        elif isinstance(item, Link):
            out.append({"title": item.title, "url": item.url, "external": True})
    return out


class Guard(BasePlugin):  # type: ignore[type-arg,no-untyped-call]
    """Runs last: enforces the allow-lists on the final config and records nav and pages."""

    def __init__(self, request: dict[str, Any]) -> None:
        self.request = request
        self.nav: Navigation | None = None
        self.pages: list[dict[str, Any]] = []

    @event_priority(-100)
    def on_config(self, config: Any) -> Any:
        allowed_plugins = set(self.request["plugins"]) | {GUARD}
        refused = [name for name in config.plugins if name not in allowed_plugins]
        if refused:
            raise PluginError(f"plugins outside the allow-list: {', '.join(refused)}")
        allowed = set(self.request["extensions"])
        kept = [name for name in config.markdown_extensions if name in allowed]
        config.markdown_extensions = list(dict.fromkeys(kept))
        docs_dir = self.request["docs_dir"]
        configs = config.mdx_configs
        for name in list(configs):
            if name not in allowed:
                del configs[name]
        # these options reach files, commands or the network: goldpath sets them
        configs["pymdownx.snippets"] = {
            "base_path": [docs_dir],
            "restrict_base_path": True,
            "url_download": False,
            "check_paths": True,
        }
        configs["plantuml_markdown"] = {
            "server": "",
            "kroki_server": False,
            "base_dir": [docs_dir],
            "config": "",
            "plantuml_cmd": "plantuml",
        }
        configs.pop("markdown_inline_graphviz", None)
        if "pymdownx.emoji" in configs or "pymdownx.emoji" in config.markdown_extensions:
            # emoji as characters, not images from a CDN the portal does not load
            emoji = configs.setdefault("pymdownx.emoji", {})
            emoji["emoji_generator"] = pymdownx.emoji.to_alt
            emoji["emoji_index"] = _emoji_index
        config.theme = Theme(
            name=None,
            custom_dir=self.request["theme_dir"],
            static_templates=[],
            search_index_only=True,
        )
        config.extra_javascript = []
        config.extra_css = []
        config.hooks = {}
        return config

    def on_nav(self, nav: Navigation, /, *, config: Any, files: Any) -> Navigation:
        self.nav = nav
        return nav

    def on_page_content(self, html: str, /, *, page: Page, config: Any, files: Any) -> str:
        self.pages.append(
            {
                "url": page.url,
                "file": page.file.dest_uri,
                "title": page.title or "",
                "toc": _toc(page.toc),
            }
        )
        return html

    def on_post_build(self, *, config: Any) -> None:
        manifest = {
            "site_name": config.site_name,
            "site_description": config.site_description or "",
            "nav": _nav(self.nav.items) if self.nav is not None else [],
            "pages": self.pages,
        }
        with open(self.request["manifest"], "w", encoding="utf-8") as out:
            json.dump(manifest, out)


def _limit(kind: int, value: int) -> None:
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit is already in force
        resource.setrlimit(kind, (value, value))


def _child(request: dict[str, Any]) -> int:
    os.setpgid(0, 0)  # helpers (dot, plantuml) are killed with the build
    log_fd = os.open(request["log"], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    sys.stdout = os.fdopen(1, "w", buffering=1, closefd=False)
    sys.stderr = os.fdopen(2, "w", buffering=1, closefd=False)
    _limit(resource.RLIMIT_AS, int(request["max_memory"]))
    _limit(resource.RLIMIT_FSIZE, int(request["max_file"]))
    _limit(resource.RLIMIT_CPU, int(request["timeout"]) + 5)
    os.chdir(request["workdir"])
    # plugins' temporary folders (monorepo copies the docs) stay inside the build's folder
    scratch = os.path.join(request["workdir"], ".tmp")
    os.makedirs(scratch, exist_ok=True)
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(levelname)-7s - %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    try:
        config = load_config(config_file=request["config"], site_dir=request["site_dir"])
        config.plugins[GUARD] = Guard(request)
        build(config)
    except BaseException as exc:  # everything a build raises ends up in its log
        if not isinstance(exc, SystemExit):
            traceback.print_exc(limit=3)
        print(f"ERROR   - build failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


def _wait(pid: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    pause = 0.002
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() >= deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return {"ok": False, "timed_out": True, "exit": None, "signal": signal.SIGKILL}
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)  # leftovers of the build's process group go with it
    if os.WIFSIGNALED(status):
        return {"ok": False, "timed_out": False, "exit": None, "signal": os.WTERMSIG(status)}
    code = os.WEXITSTATUS(status)
    return {"ok": code == 0, "timed_out": False, "exit": code, "signal": None}


def main() -> None:
    """Serve build requests until stdin closes."""
    _warm()
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                code = _child(request)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        answer = _wait(pid, float(request["timeout"]))
        answer["id"] = request.get("id")
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
