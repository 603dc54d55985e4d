"""gitops:publish enrols the app in the platform GitOps repo (app-of-apps), with undo."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from tests.scaffolder.test_publish_actions import ListSink

from goldpath import gitops
from goldpath.providers.git import Repository
from goldpath.runtime import Runtime
from goldpath.scaffolder import (
    ActionContext,
    UndoEnv,
    UndoRecord,
    parse_template,
    run_template,
)
from goldpath.scaffolder.actions._publish import gitops_publish
from goldpath.scaffolder.errors import ActionInputError

APP = {"name": "payments", "owner": "group:default/team-a", "port": 8080}


def _run(runtime: Runtime, tmp_path: Path, raw: dict[str, Any], *, dry_run: bool = False
         ) -> tuple[ActionContext, list[UndoRecord], list[str]]:
    records: list[UndoRecord] = []
    lines: list[str] = []
    ctx = ActionContext(
        action=gitops_publish(runtime.git_hosts, runtime.settings),
        step_id="gitops",
        workspace=tmp_path / "ws",
        task_id="t",
        dry_run=dry_run,
        logger=lines.append,
        record_undo=lambda record, _undo: records.append(record),
    )
    ctx.action.handler(ctx, ctx.action.parse_input(raw))
    return ctx, records, lines


def _platform_tree(runtime: Runtime, tmp_path: Path) -> dict[PurePosixPath, str]:
    group = runtime.settings.platform.gitops_group
    bare = runtime.git_hosts.local.repo_path(group, gitops.PLATFORM_REPO)
    clone = tmp_path / "platform-clone"
    Repository.clone(str(bare), clone)
    return gitops.read_tree(clone)


def _template(steps: list[dict[str, Any]]) -> Any:
    return parse_template({
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": "platform-test"},
        "spec": {"parameters": [], "steps": steps},
    })


def _publish_step(name: str) -> dict[str, Any]:
    return {"id": f"gitops-{name}", "action": "gitops:publish",
            "input": {"name": name, "owner": "team-a"}}


_BOOM = {"id": "boom", "action": "fs:delete", "input": {"files": ["../../etc"]}}


def _undo(runtime: Runtime, records: list[UndoRecord]) -> None:
    action = gitops_publish(runtime.git_hosts, runtime.settings)
    lines: list[str] = []
    for record in reversed(records):
        assert record.kind is not None
        action.undo[record.kind](UndoEnv(task_id="t", log=lines.append), dict(record.params))


def test_after_a_create_the_platform_repo_lists_the_app(runtime: Runtime, tmp_path: Path) -> None:
    ctx, _, lines = _run(runtime, tmp_path, {**APP, "environments": ["dev", "prod"]})
    tree = _platform_tree(runtime, tmp_path)
    app_repo = runtime.git_hosts.local
    group = runtime.settings.platform.gitops_group
    rendered = list(yaml.safe_load_all(
        app_repo.read_file(group, "payments", "main", "argocd/application.yaml")))
    listed = list(yaml.safe_load_all(tree[PurePosixPath("apps/payments/application.yaml")]))
    assert listed == rendered
    assert [a["metadata"]["name"] for a in listed] == ["payments-dev", "payments-prod"]
    assert ctx.outputs["platformRepoUrl"].endswith(f"/{group}/platform.git")
    assert any("apps/payments/" in line for line in lines)


def test_the_apps_application_syncs_every_committed_app(runtime: Runtime, tmp_path: Path) -> None:
    ctx, _, _ = _run(runtime, tmp_path, APP)
    tree = _platform_tree(runtime, tmp_path)
    roots = {a["metadata"]["name"]: a for a in yaml.safe_load_all(
        tree[PurePosixPath("bootstrap/applications.yaml")])}
    apps = roots["apps"]["spec"]["source"]
    assert apps["repoURL"] == ctx.outputs["platformRepoUrl"]
    assert apps["path"] == "apps"
    assert apps["directory"]["recurse"] is True
    # Every file under apps/ is one the recursive sync applies.
    assert all(str(p).endswith(".yaml") for p in tree if p.parts[0] == "apps")


def test_platform_repo_after_a_create_passes_every_validator(
    runtime: Runtime, tmp_path: Path
) -> None:
    _run(runtime, tmp_path, APP)
    report = gitops.validate_tree(_platform_tree(runtime, tmp_path), tmp_root=tmp_path)
    assert report.ok, [str(f) for f in report.failures]
    assert "promtool check rules" in report.checked
    assert "kubectl kustomize" in report.checked


def test_a_second_create_adds_to_the_existing_platform_repo(
    runtime: Runtime, tmp_path: Path
) -> None:
    _run(runtime, tmp_path / "a", APP)
    _, records, _ = _run(runtime, tmp_path / "b", {**APP, "name": "ledger"})
    assert [r.kind for r in records] == ["delete-repo", "remove-platform-app"]
    assert gitops.platform_apps(
        runtime.git_hosts.local.repo_path(runtime.settings.platform.gitops_group, "platform")
    ) == ["ledger", "payments"]


def test_rollback_removes_only_this_apps_entry(runtime: Runtime, tmp_path: Path) -> None:
    _run(runtime, tmp_path / "a", APP)
    _, records, _ = _run(runtime, tmp_path / "b", {**APP, "name": "ledger"})
    _undo(runtime, records)
    group = runtime.settings.platform.gitops_group
    local = runtime.git_hosts.local
    assert gitops.platform_apps(local.repo_path(group, "platform")) == ["payments"]
    assert local.repo_exists(group, "payments")
    assert not local.repo_exists(group, "ledger")


def test_rollback_of_the_first_create_deletes_the_platform_repo_it_made(
    runtime: Runtime, tmp_path: Path
) -> None:
    outcome = run_template(
        _template([_publish_step("payments"), _BOOM]), {}, registry=runtime.actions,
        workspace=tmp_path / "ws", task_id="t", sink=ListSink(), settings=runtime.settings,
    )
    assert outcome.status == "failed"
    assert outcome.rollback is not None and outcome.rollback.failed == []
    assert runtime.git_hosts.local.list_repos() == []


def test_rollback_keeps_a_platform_repo_other_apps_use(runtime: Runtime, tmp_path: Path) -> None:
    first = run_template(
        _template([_publish_step("payments")]), {}, registry=runtime.actions,
        workspace=tmp_path / "ws1", task_id="t1", sink=ListSink(), settings=runtime.settings,
    )
    assert first.status == "completed", first.error
    failed = run_template(
        _template([_publish_step("ledger"), _BOOM]), {}, registry=runtime.actions,
        workspace=tmp_path / "ws2", task_id="t2", sink=ListSink(), settings=runtime.settings,
    )
    assert failed.status == "failed"
    group = runtime.settings.platform.gitops_group
    assert gitops.platform_apps(
        runtime.git_hosts.local.repo_path(group, "platform")) == ["payments"]


def test_an_entry_that_was_there_before_survives_rollback(
    runtime: Runtime, tmp_path: Path
) -> None:
    _run(runtime, tmp_path / "a", APP)
    group = runtime.settings.platform.gitops_group
    local = runtime.git_hosts.local
    local.delete_repo(group, "payments")  # the app repo gone, its platform entry kept
    _, records, lines = _run(runtime, tmp_path / "b", APP)
    assert [r.kind for r in records] == ["delete-repo"]
    assert any("already in" in line for line in lines)
    _undo(runtime, records)
    assert gitops.platform_apps(local.repo_path(group, "platform")) == ["payments"]


def test_an_app_may_not_take_the_platform_repos_name(runtime: Runtime, tmp_path: Path) -> None:
    with pytest.raises(ActionInputError) as caught:
        _run(runtime, tmp_path, {**APP, "name": "platform"})
    assert [e.field for e in caught.value.errors] == ["input.name"]
    assert runtime.git_hosts.local.list_repos() == []


def test_dry_run_touches_no_platform_repo(runtime: Runtime, tmp_path: Path) -> None:
    ctx, records, lines = _run(runtime, tmp_path, APP, dry_run=True)
    assert records == []
    assert runtime.git_hosts.local.list_repos() == []
    assert any("would add apps/payments/" in line for line in lines)
    assert ctx.outputs["platformRepoUrl"].endswith("/platform.git")


def test_render_all_skips_the_platform_repo(runtime: Runtime, tmp_path: Path) -> None:
    _run(runtime, tmp_path, APP)
    settings = runtime.settings
    repos = gitops.list_local_repos(settings.git_root, settings.platform.gitops_group)
    assert [p.name for p in repos] == ["payments.git"]


def test_a_platform_repo_created_meanwhile_by_another_task_is_used(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(runtime, tmp_path / "a", APP)
    local = runtime.git_hosts.local
    real = local.repo_exists
    # The other task's repo appears between this task's look and its create.
    monkeypatch.setattr(local, "repo_exists",
                        lambda owner, repo: False if repo == "platform" else real(owner, repo))
    _, records, lines = _run(runtime, tmp_path / "b", {**APP, "name": "ledger"})
    assert [r.kind for r in records] == ["delete-repo", "remove-platform-app"]
    assert any("just created by another task" in line for line in lines)
    group = runtime.settings.platform.gitops_group
    assert gitops.platform_apps(local.repo_path(group, "platform")) == ["ledger", "payments"]
