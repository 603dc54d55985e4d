"""A local OSV endpoint over the advisory snapshot in ../shared/advisories (PyPA's database).

PyPI's vulnerability API and osv.dev are unreachable here, and pip-audit then skips every
package while reporting "No known vulnerabilities found". Tests that audit a generated
Python service serve the snapshot instead: ``pip-audit -s osv --osv-url <url>``, which
posts ``{"package": {"name", "ecosystem"}, "version"}`` to ``/v1/query`` and reads
``{"vulns": [...]}`` back, as osv.dev's API documents.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from packaging.version import InvalidVersion, Version

__all__ = ["OsvSnapshot", "affects", "serve_osv"]


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _in_range(version: Version, events: list[dict[str, str]]) -> bool:
    """OSV's ECOSYSTEM range: affected from an ``introduced`` up to a ``fixed`` (exclusive)
    or ``last_affected`` (inclusive)."""
    affected = False
    for event in events:
        if "introduced" in event:
            start = event["introduced"]
            if start == "0" or ((low := _version(start)) is not None and version >= low):
                affected = True
        elif "fixed" in event:
            high = _version(event["fixed"])
            if high is not None and version >= high:
                affected = False
        elif "last_affected" in event:
            last = _version(event["last_affected"])
            if last is not None and version > last:
                affected = False
    return affected


def affects(advisory: dict[str, Any], name: str, version: str) -> bool:
    """Whether ``advisory`` lists PyPI package ``name`` at ``version`` as affected."""
    parsed = _version(version)
    for entry in advisory.get("affected") or []:
        package = entry.get("package") or {}
        if package.get("ecosystem") != "PyPI" or _canonical(package.get("name", "")) != name:
            continue
        if version in (entry.get("versions") or []):
            return True
        if parsed is None:
            continue
        for span in entry.get("ranges") or []:
            if span.get("type") == "ECOSYSTEM" and _in_range(parsed, span.get("events") or []):
                return True
    return False


class OsvSnapshot:
    """The advisories of one snapshot directory (``vulns/<package>/*.yaml``), read lazily."""

    def __init__(self, root: Path) -> None:
        vulns = root / "vulns"
        if not vulns.is_dir():
            raise FileNotFoundError(f"no OSV snapshot at {vulns}")
        self._folders = {_canonical(p.name): p for p in vulns.iterdir() if p.is_dir()}

    @functools.cache  # noqa: B019 - one snapshot per test session
    def advisories(self, name: str) -> tuple[dict[str, Any], ...]:
        """Every advisory filed under PyPI package ``name``."""
        folder = self._folders.get(_canonical(name))
        if folder is None:
            return ()
        loaded = []
        for path in sorted(folder.glob("*.yaml")):
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
            if isinstance(document, dict):
                loaded.append(document)
        return tuple(loaded)

    def query(self, name: str, version: str) -> list[dict[str, Any]]:
        """The advisories affecting ``name`` at ``version``, as osv.dev answers them."""
        canonical = _canonical(name)
        return [a for a in self.advisories(canonical) if affects(a, canonical, version)]


@contextmanager
def serve_osv(snapshot: OsvSnapshot) -> Iterator[str]:
    """Serve ``snapshot`` on loopback; yields the query URL (``.../v1/query``)."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            if self.path != "/v1/query":
                self.send_error(404)
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length))
                package = body["package"]
                if package.get("ecosystem") != "PyPI":
                    raise ValueError("only the PyPI ecosystem is served")
                vulns = snapshot.query(str(package["name"]), str(body["version"]))
            except (ValueError, KeyError, TypeError) as exc:
                self.send_error(400, str(exc))
                return
            payload = json.dumps({"vulns": vulns} if vulns else {}, default=str).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/query"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
