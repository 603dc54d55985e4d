"""The scorecard store on SQLite and PostgreSQL: latest per entity, history per change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from goldpath.db import Database
from goldpath.scorecards import MAX_HISTORY, CheckResult, Scorecard, ScorecardStore

REF = "component:default/orders"
T0 = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)


def _card(*outcomes: bool, at: datetime = T0, owner: str | None = "group:default/a") -> Scorecard:
    checks = tuple(
        CheckResult(id=f"c{i}", passed=passed, message=f"c{i} {'ok' if passed else 'no'}")
        for i, passed in enumerate(outcomes)
    )
    return Scorecard(entity_ref=REF, checks=checks, evaluated_at=at, owner=owner, commit="ab" * 20)


def test_a_saved_scorecard_reads_back_the_same(any_database: Database) -> None:
    store = ScorecardStore(any_database)
    card = _card(True, False)
    assert store.save(card)
    assert store.get(REF) == card


def test_history_grows_only_when_the_outcome_changes(any_database: Database) -> None:
    store = ScorecardStore(any_database)
    assert store.save(_card(True, True, at=T0))
    assert not store.save(_card(True, True, at=T0 + timedelta(minutes=2)))
    assert store.save(_card(True, False, at=T0 + timedelta(minutes=4)))
    history = store.history(REF)
    assert [card.passed for card in history] == [1, 2]  # newest first
    latest = store.get(REF)
    assert latest is not None and latest.evaluated_at == T0 + timedelta(minutes=4)


def test_a_new_owner_is_a_change_of_history(any_database: Database) -> None:
    store = ScorecardStore(any_database)
    store.save(_card(True))
    assert store.save(_card(True, owner="group:default/b"))
    assert store.history_count(REF) == 2


def test_latest_filters_by_owner(any_database: Database) -> None:
    store = ScorecardStore(any_database)
    store.save(_card(True))
    other = Scorecard(
        entity_ref="component:default/b",
        checks=(CheckResult("c0", False, "no"),),
        evaluated_at=T0,
        owner="group:default/b",
    )
    store.save(other)
    assert [c.entity_ref for c in store.latest()] == ["component:default/b", REF]
    assert [c.entity_ref for c in store.latest(owners={"group:default/b"})] == [
        "component:default/b"
    ]
    assert store.latest(owners=set()) == []


def test_history_keeps_at_most_max_history_rows(database: Database) -> None:
    store = ScorecardStore(database)
    for i in range(MAX_HISTORY + 3):
        store.save(_card(*(bool(i >> bit & 1) for bit in range(10)), at=T0 + timedelta(seconds=i)))
    assert store.history_count(REF) == MAX_HISTORY
    newest = store.history(REF, limit=1)[0]
    assert newest.evaluated_at == T0 + timedelta(seconds=MAX_HISTORY + 2)


def test_delete_forgets_scorecard_and_history(any_database: Database) -> None:
    store = ScorecardStore(any_database)
    store.save(_card(True))
    store.delete([REF])
    assert store.get(REF) is None
    assert store.history_count(REF) == 0
