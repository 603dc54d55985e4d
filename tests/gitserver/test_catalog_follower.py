"""The catalog follows pushes: a location is re-read at once when, and only when, a push
changed a file it reads."""

from __future__ import annotations

import gzip
import shutil
from datetime import UTC, datetime
from pathlib import Path

from goldpath.gitserver import ZERO_SHA, CatalogFollower, Push, RefUpdate, parse_push_commands
from goldpath.providers.git import Repository
from tests.gitserver.conftest import APP, GRACE, GitPortal, component, pkt


def _commit(portal: GitPortal, tmp_path: Path, files: dict[str, str]) -> RefUpdate:
    """Commit files on top of apps/ledger's main (in-process) and return the ref update."""
    host = portal.host
    bare = host.repo_path(*APP)
    old = Repository(bare).resolve("refs/heads/main")
    assert old is not None
    work = tmp_path / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    for path in host.list_files(*APP, "main"):
        (work / path).parent.mkdir(parents=True, exist_ok=True)
        (work / path).write_bytes(host.read_file(*APP, "main", path))
    for name, text in files.items():
        (work / name).write_text(text, encoding="utf-8")
    info = host.get_repo(*APP)
    new = host.push(work, info, branch="main", message="edit", author_name="G", author_email="g@x")
    return RefUpdate("refs/heads/main", old, new)


def _push(update: RefUpdate) -> Push:
    return Push(
        owner=APP[0],
        repo=APP[1],
        user_ref=GRACE,
        updates=(update,),
        default_branch="main",
        pushed_at=datetime.now(UTC),
    )


def _description(portal: GitPortal) -> str:
    entity = portal.runtime.catalog.get_entity("component:default/ledger")
    return str(entity["metadata"].get("description"))


def _follower(portal: GitPortal, refreshed: list[str]) -> CatalogFollower:
    portal.runtime.catalog.add_refresh_listener(lambda location, refs: refreshed.append(location))
    return CatalogFollower(portal.runtime.catalog, portal.host)


def test_a_push_changing_catalog_info_refreshes_its_location(
    git_portal: GitPortal, tmp_path: Path
) -> None:
    refreshed: list[str] = []
    follower = _follower(git_portal, refreshed)
    update = _commit(git_portal, tmp_path, {"catalog-info.yaml": component("ledger", "Money")})
    follower.on_push(_push(update))
    assert len(refreshed) == 1
    assert _description(git_portal) == "Money"


def test_a_push_that_leaves_the_read_files_alone_refreshes_nothing(
    git_portal: GitPortal, tmp_path: Path
) -> None:
    refreshed: list[str] = []
    follower = _follower(git_portal, refreshed)
    update = _commit(git_portal, tmp_path, {"README.md": "just docs\n"})
    follower.on_push(_push(update))
    assert refreshed == []


def test_a_push_to_another_branch_refreshes_nothing(git_portal: GitPortal, tmp_path: Path) -> None:
    refreshed: list[str] = []
    follower = _follower(git_portal, refreshed)
    update = _commit(git_portal, tmp_path, {"catalog-info.yaml": component("ledger", "Other")})
    follower.on_push(_push(RefUpdate("refs/heads/feature", ZERO_SHA, update.new)))
    assert refreshed == []


def test_an_invalid_edit_keeps_the_entity_and_records_the_error(
    git_portal: GitPortal, tmp_path: Path
) -> None:
    follower = CatalogFollower(git_portal.runtime.catalog, git_portal.host)
    update = _commit(git_portal, tmp_path, {"catalog-info.yaml": "kind: [unclosed\n"})
    follower.on_push(_push(update))
    assert _description(git_portal) == "The ledger"
    record = git_portal.runtime.catalog.get_location_by_entity("component:default/ledger")
    assert record.errors and "YAML" in record.errors[0]


def test_push_commands_are_read_from_plain_and_gzipped_requests() -> None:
    old, new = "1" * 40, "2" * 40
    body = (
        pkt(f"{old} {new} refs/heads/main\0report-status side-band-64k\n".encode())
        + pkt(f"{ZERO_SHA} {new} refs/heads/feature\n".encode())
        + b"0000PACK..."
    )
    expected = [
        RefUpdate("refs/heads/main", old, new),
        RefUpdate("refs/heads/feature", ZERO_SHA, new),
    ]
    assert parse_push_commands(body) == expected
    assert parse_push_commands(gzip.compress(body), content_encoding="gzip") == expected
    assert parse_push_commands(b"garbage") == []
