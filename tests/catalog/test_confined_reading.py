"""Confined reading (issue 11): locations and placeholders read only under the file roots
and from allowed hosts, only regular files, within size caps; refusals never carry content."""

from __future__ import annotations

import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from tests.catalog.conftest import component

from goldpath.catalog import (
    CatalogService,
    ConfinedReader,
    LocationAccessDeniedError,
    LocationReadError,
    LocationTargetNotFoundError,
    LocationTooLargeError,
    ReadingPolicy,
)
from goldpath.config import ReadingAllowRule
from goldpath.db import Database

BILLION_LAUGHS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: lol
  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
  b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
  c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
  d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
  e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
  f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
  g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
  h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
  i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
spec: {type: service, lifecycle: production, owner: team-a}
"""


def _api(name: str, definition: Any) -> dict[str, Any]:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "API",
        "metadata": {"name": name},
        "spec": {
            "type": "openapi",
            "lifecycle": "production",
            "owner": "team-a",
            "definition": definition,
        },
    }


@pytest.fixture
def root(tmp_path: Path) -> Path:
    folder = tmp_path / "root"
    folder.mkdir()
    return folder


@pytest.fixture
def confined(database: Database, root: Path) -> CatalogService:
    """A catalog that may read under ``root`` only, 64 KiB a file, 256 KiB a location."""
    policy = ReadingPolicy.build([root], max_file_bytes=64 * 1024, max_location_bytes=256 * 1024)
    return CatalogService(database, policy=policy)


def _write(path: Path, *docs: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


def _status(catalog: CatalogService, ref: str) -> str:
    entity = catalog.get_entity(ref)
    return " ".join(item["message"] for item in entity.get("status", {}).get("items", []))


def test_a_file_outside_the_roots_is_refused_and_nothing_is_registered(
    confined: CatalogService, tmp_path: Path
) -> None:
    outside = _write(tmp_path / "elsewhere" / "catalog-info.yaml", component("x"))
    for target in (str(outside), "/etc/passwd", "/proc/self/environ", "/dev/zero"):
        with pytest.raises(LocationAccessDeniedError, match="catalog.file_roots") as caught:
            confined.add_location("file", target)
        assert target in caught.value.message
    assert confined.list_locations() == []


@pytest.mark.parametrize(
    "reference",
    ["/proc/self/environ", "/etc/passwd", "file:///etc/passwd", "../../../../../../etc/passwd"],
)
def test_a_placeholder_may_not_leave_its_root(
    confined: CatalogService, root: Path, reference: str
) -> None:
    path = _write(root / "apis" / "api.yaml", _api("leak", {"$text": reference}), component("ok"))
    confined.add_location("file", str(path))
    entity = confined.get_entity("api:leak")
    assert entity["spec"]["definition"] == {"$text": reference}  # left as it was, not read
    assert "spec.definition" in _status(confined, "api:leak")
    assert "root:" not in repr(entity)  # /etc/passwd's first line never lands anywhere
    assert "status" not in confined.get_entity("component:ok")


def test_a_symlink_out_of_the_root_is_refused(confined: CatalogService, root: Path) -> None:
    (root / "apis").mkdir()
    (root / "apis" / "environ.txt").symlink_to("/proc/self/environ")
    (root / "apis" / "linked.yaml").symlink_to("/etc/passwd")
    path = _write(root / "apis" / "api.yaml", _api("leak", {"$text": "./environ.txt"}))
    confined.add_location("file", str(path))
    assert "leaves the file root" in _status(confined, "api:leak")
    with pytest.raises(LocationAccessDeniedError):
        confined.add_location("file", str(root / "apis" / "linked.yaml"))


def test_a_placeholder_inside_the_root_still_resolves_through_dot_dot(
    confined: CatalogService, root: Path
) -> None:
    (root / "docs").mkdir()
    (root / "docs" / "api.txt").write_text("openapi: 3.0.0\n")
    path = _write(root / "apis" / "api.yaml", _api("fine", {"$text": "../docs/api.txt"}))
    confined.add_location("file", str(path))
    assert confined.get_entity("api:fine")["spec"]["definition"] == "openapi: 3.0.0\n"


def test_only_regular_files_are_read_and_a_fifo_does_not_stall(
    confined: CatalogService, root: Path
) -> None:
    os.mkfifo(root / "pipe.yaml")
    (root / "folder.yaml").mkdir()
    with pytest.raises(LocationReadError, match="not a regular file"):
        confined.add_location("file", str(root / "pipe.yaml"))
    with pytest.raises(LocationReadError, match="directory"):
        confined.add_location("file", str(root / "folder.yaml"))
    assert confined.list_locations() == []


def test_a_file_bigger_than_the_cap_is_refused(confined: CatalogService, root: Path) -> None:
    big = root / "big.yaml"
    big.write_text("# " + "x" * (64 * 1024) + "\n")
    with pytest.raises(LocationTooLargeError, match="max_file_bytes"):
        confined.add_location("file", str(big))
    (root / "big.txt").write_text("x" * (64 * 1024 + 1))
    path = _write(root / "api.yaml", _api("huge", {"$text": "./big.txt"}))
    confined.add_location("file", str(path))
    assert "max_file_bytes" in _status(confined, "api:huge")


def test_a_location_reading_more_than_its_cap_in_all_records_an_error(
    confined: CatalogService, root: Path
) -> None:
    for index in range(6):  # 6 x 60 KiB > 256 KiB
        (root / f"part-{index}.txt").write_text("y" * (60 * 1024))
    apis = [_api(f"part-{index}", {"$text": f"./part-{index}.txt"}) for index in range(6)]
    confined.add_location("file", str(_write(root / "all.yaml", *apis)))
    problems = " ".join(_status(confined, f"api:part-{index}") for index in range(6))
    assert "max_location_bytes" in problems


def test_a_yaml_alias_bomb_is_an_error_on_the_location(
    confined: CatalogService, root: Path
) -> None:
    (root / "lol.yaml").write_text(BILLION_LAUGHS)
    record, _ = confined.add_location("file", str(root / "lol.yaml"))
    assert any("alias" in error for error in record.errors)
    assert confined.find_entity("component:lol") is None


def test_a_yaml_placeholder_alias_bomb_is_an_error_on_the_entity(
    confined: CatalogService, root: Path
) -> None:
    (root / "lol.yaml").write_text(BILLION_LAUGHS)
    path = _write(root / "api.yaml", _api("lol", {"$yaml": "./lol.yaml"}))
    confined.add_location("file", str(path))
    assert "alias" in _status(confined, "api:lol")


def test_read_relative_serves_other_components_inside_the_same_rules(
    confined: CatalogService, root: Path
) -> None:
    (root / "svc" / "docs" / "deep").mkdir(parents=True)
    (root / "svc" / "docs" / "index.md").write_text("# docs\n")
    (root / "svc" / "docs" / "deep" / "page.md").write_text("deep\n")
    (root / "svc" / "docs" / "passwd").symlink_to("/etc/passwd")
    key = f"file:{root / 'svc' / 'catalog-info.yaml'}"
    reader = confined.reader
    assert reader.read_relative(key, "docs/index.md") == b"# docs\n"
    assert reader.read_folder_relative(key, "docs") == {
        "index.md": b"# docs\n",
        "deep/page.md": b"deep\n",
    }
    for escape in ("../../etc/passwd", "/etc/passwd", "docs/passwd"):
        with pytest.raises(LocationAccessDeniedError):
            reader.read_relative(key, escape)
    with pytest.raises(LocationTargetNotFoundError):
        reader.read_relative(key, "docs/missing.md")


segments = st.lists(st.sampled_from(["..", ".", "a", "b", "link", "out"]), min_size=1, max_size=8)


@given(parts=segments)
def test_a_relative_read_never_resolves_outside_its_root(parts: list[str]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        root = base / "root"
        (root / "a" / "b").mkdir(parents=True)
        (base / "out").mkdir()
        if not (root / "a" / "link").exists():
            (root / "a" / "link").symlink_to(base / "out")
        reader = ConfinedReader(ReadingPolicy.build([root]))
        entity_file = ("file", str(root / "a" / "catalog-info.yaml"))
        try:
            type_, target = reader.resolve_relative(entity_file, "/".join(parts))
        except LocationAccessDeniedError:
            return
        real = os.path.realpath(target)
        assert type_ == "file"
        assert real == str(root.resolve()) or real.startswith(str(root.resolve()) + os.sep)


class _Files(http.server.BaseHTTPRequestHandler):
    files: dict[str, bytes] = {}

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path == "/redirect.yaml":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
            self.end_headers()
            return
        body = self.files.get(self.path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Length", str(len(body or b"")))
        self.end_headers()
        self.wfile.write(body or b"")

    def log_message(self, format: str, *args: Any) -> None:
        del format, args


@pytest.fixture
def http_files() -> Iterator[str]:
    """A plain HTTP server on loopback serving a few catalog files."""
    _Files.files = {
        "/catalog/catalog-info.yaml": yaml.safe_dump(component("served")).encode(),
        "/private/catalog-info.yaml": yaml.safe_dump(component("private")).encode(),
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Files)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_urls_are_read_only_from_hosts_and_paths_the_allow_list_names(
    database: Database, root: Path, http_files: str
) -> None:
    port = http_files.rsplit(":", 1)[1]
    closed = CatalogService(database, policy=ReadingPolicy.build([root]))
    with pytest.raises(LocationAccessDeniedError, match="catalog.reading.allow"):
        closed.add_location("url", f"{http_files}/catalog/catalog-info.yaml")

    rule = ReadingAllowRule(host=f"127.0.0.1:{port}", paths=["/catalog/"])
    opened = CatalogService(database, policy=ReadingPolicy.build([root], allow=[rule]))
    record, _ = opened.add_location("url", f"{http_files}/catalog/catalog-info.yaml")
    assert record.errors == ()
    assert opened.find_entity("component:served") is not None
    with pytest.raises(LocationAccessDeniedError):
        opened.add_location("url", f"{http_files}/private/catalog-info.yaml")
    with pytest.raises(LocationAccessDeniedError):
        opened.add_location("url", f"{http_files}/catalog/../private/catalog-info.yaml")


def test_a_redirect_is_not_followed(database: Database, root: Path, http_files: str) -> None:
    rule = ReadingAllowRule(host=http_files.split("//", 1)[1])
    catalog = CatalogService(database, policy=ReadingPolicy.build([root], allow=[rule]))
    with pytest.raises(LocationReadError, match="redirects"):
        catalog.add_location("url", f"{http_files}/redirect.yaml")
