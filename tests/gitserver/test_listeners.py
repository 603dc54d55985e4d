"""The push-listener seam: every listener hears every accepted push; one failing stops none."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from goldpath.gitserver import ZERO_SHA, Push, PushListeners, RefUpdate


def _push() -> Push:
    return Push(
        owner="apps",
        repo="svc",
        user_ref="user:default/ada",
        updates=(RefUpdate("refs/heads/main", ZERO_SHA, "a" * 40),),
        default_branch="main",
        pushed_at=datetime.now(UTC),
    )


def test_every_listener_hears_the_push_in_order() -> None:
    heard: list[tuple[str, Push]] = []
    listeners = PushListeners()
    listeners.add(lambda p: heard.append(("first", p)), name="first")
    listeners.add(lambda p: heard.append(("second", p)), name="second")
    push = _push()
    listeners.notify(push)
    assert heard == [("first", push), ("second", push)]
    assert listeners.names == ("first", "second")


def test_a_failing_listener_is_logged_and_the_next_still_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    heard: list[Push] = []

    def broken(push: Push) -> None:
        raise RuntimeError("boom")

    listeners = PushListeners()
    listeners.add(broken, name="broken")
    listeners.add(heard.append, name="after")
    listeners.notify(_push())
    assert len(heard) == 1
    assert "push listener broken failed for apps/svc" in caplog.text


def test_ref_update_names_creates_deletes_and_branches() -> None:
    created = RefUpdate("refs/heads/feature/x", ZERO_SHA, "b" * 40)
    deleted = RefUpdate("refs/tags/v1", "c" * 40, ZERO_SHA)
    assert created.is_create and not created.is_delete and created.branch == "feature/x"
    assert deleted.is_delete and deleted.branch is None
