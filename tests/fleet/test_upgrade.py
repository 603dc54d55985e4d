"""Upgrades as merge requests: the issue's done-when, on the embedded local git host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from goldpath.config import Settings
from goldpath.fleet import Answers, TemplateVersion
from goldpath.mergerequests import MergeRequestStatus
from goldpath.runtime import Runtime
from tests.fleet._fleet import DOCKERFILE, TEMPLATE_REF, create, edit, read, register_template

NEW_DOCKERFILE = DOCKERFILE.replace("FROM node:22", "FROM node:24").replace(
    "USER node\n", "USER node\nHEALTHCHECK CMD node -e 1\n"
)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    root = Runtime(settings)
    root.prepare()
    yield root
    root.stop()


@pytest.fixture
def fleet(runtime: Runtime, tmp_path: Path) -> Path:
    """Three services from tiny-service: alpha untouched, bravo with a local edit in a file
    the template will not change, charlie with an edit on a line the template will change.
    Then the template moves on. Returns the template's folder."""
    folder = tmp_path / "tiny-service"
    register_template(runtime, folder)
    for name in ("alpha", "bravo", "charlie"):
        create(runtime, name)
    edit(runtime, tmp_path, "bravo", "README.md", ("npm start", "npm start -- --port 8080"))
    edit(runtime, tmp_path, "charlie", "Dockerfile", ("FROM node:22", "FROM node:22-slim"))
    (folder / "skeleton" / "Dockerfile").write_text(NEW_DOCKERFILE)
    return folder


def test_upgrade_opens_merge_requests_that_keep_local_edits_and_mark_conflicts(
    runtime: Runtime, fleet: Path
) -> None:
    results = {r.entity_ref: r for r in runtime.fleet.upgrade(author="user:default/ada")}
    alpha, bravo, charlie = (
        results[f"component:default/{n}"] for n in ("alpha", "bravo", "charlie")
    )
    assert (alpha.status, bravo.status, charlie.status) == ("opened", "opened", "conflicts")
    assert alpha.branch is not None and alpha.branch.startswith("goldpath/upgrade-tiny-service-")

    # alpha had no local edits: its branch is a fresh render of the new template
    assert read(runtime, "alpha", alpha.branch, "Dockerfile") == NEW_DOCKERFILE
    # bravo: the template's change and the untouched local edit, side by side
    assert bravo.branch is not None
    assert read(runtime, "bravo", bravo.branch, "Dockerfile") == NEW_DOCKERFILE
    assert "npm start -- --port 8080" in read(runtime, "bravo", bravo.branch, "README.md")
    # charlie: the edited line conflicts; the file carries markers, the request is a draft
    assert charlie.branch is not None and charlie.conflicts == ("Dockerfile",)
    dockerfile = read(runtime, "charlie", charlie.branch, "Dockerfile")
    assert "<<<<<<< repository" in dockerfile and "FROM node:22-slim" in dockerfile
    assert "FROM node:24" in dockerfile and "HEALTHCHECK" in dockerfile

    mrs = {mr.entity_ref: mr for mr in runtime.merge_requests.list()}
    assert len(mrs) == 3
    assert not mrs["component:default/alpha"].draft
    assert mrs["component:default/charlie"].draft
    assert mrs["component:default/charlie"].conflicts == ("Dockerfile",)
    # every branch records the new template version
    new_version = runtime.fleet.current_version(runtime.templates.get(TEMPLATE_REF))
    answers = Answers.parse(read(runtime, "alpha", alpha.branch, ".goldpath/answers.yaml"))
    assert answers.version == new_version
    # main is untouched until someone merges
    assert read(runtime, "alpha", "main", "Dockerfile") == DOCKERFILE


def test_a_second_upgrade_opens_nothing_new(runtime: Runtime, fleet: Path) -> None:
    first = runtime.fleet.upgrade()
    second = runtime.fleet.upgrade()
    assert not any(result.new for result in second)
    assert [(r.entity_ref, r.status, r.merge_request) for r in second] == [
        (r.entity_ref, r.status, r.merge_request) for r in first
    ]
    assert len(runtime.merge_requests.list()) == 3


def test_after_the_merge_the_component_is_up_to_date(runtime: Runtime, fleet: Path) -> None:
    [alpha] = runtime.fleet.upgrade(component_ref="alpha")
    assert alpha.merge_request is not None
    runtime.merge_requests.merge(alpha.merge_request, user="user:default/ada")
    assert read(runtime, "alpha", "main", "Dockerfile") == NEW_DOCKERFILE
    [again] = runtime.fleet.upgrade(component_ref="alpha")
    assert again.status == "up-to-date" and not again.new
    status = {f.template_ref: f for f in runtime.fleet.status()}[TEMPLATE_REF]
    members = {m.entity_ref: m for m in status.members}
    assert not members["component:default/alpha"].behind
    assert members["component:default/bravo"].behind and status.behind == 2
    last = members["component:default/alpha"].last_upgrade
    assert last is not None and last.status is MergeRequestStatus.MERGED


