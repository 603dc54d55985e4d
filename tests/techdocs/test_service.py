"""TechDocsService on a real catalog and database: builds, rebuilds, failures, search."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from goldpath.catalog import CatalogService, EntityRef, ReadingPolicy
from goldpath.db import Database
from goldpath.techdocs import (
    Builder,
    CatalogSourceReader,
    DocsNotFoundError,
    LocalDocsStorage,
    S3DocsStorage,
    TechDocsService,
)
from tests.techdocs._sites import write_docs_site

REF = EntityRef(kind="component", namespace="default", name="widgets")
KEY = "component:default/widgets"


@pytest.fixture
def catalog(any_database: Database, tmp_path: Path) -> CatalogService:
    return CatalogService(any_database, policy=ReadingPolicy.build([tmp_path]))


@pytest.fixture
def service(
    any_database: Database, catalog: CatalogService, builder: Builder, tmp_path: Path
) -> Iterator[TechDocsService]:
    service = TechDocsService(
        database=any_database,
        catalog=catalog,
        reader=CatalogSourceReader([], max_bytes=10**7),
        storage=LocalDocsStorage(tmp_path / "sites"),
        builder=builder,
    )
    catalog.add_refresh_listener(service.on_location_refreshed)
    yield service


def _drain(service: TechDocsService) -> None:
    while (job := service.queue.take(timeout=0)) is not None:
        ref, force = job
        try:
            service.sync(ref, force=force)
        finally:
            service.queue.done(ref)


def test_registering_a_documented_entity_queues_and_builds_its_docs(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    catalog.add_location("file", str(write_docs_site(tmp_path / "repo")))
    assert KEY in service.queue
    _drain(service)
    status = service.status(KEY)
    assert status is not None and status.status == "built" and status.page_count == 2
    page = service.page(REF, "guide/")
    assert page.title == "Guide"
    assert [item["title"] for item in page.nav] == ["Overview", "Guide"]
    assert '<h1 id="getting-started">' in page.html


def test_an_unchanged_source_is_not_rebuilt(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    location, _ = catalog.add_location("file", str(write_docs_site(tmp_path / "repo")))
    _drain(service)
    first = service.status(KEY)
    catalog.refresh_location(location.id)
    _drain(service)
    again = service.status(KEY)
    assert first is not None and again is not None
    assert again.built_at == first.built_at
    assert again.source_hash == first.source_hash


def test_a_changed_source_is_rebuilt_when_the_catalog_refreshes(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    location, _ = catalog.add_location("file", str(write_docs_site(tmp_path / "repo")))
    _drain(service)
    first = service.status(KEY)
    (tmp_path / "repo" / "docs" / "guide.md").write_text("# Getting started\n\nplatypus\n")
    catalog.refresh_location(location.id)
    _drain(service)
    again = service.status(KEY)
    assert first is not None and again is not None
    assert again.source_hash != first.source_hash
    assert [hit.location for hit in service.search("platypus")] == ["guide/#getting-started"]
    assert service.search("quokkaflux") == []  # the old text left the index


def test_a_refused_mkdocs_yml_is_recorded_on_the_entity_and_the_old_site_stays(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    location, _ = catalog.add_location("file", str(write_docs_site(tmp_path / "repo")))
    _drain(service)
    (tmp_path / "repo" / "mkdocs.yml").write_text("site_name: s\nhooks: [evil.py]\n")
    catalog.refresh_location(location.id)
    _drain(service)
    status = service.status(KEY)
    assert status is not None and status.status == "failed"
    assert status.error is not None and "hooks run Python" in status.error
    assert status.published  # the last good build is still served
    assert service.page(REF, "").title == "Overview"


def test_a_failed_build_keeps_its_log_and_is_not_retried_until_the_source_changes(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    mkdocs = "site_name: s\nstrict: true\n"
    pages = {"index.md": "# Hi\n\n[broken](nowhere.md)\n"}
    location, _ = catalog.add_location(
        "file", str(write_docs_site(tmp_path / "repo", pages=pages, mkdocs=mkdocs))
    )
    _drain(service)
    failed = service.status(KEY)
    assert failed is not None and failed.status == "failed"
    assert failed.log is not None and "nowhere.md" in failed.log
    catalog.refresh_location(location.id)
    _drain(service)
    again = service.status(KEY)
    assert again is not None and again.attempted_at == failed.attempted_at


def test_an_entity_leaving_the_catalog_loses_its_docs_and_search_hits(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    location, _ = catalog.add_location("file", str(write_docs_site(tmp_path / "repo")))
    _drain(service)
    catalog.remove_location(location.id)
    assert service.search("quokkaflux") == []
    assert service.prune() == 1
    assert service.status(KEY) is None
    with pytest.raises(DocsNotFoundError):
        service.page(REF, "")
    assert not (tmp_path / "sites" / "sites" / "default" / "component" / "widgets").exists()


def test_search_finds_a_word_of_the_docs_and_names_its_section(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    catalog.add_location("file", str(write_docs_site(tmp_path / "repo")))
    _drain(service)
    (hit,) = service.search("QUOKKAFLUX")
    assert (hit.entity_ref, hit.location, hit.title) == (
        KEY,
        "guide/#getting-started",
        "Getting started",
    )
    assert "quokkaflux" in hit.text
    assert service.search("100%") == []  # LIKE wildcards are searched for literally


def test_s3_storage_publishes_reads_and_replaces_a_site(aws: str) -> None:
    client = boto3.client("s3", region_name="us-east-2", endpoint_url=aws)
    client.create_bucket(
        Bucket="docs", CreateBucketConfiguration={"LocationConstraint": "us-east-2"}
    )
    storage = S3DocsStorage(client, bucket="docs", prefix="techdocs")
    storage.publish("default/component/x", {"index.html": b"one", "old/index.html": b"old"})
    storage.publish("default/component/x", {"index.html": b"two", "img/a.png": b"png"})
    assert storage.read("default/component/x", "index.html") == b"two"
    keys = {o["Key"] for o in client.list_objects_v2(Bucket="docs")["Contents"]}
    assert keys == {
        "techdocs/default/component/x/index.html",
        "techdocs/default/component/x/img/a.png",
    }
    with pytest.raises(DocsNotFoundError):
        storage.read("default/component/x", "old/index.html")
    with pytest.raises(DocsNotFoundError):
        storage.read("default/component/x", "../../other/index.html")
    storage.delete("default/component/x")
    assert "Contents" not in client.list_objects_v2(Bucket="docs")


def test_local_storage_never_reads_outside_a_site(tmp_path: Path) -> None:
    storage = LocalDocsStorage(tmp_path / "store")
    storage.publish("default/component/x", {"index.html": b"x"})
    (tmp_path / "store" / "secret.txt").write_text("no")
    for path in ("../../../secret.txt", "/etc/passwd", "a/../../../../secret.txt"):
        with pytest.raises(DocsNotFoundError):
            storage.read("default/component/x", path)


def test_a_page_whose_url_needs_quoting_is_found_by_its_decoded_path(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    pages = {"index.md": "# Home\n", "release notes.md": "# Notes\n\nchangelog\n"}
    catalog.add_location(
        "file", str(write_docs_site(tmp_path / "repo", pages=pages, mkdocs="site_name: s\n"))
    )
    _drain(service)
    page = service.page(REF, "release notes/")
    assert page.title == "Notes"
    assert [item["url"] for item in page.nav] == ["", "release%20notes/"]


def test_a_location_bigger_than_one_catalog_read_still_queues_its_documented_entities(
    service: TechDocsService, catalog: CatalogService, tmp_path: Path
) -> None:
    # More entities than get_by_refs takes at once (1,000): the listener reads them in parts.
    from goldpath.catalog import MAX_BY_REFS

    info = write_docs_site(tmp_path / "repo")
    many = "".join(
        f"---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{i}\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
        for i in range(MAX_BY_REFS + 5)
    )
    info.write_text(info.read_text(encoding="utf-8") + many, encoding="utf-8")
    catalog.add_location("file", str(info))
    assert KEY in service.queue
