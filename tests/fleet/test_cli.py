"""``goldpath fleet status | adopt | upgrade`` against the embedded platform."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import Settings
from goldpath.runtime import Runtime
from tests.fleet._fleet import DOCKERFILE, TEMPLATE_REF, create, edit, read, register_template


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Path:
    monkeypatch.setenv("GOLDPATH_HOME", str(settings.home))
    monkeypatch.setenv("GOLDPATH_CATALOG__REFRESH_ENABLED", "false")
    monkeypatch.setenv("GOLDPATH_SCAFFOLDER__WORKERS", "0")
    return settings.home


@pytest.fixture
def runtime(settings: Settings, env: Path) -> Iterator[Runtime]:
    root = Runtime(settings)
    root.prepare()
    yield root
    root.stop()


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout + (result.stderr if result.stderr_bytes else "")


def test_upgrade_json_reports_each_component_and_a_rerun_opens_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    folder = tmp_path / "tiny-service"
    register_template(runtime, folder)
    create(runtime, "alpha")
    create(runtime, "charlie")
    edit(runtime, tmp_path, "charlie", "Dockerfile", ("FROM node:22", "FROM node:22-slim"))
    code, out = _cli("fleet", "upgrade", "--json")
    assert code == 0, out
    assert {r["status"] for r in json.loads(out)} == {"up-to-date"}

    (folder / "skeleton" / "Dockerfile").write_text(DOCKERFILE.replace("node:22", "node:24"))
    code, out = _cli("fleet", "upgrade", "--template", TEMPLATE_REF, "--json")
    assert code == 0, out
    first = {r["entityRef"]: r for r in json.loads(out)}
    alpha, charlie = first["component:default/alpha"], first["component:default/charlie"]
    assert set(alpha) >= {"entityRef", "status", "branch", "mergeRequest"}
    assert alpha["status"] == "opened" and charlie["status"] == "conflicts"
    assert alpha["branch"].startswith("goldpath/upgrade-tiny-service-")
    assert isinstance(alpha["mergeRequest"], int) and alpha["new"]

    code, out = _cli("fleet", "upgrade", "--json")
    again = {r["entityRef"]: r for r in json.loads(out)}
    assert code == 0 and not any(r["new"] for r in again.values())
    assert again["component:default/alpha"]["mergeRequest"] == alpha["mergeRequest"]

    code, out = _cli("fleet", "status", "--json")
    assert code == 0, out
    [fleet] = json.loads(out)
    assert fleet["templateRef"] == TEMPLATE_REF and fleet["behind"] == 2
    assert {m["lastUpgrade"]["id"] for m in fleet["members"]} == {
        alpha["mergeRequest"],
        charlie["mergeRequest"],
    }
    code, out = _cli("fleet", "status")
    assert code == 0 and "2 of 2 behind" in out


def test_adopt_records_the_template_for_a_repository_without_answers(
    runtime: Runtime, tmp_path: Path
) -> None:
    register_template(runtime, tmp_path / "tiny-service")
    create(runtime, "echo")
    local = runtime.git_hosts.local
    files = local.read_folder(f"{local.web_url('apps', 'echo')}/-/tree/main")
    work = tmp_path / "no-answers"
    for rel, (content, _mode) in files.items():
        if rel != ".goldpath/answers.yaml":
            (work / rel).parent.mkdir(parents=True, exist_ok=True)
            (work / rel).write_bytes(content)
    local.push(
        work,
        local.get_repo("apps", "echo"),
        branch="main",
        message="older service",
        author_name="Dev",
        author_email="dev@example.com",
    )
    code, out = _cli("fleet", "status", "--json")
    assert code == 0 and json.loads(out) == []

    code, out = _cli("fleet", "adopt", "echo", "--template", "tiny-service")
    assert code == 0, out
    assert "adopted component:default/echo" in out
    assert "ref: template:default/tiny-service" in read(
        runtime, "echo", "main", ".goldpath/answers.yaml"
    )
    code, out = _cli("fleet", "status", "--json")
    [fleet] = json.loads(out)
    assert [m["entityRef"] for m in fleet["members"]] == ["component:default/echo"]
    assert fleet["behind"] == 0


def test_adopt_refuses_answers_the_template_does_not_accept(
    runtime: Runtime, tmp_path: Path
) -> None:
    register_template(runtime, tmp_path / "tiny-service")
    create(runtime, "golf")
    before = read(runtime, "golf", "main", ".goldpath/answers.yaml")
    code, out = _cli("fleet", "adopt", "golf", "--template", "tiny-service", "--set", "bogus")
    assert code != 0 and "--set" in out
    assert read(runtime, "golf", "main", ".goldpath/answers.yaml") == before


def test_upgrading_someone_elses_component_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    register_template(runtime, tmp_path / "tiny-service")
    create(runtime, "foxtrot")
    code, out = _cli("--as", "user:default/guest", "fleet", "upgrade", "--component", "foxtrot")
    assert code == 5 and "fleet.upgrade" in out
    assert runtime.merge_requests.list() == []
