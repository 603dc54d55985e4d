"""The audit log: every decision that changes something and every denial, kept for a while."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import ColumnElement, delete, func, select

from goldpath.db import Database, as_utc
from goldpath.permissions._model import Decision
from goldpath.permissions._tables import AuditRow

__all__ = ["AuditEntry", "AuditLog", "AuditPage", "AuditPruner"]

log = logging.getLogger(__name__)

MAX_PAGE = 500
PRUNE_INTERVAL_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded decision."""

    id: int
    at: datetime
    actor: str
    permission: str
    resource_type: str | None
    resource: str | None
    decision: str
    rule: str
    reason: str

    def as_dict(self) -> dict[str, object]:
        """The API's shape of an entry."""
        return {
            "id": self.id,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "actor": self.actor,
            "permission": self.permission,
            "resourceType": self.resource_type,
            "resource": self.resource,
            "decision": self.decision,
            "rule": self.rule,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class AuditPage:
    """One page of entries, newest first, and how many match in all."""

    items: list[AuditEntry]
    total: int
    limit: int
    offset: int

    @property
    def next_offset(self) -> int | None:
        """Where the next page starts, when there is one."""
        end = self.offset + len(self.items)
        return end if end < self.total else None

    def as_dict(self) -> dict[str, object]:
        """``{items, totalItems, limit, offset, nextOffset}``."""
        return {
            "items": [e.as_dict() for e in self.items],
            "totalItems": self.total,
            "limit": self.limit,
            "offset": self.offset,
            "nextOffset": self.next_offset,
        }


def _entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=as_utc(row.at),
        actor=row.actor,
        permission=row.permission,
        resource_type=row.resource_type,
        resource=row.resource,
        decision=row.decision,
        rule=row.rule,
        reason=row.reason,
    )


def _like(pattern: str) -> str:
    escaped = pattern.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped.replace("*", "%")


class AuditLog:
    """Writes decisions, answers filtered pages of them, and forgets the old ones."""

    def __init__(self, database: Database) -> None:
        self._database = database

    def record(self, decision: Decision, *, at: datetime | None = None) -> None:
        """Keep one decision."""
        resource = decision.resource
        row = AuditRow(
            at=at or datetime.now(UTC),
            actor=decision.subject.user_ref[:512],
            permission=decision.permission.name,
            resource_type=resource.type if resource is not None else None,
            resource=resource.ref[:1024] if resource is not None else None,
            decision="allow" if decision.allowed else "deny",
            rule=decision.rule[:200],
            reason=decision.reason[:1000],
        )
        with self._database.session() as session:
            session.add(row)

    def query(
        self,
        *,
        actor: str | None = None,
        permission: str | None = None,
        resource: str | None = None,
        decision: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> AuditPage:
        """Entries newest first; ``permission`` may hold ``*`` wildcards, ``until`` is exclusive."""
        limit = max(1, min(limit, MAX_PAGE))
        offset = max(0, offset)
        where: list[ColumnElement[bool]] = []
        if actor:
            where.append(AuditRow.actor == actor.strip().lower())
        if permission:
            name = permission.strip()
            if "*" in name:
                where.append(AuditRow.permission.like(_like(name), escape="\\"))
            else:
                where.append(AuditRow.permission == name)
        if resource:
            where.append(AuditRow.resource == resource.strip())
        if decision:
            where.append(AuditRow.decision == decision)
        if since is not None:
            where.append(AuditRow.at >= since.astimezone(UTC))
        if until is not None:
            where.append(AuditRow.at < until.astimezone(UTC))
        with self._database.session() as session:
            total = session.execute(
                select(func.count()).select_from(AuditRow).where(*where)
            ).scalar_one()
            rows = session.scalars(
                select(AuditRow)
                .where(*where)
                .order_by(AuditRow.at.desc(), AuditRow.id.desc())
                .limit(limit)
                .offset(offset)
            ).all()
            return AuditPage([_entry(r) for r in rows], int(total), limit, offset)

    def prune(self, *, retention_days: int, now: datetime | None = None) -> int:
        """Delete entries older than the retention; 0 days keeps everything. Returns how many."""
        if retention_days <= 0:
            return 0
        cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
        with self._database.session() as session:
            result = session.execute(delete(AuditRow).where(AuditRow.at < cutoff))
            return int(getattr(result, "rowcount", 0) or 0)


class AuditPruner:
    """Prunes the audit log at start and then every hour (a background service)."""

    def __init__(
        self,
        audit: AuditLog,
        *,
        retention_days: int,
        interval_seconds: float = PRUNE_INTERVAL_SECONDS,
    ) -> None:
        self.audit = audit
        self.retention_days = retention_days
        self.interval_seconds = interval_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def prune_once(self) -> int:
        """One pruning round; failures are logged, never raised (the loop must survive)."""
        try:
            return self.audit.prune(retention_days=self.retention_days)
        except Exception:
            log.exception("pruning the audit log failed")
            return 0

    def start(self) -> None:
        """Prune now, then start the loop (nothing to loop for when retention is forever)."""
        self.prune_once()
        if self.retention_days <= 0 or self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="audit-prune", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_seconds):
            self.prune_once()

    def stop(self) -> None:
        """Stop the loop and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
