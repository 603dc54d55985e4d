"""gitops:publish: render, validate before anything is published, commit, undo by id."""

from __future__ import annotations

import threading
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from tests.scaffolder.test_publish_actions import ListSink

from goldpath import gitops
from goldpath.providers.git import RepoExistsError, Repository
from goldpath.runtime import Runtime
from goldpath.scaffolder import (
    ActionContext,
    UndoRecord,
    parse_template,
    run_template,
)
from goldpath.scaffolder.actions._publish import gitops_publish
from goldpath.scaffolder.errors import ActionInputError
from goldpath.scratch import process_scratch


def _context(
    runtime: Runtime, tmp_path: Path, *, dry_run: bool = False
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
    return ctx, records, lines


def _publish(
    runtime: Runtime, tmp_path: Path, raw: dict[str, Any], *, dry_run: bool = False
) -> tuple[ActionContext, list[UndoRecord], list[str]]:
    ctx, records, lines = _context(runtime, tmp_path, dry_run=dry_run)
    ctx.action.handler(ctx, ctx.action.parse_input(raw))
    return ctx, records, lines


APP = {"name": "payments", "owner": "group:default/team-a", "port": 8080, "description": "Pays"}


def test_publishes_the_rendered_tree_to_the_gitops_group(runtime: Runtime, tmp_path: Path) -> None:
    ctx, records, _ = _publish(runtime, tmp_path, {**APP, "environments": ["dev", "prod"]})
    group = runtime.settings.platform.gitops_group
    local = runtime.git_hosts.local
    remote = ctx.outputs["remoteUrl"]
    assert remote == f"{runtime.settings.server.public_url}/git/{group}/payments.git"
    committed = sorted(local.list_files(group, "payments", "main"))
    assert committed == sorted(ctx.outputs["files"])
    assert "overlays/prod/kustomization.yaml" in committed
    applications = [
        doc
        for doc in yaml.safe_load_all(
            local.read_file(group, "payments", "main", "argocd/application.yaml")
        )
        if doc and doc.get("kind") == "Application"
    ]
    assert applications
    assert {app["spec"]["source"]["repoURL"] for app in applications} == {remote}
    # The app's repo, then the platform repo this first Create made, then its app entry.
    assert [(r.kind, r.params["repo"]) for r in records] == [
        ("delete-repo", "payments"),
        ("delete-platform-repo-if-empty", "platform"),
        ("remove-platform-app", "platform"),
    ]


def test_committed_files_are_exactly_the_render_of_the_spec(
    runtime: Runtime, tmp_path: Path
) -> None:
    ctx, _, _ = _publish(runtime, tmp_path, APP)
    group = runtime.settings.platform.gitops_group
    spec = gitops.AppSpec(
        name="payments",
        owner="group:default/team-a",
        port=8080,
        description="Pays",
        environments=("dev", "staging", "prod"),
        gitops_repo_url=ctx.outputs["remoteUrl"],
        platform=gitops.PlatformSpec.from_settings(runtime.settings),
    )
    local = runtime.git_hosts.local
    for path, text in gitops.render_app(spec).items():
        assert local.read_file(group, "payments", "main", str(path)).decode() == text


def test_validation_failure_fails_before_anything_is_published(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = gitops.render_app

    def broken(spec: gitops.AppSpec) -> dict[PurePosixPath, str]:
        files = dict(real(spec))
        deployment = yaml.safe_load(files[PurePosixPath("base/deployment.yaml")])
        deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"]["privileged"] = (
            True
        )
        files[PurePosixPath("base/deployment.yaml")] = yaml.safe_dump(deployment)
        return files

    monkeypatch.setattr(gitops, "render_app", broken)
    ctx, records, lines = _context(runtime, tmp_path)
    with pytest.raises(gitops.GitopsValidationError) as caught:
        ctx.action.handler(ctx, ctx.action.parse_input(APP))
    assert caught.value.report.failures
    assert "nothing was published" in caught.value.message
    assert records == []
    assert runtime.git_hosts.local.list_repos() == []
    assert any(line.startswith("Validation failed") for line in lines)


def test_a_tree_only_kustomize_refuses_publishes_nothing_though_its_enrolment_was_prepared(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The platform repo's change is prepared while kubectl kustomize works; when only
    # kustomize finds the fault, neither the app's GitOps repo nor the platform repo's
    # entry may appear.
    _publish(runtime, tmp_path / "first", {**APP, "name": "ledger"})
    group = runtime.settings.platform.gitops_group
    platform = Repository(runtime.git_hosts.local.repo_path(group, gitops.PLATFORM_REPO))
    before = platform.resolve("refs/heads/main")
    repos_before = runtime.git_hosts.local.list_repos()
    real = gitops.render_app

    def unbuildable(spec: gitops.AppSpec) -> dict[PurePosixPath, str]:
        files = dict(real(spec))
        path = PurePosixPath("overlays/dev/kustomization.yaml")
        test_op = '"path": "/spec/template/spec/containers/0/name", "value": "payments"'
        files[path] = files[path].replace(test_op, test_op.replace("payments", "other"))
        assert "other" in files[path]
        return files

    monkeypatch.setattr(gitops, "render_app", unbuildable)
    ctx, records, lines = _context(runtime, tmp_path)
    with pytest.raises(gitops.GitopsValidationError) as caught:
        ctx.action.handler(ctx, ctx.action.parse_input(APP))
    assert {(f.check, f.rule) for f in caught.value.report.failures} == {("kustomize", "build")}
    assert records == []
    assert runtime.git_hosts.local.list_repos() == repos_before
    assert platform.resolve("refs/heads/main") == before
    # the GitOps repository built aside while kustomize worked is gone too
    scratch = process_scratch(runtime.settings.tmp_root)
    assert not [p for p in scratch.iterdir() if p.name.startswith("create-")]


def test_a_missing_validator_fails_the_step_loudly_and_publishes_nothing(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools"))
    ctx, records, lines = _context(runtime, tmp_path)
    with pytest.raises(gitops.GitopsValidationError) as caught:
        ctx.action.handler(ctx, ctx.action.parse_input(APP))
    rules = {(f.check, f.rule) for f in caught.value.report.failures}
    assert rules == {("tools", "missing")}
    assert records == [] and runtime.git_hosts.local.list_repos() == []
    assert any("promtool is not installed" in line for line in lines)
    assert any("kubectl is not installed" in line for line in lines)


def test_bad_app_input_names_the_fields_and_creates_nothing(
    runtime: Runtime, tmp_path: Path
) -> None:
    ctx, records, _ = _context(runtime, tmp_path)
    params = ctx.action.parse_input({"name": "Bad_Name", "owner": "user:default/ada", "port": 80})
    with pytest.raises(ActionInputError) as caught:
        ctx.action.handler(ctx, params)
    fields = {e.field for e in caught.value.errors}
    assert {"input.name", "input.owner", "input.port"} <= fields
    assert runtime.git_hosts.local.list_repos() == []


def test_latest_tag_is_refused_by_policy(runtime: Runtime, tmp_path: Path) -> None:
    ctx, records, _ = _context(runtime, tmp_path)
    with pytest.raises(gitops.GitopsValidationError):
        ctx.action.handler(ctx, ctx.action.parse_input({**APP, "imageTag": "latest"}))
    assert records == [] and runtime.git_hosts.local.list_repos() == []


def test_dry_run_renders_and_validates_but_creates_no_repo(
    runtime: Runtime, tmp_path: Path
) -> None:
    ctx, records, _ = _publish(runtime, tmp_path, APP, dry_run=True)
    assert ctx.outputs["remoteUrl"].endswith("/payments.git")
    assert "base/deployment.yaml" in ctx.outputs["files"]
    assert records == [] and runtime.git_hosts.local.list_repos() == []


def test_existing_gitops_repo_is_a_conflict_and_kept(runtime: Runtime, tmp_path: Path) -> None:
    group = runtime.settings.platform.gitops_group
    theirs = runtime.git_hosts.local.create_repo(group, "payments")
    ctx, records, _ = _context(runtime, tmp_path)
    with pytest.raises(RepoExistsError):
        ctx.action.handler(ctx, ctx.action.parse_input(APP))
    assert records == []
    assert runtime.git_hosts.local.get_repo(group, "payments").id == theirs.id


def _template_of(steps: list[dict[str, Any]], **spec: Any) -> Any:
    return parse_template(
        {
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "gitops-test"},
            "spec": {"parameters": [], "steps": steps, **spec},
        }
    )


def _run(runtime: Runtime, workspace: Path, template: Any, values: dict[str, Any]) -> Any:
    return run_template(template, values, registry=runtime.actions, workspace=workspace,
                        task_id="t", sink=ListSink(), settings=runtime.settings)


def _template(name: str, *, fail_after: bool) -> Any:
    steps: list[dict[str, Any]] = [
        {
            "id": "gitops",
            "action": "gitops:publish",
            "input": {"name": name, "owner": "team-a", "system": "payments-system"},
        }
    ]
    if fail_after:
        steps.append({"id": "boom", "action": "fs:delete", "input": {"files": ["../../etc"]}})
    return _template_of(steps, output={"gitopsRemoteUrl": "${{ steps.gitops.output.remoteUrl }}"})


def test_template_output_carries_the_gitops_remote_url(runtime: Runtime, tmp_path: Path) -> None:
    outcome = _run(runtime, tmp_path / "ws", _template("orders", fail_after=False), {})
    assert outcome.status == "completed", outcome.error
    assert outcome.output["gitopsRemoteUrl"].endswith("/orders.git")


_app_names = st.from_regex(r"[a-z][a-z0-9]{0,12}(-[a-z0-9]{1,8})?", fullmatch=True)


@hyp_settings(max_examples=6, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_app_names)
def test_a_failure_after_gitops_publish_leaves_no_repo(
    runtime: Runtime, tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    outcome = _run(runtime, tmp_path_factory.mktemp("ws"), _template(name, fail_after=True), {})
    assert outcome.status == "failed"
    assert outcome.rollback is not None
    assert outcome.rollback.failed == []
    assert any("delete repository" in undone for undone in outcome.rollback.undone)
    assert runtime.git_hosts.local.list_repos() == []


def test_a_repo_gets_dev_staging_and_prod_unless_told_otherwise(
    runtime: Runtime, tmp_path: Path
) -> None:
    ctx, _, _ = _publish(runtime, tmp_path, APP)
    overlays = {p.split("/")[1] for p in ctx.outputs["files"] if p.startswith("overlays/")}
    assert overlays == {"dev", "staging", "prod"}


def test_no_environments_gives_a_base_only_repo(runtime: Runtime, tmp_path: Path) -> None:
    ctx, _, _ = _publish(runtime, tmp_path, {**APP, "environments": []})
    assert not [p for p in ctx.outputs["files"] if p.startswith("overlays/")]
    assert "base/poddisruptionbudget.yaml" in ctx.outputs["files"]


def _prepared_template() -> Any:
    """A Create's shape: a step first, then gitops:publish from the parameters alone."""
    return _template_of([
        {"id": "hello", "action": "debug:log", "input": {"message": "first"}},
        {"id": "gitops", "action": "gitops:publish",
         "input": {"name": "${{ parameters.name }}", "owner": "team-a",
                   "port": "${{ parameters.port }}"}},
    ])


def _validations_by_thread(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    threads: list[str] = []
    real = gitops.validation_started

    def recorded(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(gitops, "validation_started", recorded)
    return threads


def test_a_create_validates_the_gitops_tree_while_earlier_steps_run(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = _validations_by_thread(monkeypatch)
    outcome = _run(runtime, tmp_path / "ws", _prepared_template(), {"name": "orders", "port": 8080})
    assert outcome.status == "completed", outcome.error
    assert threads == ["prepare-gitops"]  # begun ahead, and not again at the step's turn
    group = runtime.settings.platform.gitops_group
    committed = sorted(runtime.git_hosts.local.list_files(group, "orders", "main"))
    assert committed == sorted(outcome.steps["gitops"]["output"]["files"])
    deployment = yaml.safe_load(
        runtime.git_hosts.local.read_file(group, "orders", "main", "base/deployment.yaml")
    )
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert container["ports"][0]["containerPort"] == 8080  # rendered from the parameters
    assert not [p for p in process_scratch(runtime.settings.tmp_root).iterdir()
                if p.name.startswith("validate-")]


def test_a_prepared_tree_that_fails_validation_publishes_nothing_and_is_cleaned_up(
    runtime: Runtime, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads = _validations_by_thread(monkeypatch)
    real = gitops.render_app

    def privileged(spec: gitops.AppSpec) -> dict[PurePosixPath, str]:
        files = dict(real(spec))
        path = PurePosixPath("base/deployment.yaml")
        deployment = yaml.safe_load(files[path])
        deployment["spec"]["template"]["spec"]["containers"][0]["securityContext"][
            "privileged"] = True
        files[path] = yaml.safe_dump(deployment)
        return files

    monkeypatch.setattr(gitops, "render_app", privileged)
    outcome = _run(runtime, tmp_path / "ws", _prepared_template(), {"name": "orders", "port": 8080})
    assert outcome.status == "failed"
    assert isinstance(outcome.error, gitops.GitopsValidationError)
    assert threads == ["prepare-gitops"]
    assert runtime.git_hosts.local.list_repos() == []
    assert not [p for p in process_scratch(runtime.settings.tmp_root).iterdir()
                if p.name.startswith(("validate-", "create-"))]


def test_a_reserved_name_is_refused_by_the_step_though_it_was_prepared(
    runtime: Runtime, tmp_path: Path
) -> None:
    values = {"name": gitops.PLATFORM_REPO, "port": 8080}
    outcome = _run(runtime, tmp_path / "ws", _prepared_template(), values)
    assert outcome.status == "failed"
    assert isinstance(outcome.error, ActionInputError)
    assert [(e.field, e.rule) for e in outcome.error.errors] == [("input.name", "reserved")]
    assert runtime.git_hosts.local.list_repos() == []


@pytest.mark.parametrize("spelling", ["costCenter", "cost_center"])
def test_the_tree_is_rendered_from_every_input_however_a_template_spells_it(
    runtime: Runtime, tmp_path: Path, spelling: str
) -> None:
    # An input the preparation does not name as ignored is part of what it began with,
    # so a field name used instead of its alias still reaches the tree.
    template = _template_of([
        {"id": "hello", "action": "debug:log", "input": {"message": "first"}},
        {"id": "gitops", "action": "gitops:publish",
         "input": {"name": "${{ parameters.name }}", "owner": "team-a",
                   spelling: "${{ parameters.cc }}"}},
    ])
    outcome = _run(runtime, tmp_path / "ws", template, {"name": "orders", "cc": "cc-4711"})
    assert outcome.status == "completed", outcome.error
    group = runtime.settings.platform.gitops_group
    deployment = yaml.safe_load(
        runtime.git_hosts.local.read_file(group, "orders", "main", "base/deployment.yaml")
    )
    assert deployment["metadata"]["labels"]["goldpath.io/cost-center"] == "cc-4711"
