"""Template versions kept by digest, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from goldpath.db import Database
from goldpath.fleet import TemplateSnapshotNotFoundError, TemplateSnapshots, TemplateVersion
from goldpath.scaffolder import SkeletonFile


def test_a_version_is_kept_once_and_read_back_byte_for_byte(any_database: Database) -> None:
    snapshots = TemplateSnapshots(any_database)
    version = TemplateVersion("ab" * 32, "1.0")
    files = {
        PurePosixPath("template.yaml"): SkeletonFile(b"kind: Template\n"),
        PurePosixPath("skeleton/run.sh"): SkeletonFile(b"#!/bin/sh\n\xff\x00", 0o755),
    }
    entity = {"kind": "Template", "metadata": {"name": "svc"}}
    snapshots.save(template_ref="template:default/svc", version=version, entity=entity, files=files)
    snapshots.save(
        template_ref="template:default/svc", version=version, entity={"changed": True}, files={}
    )
    kept = snapshots.get(version.digest)
    assert kept.files == files and kept.entity == entity and kept.version == version
    with pytest.raises(TemplateSnapshotNotFoundError):
        snapshots.get("cd" * 32)
