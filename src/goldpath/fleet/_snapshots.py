"""Copies of template versions, kept in the database by content hash."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from goldpath.db import Database
from goldpath.fleet._tables import TemplateSnapshotRow
from goldpath.fleet._version import TemplateVersion
from goldpath.fleet.errors import TemplateSnapshotNotFoundError
from goldpath.scaffolder import SkeletonFile

__all__ = ["TemplateSnapshot", "TemplateSnapshots"]


@dataclass(frozen=True, slots=True)
class TemplateSnapshot:
    """One template version: its entity and its folder's files."""

    template_ref: str
    version: TemplateVersion
    entity: dict[str, Any]
    files: dict[PurePosixPath, SkeletonFile]


class TemplateSnapshots:
    """Template versions by digest; saving one twice keeps the first."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def save(
        self,
        *,
        template_ref: str,
        version: TemplateVersion,
        entity: Mapping[str, Any],
        files: Mapping[PurePosixPath, SkeletonFile],
    ) -> None:
        """Keep this version (nothing happens when it is kept already)."""
        if self.has(version.digest):
            return
        encoded = {
            path.as_posix(): {
                "content": base64.b64encode(file.content).decode(),
                "mode": file.mode,
            }
            for path, file in files.items()
        }
        try:
            with self._database.session() as session:
                session.add(
                    TemplateSnapshotRow(
                        digest=version.digest,
                        template_ref=template_ref,
                        human_version=version.human,
                        entity=dict(entity),
                        files=encoded,
                        created_at=datetime.now(UTC),
                    )
                )
        except IntegrityError:
            return  # another process kept the same version first

    def has(self, digest: str) -> bool:
        """Whether the version is kept (its digest is read, not its files: every Create asks,
        and a template's files are hundreds of kilobytes of JSON to decode)."""
        with self._database.read() as connection:
            found = connection.execute(
                select(TemplateSnapshotRow.digest).where(TemplateSnapshotRow.digest == digest)
            ).first()
        return found is not None

    def get(self, digest: str) -> TemplateSnapshot:
        """The kept version; TemplateSnapshotNotFoundError when goldpath never saw it."""
        with self._database.session() as session:
            row = session.get(TemplateSnapshotRow, digest)
            if row is None:
                raise TemplateSnapshotNotFoundError(
                    f"goldpath holds no copy of template version {digest[:12]}", digest=digest
                )
            return TemplateSnapshot(
                template_ref=row.template_ref,
                version=TemplateVersion(row.digest, row.human_version),
                entity=dict(row.entity),
                files={
                    PurePosixPath(path): SkeletonFile(
                        base64.b64decode(item["content"]), int(item["mode"])
                    )
                    for path, item in row.files.items()
                },
            )
