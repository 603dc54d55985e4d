"""What an evaluation produces: check results, a component's scorecard, a team's roll-up."""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["CheckResult", "Scorecard", "TeamRollup", "outcome_digest", "rollup", "score_of"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One check's outcome for one component: passed or not, and a sentence saying why."""

    id: str
    passed: bool
    message: str
    title: str = ""

    def as_dict(self) -> dict[str, Any]:
        """``{"id", "passed", "message"}``: the API's shape."""
        return {"id": self.id, "passed": self.passed, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CheckResult:
        """The stored form back (``title`` is optional)."""
        return cls(
            id=str(data["id"]),
            passed=bool(data["passed"]),
            message=str(data["message"]),
            title=str(data.get("title") or ""),
        )


def score_of(results: Iterable[CheckResult]) -> float:
    """The share of checks passed, ``passed / total``; 0.0 when there are none."""
    items = list(results)
    if not items:
        return 0.0
    return sum(1 for r in items if r.passed) / len(items)


def outcome_digest(results: Iterable[CheckResult]) -> str:
    """A digest of what the checks said (ids, outcomes, messages): history grows only when
    it changes, so a refresh every two minutes does not add a row every two minutes."""
    data = [[r.id, r.passed, r.message] for r in results]
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Scorecard:
    """A component's scorecard: every applicable check's result at one evaluation."""

    entity_ref: str
    checks: tuple[CheckResult, ...]
    evaluated_at: datetime
    owner: str | None = None
    commit: str | None = None

    @property
    def passed(self) -> int:
        """How many checks passed."""
        return sum(1 for c in self.checks if c.passed)

    @property
    def total(self) -> int:
        """How many checks apply."""
        return len(self.checks)

    @property
    def score(self) -> float:
        """``passed / total`` (0.0 to 1.0)."""
        return score_of(self.checks)

    @property
    def percent(self) -> int:
        """The score as a whole percentage, for people (rounded half up)."""
        return int(self.score * 100 + 0.5)

    @property
    def digest(self) -> str:
        """The digest of its outcome (see ``outcome_digest``)."""
        return outcome_digest(self.checks)

    def result(self, check_id: str) -> CheckResult | None:
        """The result of one check, or None when that check does not apply here."""
        for check in self.checks:
            if check.id == check_id:
                return check
        return None

    def as_dict(self) -> dict[str, Any]:
        """``{"entityRef", "score", "checks": [{"id", "passed", "message"}]}``."""
        return {
            "entityRef": self.entity_ref,
            "score": self.score,
            "checks": [c.as_dict() for c in self.checks],
        }

    def as_detail(self) -> dict[str, Any]:
        """``as_dict`` plus when, at which commit, for which owner, and the counts."""
        return {
            **self.as_dict(),
            "owner": self.owner,
            "passed": self.passed,
            "total": self.total,
            "commit": self.commit,
            "evaluatedAt": self.evaluated_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class TeamRollup:
    """One owner's components: how many, their mean score, and which checks fail most."""

    owner: str
    components: int
    score: float
    passed: int
    total: int
    failing: tuple[tuple[str, int], ...] = field(default=())

    @property
    def percent(self) -> int:
        """The mean score as a whole percentage."""
        return int(self.score * 100 + 0.5)

    def as_dict(self) -> dict[str, Any]:
        """JSON for the API and ``goldpath score --json``."""
        return {
            "owner": self.owner,
            "components": self.components,
            "score": self.score,
            "passed": self.passed,
            "total": self.total,
            "failing": [{"id": check_id, "components": n} for check_id, n in self.failing],
        }


NO_OWNER = "(no owner)"


def rollup(scorecards: Sequence[Scorecard]) -> list[TeamRollup]:
    """Per owner, sorted by owner: each component weighs the same in the team's score."""
    by_owner: dict[str, list[Scorecard]] = {}
    for card in scorecards:
        by_owner.setdefault(card.owner or NO_OWNER, []).append(card)
    teams = []
    for owner in sorted(by_owner):
        cards = by_owner[owner]
        failing = Counter(c.id for card in cards for c in card.checks if not c.passed)
        teams.append(
            TeamRollup(
                owner=owner,
                components=len(cards),
                # fsum: the mean is the same whatever order the components come in
                score=_mean(card.score for card in cards),
                passed=sum(card.passed for card in cards),
                total=sum(card.total for card in cards),
                failing=tuple(sorted(failing.items(), key=lambda item: (-item[1], item[0]))),
            )
        )
    return teams


def _mean(values: Iterable[float]) -> float:
    items = list(values)
    return math.fsum(items) / len(items) if items else 0.0
