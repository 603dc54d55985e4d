"""The push log: every ref an accepted push moved, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from goldpath.db import Database, as_utc
from goldpath.gitserver._push import Push, RefUpdate
from goldpath.gitserver._tables import PushRow

__all__ = ["PushEntry", "PushLog"]

MAX_LIMIT = 500


@dataclass(frozen=True, slots=True)
class PushEntry:
    """One recorded ref update: when, who, which repository and ref, old -> new."""

    at: datetime
    user_ref: str
    owner: str
    repo: str
    ref: str
    old: str
    new: str

    @property
    def update(self) -> RefUpdate:
        """The ref update itself."""
        return RefUpdate(ref=self.ref, old=self.old, new=self.new)

    def as_dict(self) -> dict[str, str]:
        """A JSON-friendly form."""
        return {
            "at": self.at.isoformat(),
            "user": self.user_ref,
            "repo": f"{self.owner}/{self.repo}",
            "ref": self.ref,
            "old": self.old,
            "new": self.new,
        }


def _entry(row: PushRow) -> PushEntry:
    return PushEntry(
        at=as_utc(row.at),
        user_ref=row.user_ref,
        owner=row.owner,
        repo=row.repo,
        ref=row.ref,
        old=row.old,
        new=row.new,
    )


class PushLog:
    """Records accepted pushes and answers "who pushed what to this repository"."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def record(self, push: Push) -> None:
        """Write one row per moved ref, in one transaction."""
        with self._database.session() as session:
            for update in push.updates:
                session.add(
                    PushRow(
                        at=push.pushed_at,
                        user_ref=push.user_ref,
                        owner=push.owner,
                        repo=push.repo,
                        ref=update.ref,
                        old=update.old,
                        new=update.new,
                    )
                )

    def for_repos(self, repos: list[tuple[str, str]], *, limit: int = 20) -> list[PushEntry]:
        """The latest ref updates to any of these ``(owner, repo)`` repositories."""
        if not repos:
            return []
        entries: list[PushEntry] = []
        with self._database.session() as session:
            for owner, repo in dict.fromkeys(repos):
                rows = session.scalars(
                    select(PushRow)
                    .where(PushRow.owner == owner, PushRow.repo == repo)
                    .order_by(PushRow.at.desc(), PushRow.id.desc())
                    .limit(min(limit, MAX_LIMIT))
                ).all()
                entries.extend(_entry(row) for row in rows)
        entries.sort(key=lambda e: e.at, reverse=True)
        return entries[: min(limit, MAX_LIMIT)]
