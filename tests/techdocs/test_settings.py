"""TechDocs settings: S3 storage needs a bucket; storage follows the setting."""

from __future__ import annotations

from pathlib import Path

from goldpath.config import check_settings, load_settings
from goldpath.techdocs import LocalDocsStorage, S3DocsStorage, storage_from_settings


def test_s3_storage_without_a_bucket_is_refused_naming_the_key(goldpath_home: Path) -> None:
    settings = load_settings(home=goldpath_home, techdocs={"storage": "s3"})
    problems = check_settings(settings)
    assert [p.key for p in problems] == ["techdocs.s3.bucket"]
    assert problems[0].env_var == "GOLDPATH_TECHDOCS__S3__BUCKET"


def test_storage_follows_the_setting(goldpath_home: Path, aws: str) -> None:
    local = storage_from_settings(load_settings(home=goldpath_home))
    assert isinstance(local, LocalDocsStorage)
    assert local.root == goldpath_home / "techdocs"
    s3 = storage_from_settings(
        load_settings(
            home=goldpath_home,
            techdocs={"storage": "s3", "s3": {"bucket": "docs", "endpoint_url": aws}},
        )
    )
    assert isinstance(s3, S3DocsStorage) and s3.bucket == "docs"