def test_the_answers_never_hold_the_secret(runtime: Runtime, tmp_path: Path) -> None:
    register_template(runtime, tmp_path / "tiny-service")
    task_id = runtime.task_creator.create(
        TEMPLATE_REF,
        {"name": "delta", "owner": "group:default/team-a", "apiToken": "tok-SECRET-123"},
        secrets={"apiToken": "tok-SECRET-123"},
    )
    while runtime.task_executor.run_next("fleet-tests") is not None:
        pass
    assert runtime.task_store.get(task_id).status == "completed"
    text = read(runtime, "delta", "main", ".goldpath/answers.yaml")
    assert "SECRET" not in text and "apiToken" not in text
    assert isinstance(Answers.parse(text).version, TemplateVersion)


def test_the_fleet_reads_its_answers_files_at_once_and_keeps_the_catalogs_order(
    runtime: Runtime, fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each read waits until all three are under way: listed one after the other, the
    # first would wait for the others forever (here: the barrier's 10 s, then an error).
    import threading

    from goldpath.fleet import FleetService

    in_order = [m.entity_ref for m in runtime.fleet.members()]
    barrier = threading.Barrier(len(in_order), timeout=10)
    real = FleetService.read_answers

    def read_together(self: FleetService, location: Any) -> Answers:
        barrier.wait()
        return real(self, location)

    monkeypatch.setattr(FleetService, "read_answers", read_together)
    assert [m.entity_ref for m in runtime.fleet.members(fresh=True)] == in_order == [
        "component:default/alpha", "component:default/bravo", "component:default/charlie"]


def test_the_fleets_status_asks_for_the_last_upgrades_once(
    runtime: Runtime, fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime.fleet.upgrade(template_ref=TEMPLATE_REF)
    calls: list[dict[str, Any]] = []
    real = runtime.merge_requests.list

    def counted(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(runtime.merge_requests, "list", counted)
    status = {f.template_ref: f for f in runtime.fleet.status()}[TEMPLATE_REF]
    assert len(calls) == 1
    upgraded = {m.entity_ref: m.last_upgrade for m in status.members}
    assert set(upgraded) == {f"component:default/{n}" for n in ("alpha", "bravo", "charlie")}
    assert all(mr is not None and mr.entity_ref == ref for ref, mr in upgraded.items())


def _counting_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from goldpath.fleet import FleetService

    reads: list[str] = []
    real = FleetService.read_answers

    def counted(self: FleetService, location: Any) -> Answers:
        reads.append(location.name)
        return real(self, location)

    monkeypatch.setattr(FleetService, "read_answers", counted)
    return reads


def test_listing_the_fleet_again_reads_only_the_answers_whose_branch_moved(
    runtime: Runtime, fleet: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = {m.entity_ref: m.answers for m in runtime.fleet.members()}
    reads = _counting_reads(monkeypatch)
    assert {m.entity_ref: m.answers for m in runtime.fleet.members()} == first
    assert reads == []  # nothing moved: nothing read

    text = read(runtime, "bravo", "main", ".goldpath/answers.yaml")
    edit(runtime, tmp_path, "bravo", ".goldpath/answers.yaml", ("team-a", "team-b"))
    again = {m.entity_ref: m.answers for m in runtime.fleet.members()}
    assert reads == ["bravo"]
    assert again["component:default/bravo"].values["owner"] == "group:default/team-b"
    assert again["component:default/alpha"] == first["component:default/alpha"]
    assert "team-a" in text

    # an answers file made unreadable at a commit is not read again until the next one
    edit(runtime, tmp_path, "charlie", ".goldpath/answers.yaml", ("TemplateAnswers", "Other"))
    reads.clear()
    members = [m.entity_ref for m in runtime.fleet.members()]
    members_again = [m.entity_ref for m in runtime.fleet.members()]
    assert reads == ["charlie"]
    assert "component:default/charlie" not in members == members_again


def test_an_upgrade_reads_every_answers_file_afresh(
    runtime: Runtime, fleet: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime.fleet.members()
    reads = _counting_reads(monkeypatch)
    runtime.fleet.upgrade(template_ref=TEMPLATE_REF)
    assert sorted(reads) == ["alpha", "bravo", "charlie"]
