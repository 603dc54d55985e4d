"""A push to a component's repository through goldpath's git server scores it again, with
no catalog refresh: grace pushes a Dockerfile without ``USER`` and its check turns red."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx

from goldpath.gitserver import ZERO_SHA, Push, RefUpdate
from goldpath.scorecards import Scorecard
from tests.gitserver.test_push_end_to_end import (  # the live portal where grace made push-demo
    GRACE,
    NAME,
    Portal,
    _clone,
    _git,
    _wait_for,
    portal,
)

__all__ = ["portal"]  # the module's fixture, shared with the git server's own tests

REF = f"component:default/{NAME}"


def _non_root(card: Scorecard | None) -> bool | None:
    result = card.result("dockerfile-non-root") if card is not None else None
    return result.passed if result is not None else None


def test_a_push_to_the_default_branch_scores_the_component_again(
    portal: Portal, tmp_path: Path
) -> None:
    scorecards = portal.server.runtime.scorecards
    _wait_for("the Create's scorecard", lambda: _non_root(scorecards.find(REF)) is True)
    work = _clone(portal, f"apps/{NAME}", GRACE, tmp_path / "app")
    dockerfile = work / "Dockerfile"
    lines = dockerfile.read_text(encoding="utf-8").splitlines(keepends=True)
    dockerfile.write_text("".join(x for x in lines if not x.startswith("USER ")), encoding="utf-8")
    _git("commit", "-qam", "no USER", cwd=work)
    _git("push", "-q", "origin", "main", cwd=work)

    def red() -> bool:
        answer = httpx.get(
            portal.server.url("/api/goldpath/v1/scorecards"),
            params={"owner": "payments-team"},
            headers={"Authorization": f"Bearer {portal.tokens[GRACE]}"},
        ).json()
        checks = {c["id"]: c for card in answer if card["entityRef"] == REF for c in card["checks"]}
        return checks.get("dockerfile-non-root", {}).get("passed") is False

    _wait_for("the push to turn dockerfile-non-root red", red)


def test_a_push_to_another_branch_scores_nothing(portal: Portal) -> None:
    scorecards = portal.server.runtime.scorecards
    _wait_for("the Create's scorecard", lambda: scorecards.find(REF) is not None)
    evaluated = scorecards.find(REF)
    assert evaluated is not None
    push = Push(
        owner="apps",
        repo=NAME,
        user_ref=GRACE,
        updates=(RefUpdate(ref="refs/heads/feature", old=ZERO_SHA, new="a" * 40),),
        default_branch="main",
        pushed_at=datetime.now(UTC),
    )
    scorecards.background = False  # score in line, so there is nothing to wait for
    try:
        scorecards.on_push(push)
        after = scorecards.find(REF)
        assert after is not None and after.evaluated_at == evaluated.evaluated_at
        main = (RefUpdate(ref="refs/heads/main", old="b" * 40, new="c" * 40),)
        scorecards.on_push(replace(push, updates=main))
        again = scorecards.find(REF)
        assert again is not None and again.evaluated_at > evaluated.evaluated_at
    finally:
        scorecards.background = True
