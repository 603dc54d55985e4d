"""ScorecardStore: the latest scorecard of each entity, and a history row per change."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from goldpath.db import Database
from goldpath.scorecards._model import CheckResult, Scorecard
from goldpath.scorecards._tables import history, results

__all__ = ["MAX_HISTORY", "ScorecardStore"]

MAX_HISTORY = 500  # rows kept per entity; one is added only when the outcome changes


def _checks_json(card: Scorecard) -> str:
    return json.dumps(
        [{**c.as_dict(), "title": c.title} for c in card.checks], separators=(",", ":")
    )


def _aware(value: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored one is UTC
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _card(row: Row[Any]) -> Scorecard:
    return Scorecard(
        entity_ref=row.entity_ref,
        owner=row.owner,
        checks=tuple(CheckResult.from_dict(item) for item in json.loads(row.checks)),
        evaluated_at=_aware(row.evaluated_at),
        commit=row.commit,
    )


class ScorecardStore:
    """Reads and writes the scorecard tables."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def save(self, card: Scorecard, *, location_id: str | None = None) -> bool:
        """Store ``card`` as the entity's latest; True when its outcome changed (a history
        row was added), False when only the evaluation time moved."""
        for attempt in range(2):
            try:
                with self.database.session() as session:
                    return self._save(session, card, location_id)
            except IntegrityError:
                # another process inserted the first row for this entity at the same time
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _save(self, session: Session, card: Scorecard, location_id: str | None) -> bool:
        digest = card.digest
        values = {
            "owner": card.owner,
            "location_id": location_id,
            "score": card.score,
            "passed": card.passed,
            "total": card.total,
            "checks": _checks_json(card),
            "digest": digest,
            "commit": card.commit,
            "evaluated_at": card.evaluated_at,
        }
        previous = session.execute(
            select(results.c.digest, results.c.owner).where(results.c.entity_ref == card.entity_ref)
        ).first()
        changed = previous is None or previous.digest != digest or previous.owner != card.owner
        if previous is None:
            session.execute(
                insert(results).values(
                    entity_ref=card.entity_ref, changed_at=card.evaluated_at, **values
                )
            )
        else:
            if changed:
                values["changed_at"] = card.evaluated_at
            session.execute(
                update(results).where(results.c.entity_ref == card.entity_ref).values(**values)
            )
        if changed:
            session.execute(
                insert(history).values(
                    entity_ref=card.entity_ref,
                    owner=card.owner,
                    score=card.score,
                    passed=card.passed,
                    total=card.total,
                    checks=values["checks"],
                    digest=digest,
                    commit=card.commit,
                    evaluated_at=card.evaluated_at,
                )
            )
            self._trim(session, card.entity_ref)
        return changed

    def _trim(self, session: Session, entity_ref: str) -> None:
        cutoff = session.execute(
            select(history.c.id)
            .where(history.c.entity_ref == entity_ref)
            .order_by(history.c.id.desc())
            .offset(MAX_HISTORY)
            .limit(1)
        ).scalar()
        if cutoff is not None:
            session.execute(
                delete(history).where(history.c.entity_ref == entity_ref, history.c.id <= cutoff)
            )

    def get(self, entity_ref: str) -> Scorecard | None:
        """The entity's latest scorecard, or None."""
        with self.database.session() as session:
            row = session.execute(select(results).where(results.c.entity_ref == entity_ref)).first()
        return _card(row) if row is not None else None

    def latest(self, *, owners: Collection[str] | None = None) -> list[Scorecard]:
        """Every latest scorecard (of these owners only, when given), by entity ref."""
        query = select(results).order_by(results.c.entity_ref)
        if owners is not None:
            query = query.where(results.c.owner.in_(sorted(owners)))
        with self.database.session() as session:
            return [_card(row) for row in session.execute(query)]

    def history(self, entity_ref: str, *, limit: int = 50) -> list[Scorecard]:
        """The entity's past outcomes, newest first (each is where the outcome changed)."""
        query = (
            select(history)
            .where(history.c.entity_ref == entity_ref)
            .order_by(history.c.id.desc())
            .limit(limit)
        )
        with self.database.session() as session:
            return [_card(row) for row in session.execute(query)]

    def history_count(self, entity_ref: str) -> int:
        """How many history rows the entity has."""
        with self.database.session() as session:
            count = session.execute(
                select(func.count()).select_from(history).where(history.c.entity_ref == entity_ref)
            ).scalar_one()
        return int(count)

    def delete(self, entity_refs: Sequence[str]) -> None:
        """Forget these entities' scorecards and history (they left the catalog)."""
        if not entity_refs:
            return
        with self.database.session() as session:
            session.execute(delete(results).where(results.c.entity_ref.in_(list(entity_refs))))
            session.execute(delete(history).where(history.c.entity_ref.in_(list(entity_refs))))

    def refs_of_location(self, location_id: str) -> list[str]:
        """The entities scored from this catalog location."""
        with self.database.session() as session:
            return list(
                session.execute(
                    select(results.c.entity_ref).where(results.c.location_id == location_id)
                ).scalars()
            )

    def all_refs(self) -> list[str]:
        """Every entity with a stored scorecard."""
        with self.database.session() as session:
            return list(session.execute(select(results.c.entity_ref)).scalars())


def now() -> datetime:
    """The time evaluations are stamped with."""
    return datetime.now(UTC)
