"""Invariants of scoring: the score is passed/total, order never changes a score or a
team's roll-up, history grows only on change, and USER decides the non-root check."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from goldpath.scorecards import CheckResult, Scorecard, dockerfile_user, outcome_digest, rollup

check_ids = st.text(alphabet="abcdefghij-", min_size=1, max_size=12)
results = st.lists(
    st.builds(CheckResult, id=check_ids, passed=st.booleans(), message=st.text(max_size=20)),
    min_size=1,
    max_size=30,
    unique_by=lambda r: r.id,
)
AT = datetime(2026, 12, 5, tzinfo=UTC)


def _card(ref: str, checks: list[CheckResult], owner: str | None) -> Scorecard:
    return Scorecard(entity_ref=ref, checks=tuple(checks), evaluated_at=AT, owner=owner)


@given(results)
def test_score_is_passed_over_total(checks: list[CheckResult]) -> None:
    card = _card("component:default/a", checks, None)
    assert card.total == len(checks)
    assert card.passed == sum(1 for c in checks if c.passed)
    assert card.score == card.passed / card.total
    assert 0.0 <= card.score <= 1.0
    assert card.as_dict()["score"] == card.score


@given(results, st.randoms(use_true_random=False))
def test_the_order_of_checks_never_changes_a_score(
    checks: list[CheckResult], rng: random.Random
) -> None:
    shuffled = list(checks)
    rng.shuffle(shuffled)
    assert _card("c:d/a", shuffled, None).score == _card("c:d/a", checks, None).score


@given(results, st.randoms(use_true_random=False))
def test_the_digest_changes_exactly_when_an_outcome_or_message_does(
    checks: list[CheckResult], rng: random.Random
) -> None:
    assert outcome_digest(checks) == outcome_digest(list(checks))
    index = rng.randrange(len(checks))
    flipped = list(checks)
    flipped[index] = CheckResult(
        id=checks[index].id, passed=not checks[index].passed, message=checks[index].message
    )
    assert outcome_digest(flipped) != outcome_digest(checks)


teams = st.lists(
    st.tuples(st.sampled_from(["group:default/a", "group:default/b", None]), results),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60)
@given(teams, st.randoms(use_true_random=False))
def test_the_order_of_components_never_changes_a_teams_rollup(
    members: list[tuple[str | None, list[CheckResult]]], rng: random.Random
) -> None:
    cards = [
        _card(f"component:default/c{i}", checks, owner) for i, (owner, checks) in enumerate(members)
    ]
    shuffled = list(cards)
    rng.shuffle(shuffled)
    assert rollup(shuffled) == rollup(cards)
    for team in rollup(cards):
        own = [c for c in cards if (c.owner or "(no owner)") == team.owner]
        assert team.components == len(own)
        assert team.passed == sum(c.passed for c in own)
        assert team.total == sum(c.total for c in own)
        assert min(c.score for c in own) - 1e-12 <= team.score <= max(c.score for c in own) + 1e-12


instructions = st.lists(
    st.sampled_from(
        [
            "RUN apk add curl",
            "COPY . /app",
            "USER 1000:1000",
            "USER root",
            "WORKDIR /app",
            "ENV A=1",
            "FROM node:26 AS build",
            "FROM build",
        ]
    ),
    max_size=12,
)


@given(instructions, st.sampled_from(["app", "1000", "node:node", "65532:65532"]))
def test_a_last_non_root_user_line_always_passes(lines: list[str], user: str) -> None:
    text = "\n".join(["FROM alpine:3.23", *lines, f"USER {user}", 'CMD ["app"]'])
    assert dockerfile_user(text)[0]


@given(instructions)
def test_a_final_stage_without_user_from_an_image_always_fails(lines: list[str]) -> None:
    text = "\n".join(["FROM alpine:3.23 AS base", *lines, "FROM debian:13", "COPY . /app"])
    assert not dockerfile_user(text)[0]


@given(instructions, st.sampled_from(["root", "0", "0:0", "root:root"]))
def test_a_last_root_user_line_always_fails(lines: list[str], user: str) -> None:
    text = "\n".join(["FROM alpine:3.23", *lines, "USER 1000", f"USER {user}"])
    assert not dockerfile_user(text)[0]
