"""Reading docs sources: folders beside the catalog file, or git host folders by URL."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from goldpath.providers.git import LocalGitHost
from goldpath.techdocs import (
    CatalogSourceReader,
    DocsSourceError,
    parse_techdocs_ref,
    resolve_source,
)
from tests.techdocs._sites import write_docs_site


def test_dir_ref_reads_the_folder_beside_the_catalog_file(tmp_path: Path) -> None:
    catalog = write_docs_site(tmp_path / "repo")
    tree = CatalogSourceReader([], max_bytes=10**6).read_tree(
        f"file:{catalog}", parse_techdocs_ref("dir:.")
    )
    assert {"mkdocs.yml", "docs/index.md", "docs/guide.md", "docs/img/diagram.png"} <= set(
        tree.files
    )


def test_a_symlink_in_the_source_is_refused(tmp_path: Path) -> None:
    catalog = write_docs_site(tmp_path / "repo")
    os.symlink("/etc/hostname", tmp_path / "repo" / "docs" / "host.md")
    with pytest.raises(DocsSourceError, match="symlink"):
        CatalogSourceReader([], max_bytes=10**6).read_tree(
            f"file:{catalog}", parse_techdocs_ref("dir:.")
        )


def test_a_source_over_the_size_limit_is_refused(tmp_path: Path) -> None:
    catalog = write_docs_site(tmp_path / "repo")
    with pytest.raises(DocsSourceError, match="max_source_bytes"):
        CatalogSourceReader([], max_bytes=100).read_tree(
            f"file:{catalog}", parse_techdocs_ref("dir:.")
        )


def test_a_dir_ref_may_not_leave_the_catalog_files_folder() -> None:
    with pytest.raises(DocsSourceError, match="leaves the folder"):
        resolve_source("file:/repo/catalog-info.yaml", parse_techdocs_ref("dir:../other"))


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(DocsSourceError, match="does not exist"):
        CatalogSourceReader([], max_bytes=10**6).read_tree(
            f"file:{tmp_path}/catalog-info.yaml", parse_techdocs_ref("dir:nothing-here")
        )


def test_url_locations_resolve_against_the_catalog_files_folder() -> None:
    location = "url:https://git.example.com/a/b/-/blob/main/catalog-info.yaml"
    assert resolve_source(location, parse_techdocs_ref("dir:.")) == (
        "url",
        "https://git.example.com/a/b/-/blob/main/",
    )
    assert resolve_source(location, parse_techdocs_ref("dir:site")) == (
        "url",
        "https://git.example.com/a/b/-/blob/main/site/",
    )


def test_a_url_location_is_read_through_the_git_host(tmp_path: Path) -> None:
    host = LocalGitHost(tmp_path / "git", "http://portal.test")
    repo = host.create_repo("apps", "widgets")
    write_docs_site(tmp_path / "work")
    host.push(
        tmp_path / "work",
        repo,
        branch="main",
        message="docs",
        author_name="t",
        author_email="t@example.com",
    )
    location = f"url:{host.contents_url('apps', 'widgets', 'main')}/catalog-info.yaml"
    tree = CatalogSourceReader([host], max_bytes=10**6, pinners=[host]).read_tree(
        location, parse_techdocs_ref("dir:.")
    )
    assert tree.files["docs/guide.md"].startswith(b"# Getting started")
    assert tree.commit is not None and len(tree.commit) == 40
    assert tree.where.endswith("/-/blob/main/")


def test_a_url_no_host_reads_is_a_clear_error() -> None:
    with pytest.raises(DocsSourceError, match="no git host can read"):
        CatalogSourceReader([], max_bytes=10**6).read_tree(
            "url:https://elsewhere.example.com/x/catalog-info.yaml", parse_techdocs_ref("dir:.")
        )


@pytest.mark.parametrize("value", ["", "dir:", "url:ftp://x", "file:/etc", "dir:/abs", "nothing"])
def test_malformed_techdocs_refs_are_refused(value: str) -> None:
    from goldpath.techdocs import InvalidTechDocsRefError

    with pytest.raises(InvalidTechDocsRefError) as caught:
        parse_techdocs_ref(value)
    assert caught.value.errors[0].field == "metadata.annotations.backstage.io/techdocs-ref"
