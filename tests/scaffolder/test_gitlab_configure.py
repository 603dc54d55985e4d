"""gitlab:project:configure through python-gitlab against a fake of GitLab's documented API."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from tests.providers.git._server import serve
from tests.scaffolder._gitlab_settings_fake import FakeGitLabSettings, fake_gitlab_settings
from tests.scaffolder.conftest import TEST_PROVIDERS
from tests.scaffolder.test_publish_actions import ListSink

from goldpath.config import load_settings
from goldpath.errors import GoldpathError
from goldpath.runtime import Runtime
from goldpath.scaffolder import ActionContext, UndoEnv, UndoRecord, parse_template, run_template
from goldpath.scaffolder.errors import ActionInputError, ResourceExistsError

API_TOKEN = "glpat-IntegrationT0kenValue"
APP_PROJECT = "apps/payments"
GITOPS_PROJECT = "gitops/payments"
INPUT: dict[str, Any] = {
    "repoUrl": "gitlab.example.com?owner=apps&repo=payments",
    "gitopsRepoUrl": "gitlab.example.com?owner=gitops&repo=payments",
    "projectVariables": [
        {"key": "ECR_REPOSITORY", "value": "apps/payments"},
        {
            "key": "APP_API_KEY",
            "value": "c2VjcmV0LXZhbHVl",
            "masked": True,
            "protected": True,
            "description": "The partner API key",
        },
    ],
}


@pytest.fixture
def fake() -> FakeGitLabSettings:
    state = FakeGitLabSettings(token=API_TOKEN)
    state.add_project(APP_PROJECT)
    state.add_project(GITOPS_PROJECT)
    return state


@pytest.fixture
def runtime(fake: FakeGitLabSettings, tmp_path: Path) -> Iterator[Runtime]:
    with serve(lambda _base: fake_gitlab_settings(fake)) as base_url:
        settings = load_settings(
            home=tmp_path / "home",
            catalog={"refresh_enabled": False},
            scaffolder={"workers": 0},
            integrations={
                "gitlab": [
                    {
                        "host": "gitlab.example.com",
                        "token": API_TOKEN,
                        "api_base_url": f"{base_url}/api/v4",
                    }
                ]
            },
        )
        rt = Runtime(settings, action_providers=TEST_PROVIDERS)
        rt.prepare()
        yield rt
        rt.stop()


def _run(
    runtime: Runtime, raw: dict[str, Any], *, task_id: str = "task-1", dry_run: bool = False
) -> tuple[ActionContext, list[UndoRecord], list[str]]:
    records: list[UndoRecord] = []
    lines: list[str] = []
    action = runtime.actions.get("gitlab:project:configure")
    ctx = ActionContext(
        action=action,
        step_id="configure",
        workspace=runtime.settings.workspace_root / task_id,
        task_id=task_id,
        dry_run=dry_run,
        logger=lines.append,
        record_undo=lambda record, _undo: records.append(record),
    )
    action.handler(ctx, action.parse_input(raw))
    return ctx, records, lines


def _undo(runtime: Runtime, records: list[UndoRecord], task_id: str = "task-1") -> list[str]:
    lines: list[str] = []
    for record in reversed(records):
        handler = runtime.actions.get(record.action_id).undo[str(record.kind)]
        handler(UndoEnv(task_id, lines.append), dict(record.params))
    return lines


def _state(fake: FakeGitLabSettings) -> dict[str, Any]:
    return {
        "variables": copy.deepcopy(fake.variables),
        "protected": sorted(
            (path, sorted((name, str(held.get("push_access_levels")),
                           str(held.get("merge_access_levels")))
                          for name, held in branches.items()))
            for path, branches in fake.protected.items()
        ),
        "tokens": {p: [t.name for t in fake.active_tokens(p)] for p in fake.projects},
    }


def _posted(fake: FakeGitLabSettings, suffix: str) -> list[Any]:
    return [
        body for method, path, body in fake.requests if method == "POST" and path.endswith(suffix)
    ]


def test_configure_sets_variables_protects_main_and_gives_a_push_token_for_gitops_only(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    ctx, records, lines = _run(runtime, INPUT)
    held = fake.variables[APP_PROJECT]
    assert held["ECR_REPOSITORY"]["value"] == "apps/payments"
    assert held["ECR_REPOSITORY"]["masked"] is False
    assert held["APP_API_KEY"]["masked"] is True and held["APP_API_KEY"]["protected"] is True
    assert held["APP_API_KEY"]["description"] == "The partner API key (goldpath task task-1)"
    (branch,) = _posted(fake, f"{APP_PROJECT}/protected_branches")
    assert branch == {
        "name": "main",
        "push_access_level": 40,
        "merge_access_level": 30,
        "allow_force_push": False,
    }
    # the GitOps repository: only maintainers merge (the pipeline's token is a maintainer's)
    (gitops_branch,) = _posted(fake, f"{GITOPS_PROJECT}/protected_branches")
    assert gitops_branch == {
        "name": "main",
        "push_access_level": 40,
        "merge_access_level": 40,
        "allow_force_push": False,
    }
    (token_request,) = _posted(fake, "/access_tokens")
    assert token_request["scopes"] == ["write_repository"]
    assert token_request["access_level"] == 40
    (token,) = fake.active_tokens(GITOPS_PROJECT)
    assert fake.tokens[APP_PROJECT] == []
    stored = held["GITOPS_DEPLOY_TOKEN"]
    assert stored["value"] == token.token
    assert stored["masked"] is True and stored["protected"] is True
    assert token.token not in " ".join(lines) + str(ctx.outputs) + str(records)
    assert ctx.outputs["variables"] == ["ECR_REPOSITORY", "APP_API_KEY", "GITOPS_DEPLOY_TOKEN"]
    assert ctx.outputs["settingsUrl"].endswith("/apps/payments/-/settings/ci_cd")
    assert ctx.outputs["protectedBranch"] == "main"
    assert "c2VjcmV0LXZhbHVl" not in " ".join(lines)
    kinds = [r.kind for r in records]
    assert kinds == [
        "unprotect-branch",
        "restore-branch-protection",
        "delete-variable",
        "delete-variable",
        "revoke-token",
        "delete-variable",
    ]


def test_a_value_gitlab_cannot_mask_is_refused_before_any_call(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    bad = {**INPUT, "projectVariables": [{"key": "SHORT", "value": "a b", "masked": True}]}
    with pytest.raises(ActionInputError) as caught:
        _run(runtime, bad)
    assert [e.field for e in caught.value.errors] == ["input.projectVariables.0.value"]
    assert fake.requests == []


def test_a_variable_set_before_with_another_value_is_refused_and_kept(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    fake.variables[APP_PROJECT]["ECR_REPOSITORY"] = {"key": "ECR_REPOSITORY", "value": "legacy"}
    before = _state(fake)
    with pytest.raises(ResourceExistsError) as caught:
        _run(runtime, INPUT)
    assert "ECR_REPOSITORY" in caught.value.message
    assert "legacy" not in caught.value.message
    assert _state(fake) == before


def test_a_variable_set_before_to_the_same_value_is_left_and_survives_rollback(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    fake.variables[APP_PROJECT]["ECR_REPOSITORY"] = {
        "key": "ECR_REPOSITORY",
        "value": "apps/payments",
    }
    fake.protected[APP_PROJECT]["main"] = {"name": "main"}
    before = _state(fake)
    _, records, lines = _run(runtime, INPUT)
    assert any("ECR_REPOSITORY is already set to the same value" in line for line in lines)
    assert any("already protected; left as it is" in line for line in lines)
    _undo(runtime, records)
    assert _state(fake) == before


def test_rerun_in_the_same_task_updates_what_it_set_and_replaces_its_token(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    _run(runtime, INPUT)
    changed = {**INPUT, "projectVariables": [{"key": "ECR_REPOSITORY", "value": "apps/pay2"}]}
    _, records, lines = _run(runtime, changed)
    held = fake.variables[APP_PROJECT]
    assert held["ECR_REPOSITORY"]["value"] == "apps/pay2"
    assert len(fake.active_tokens(GITOPS_PROJECT)) == 1
    assert held["GITOPS_DEPLOY_TOKEN"]["value"] == fake.active_tokens(GITOPS_PROJECT)[0].token
    assert any("Revoked the token this task made earlier" in line for line in lines)
    assert len(_posted(fake, f"{APP_PROJECT}/protected_branches")) == 1
    assert len(_posted(fake, f"{GITOPS_PROJECT}/protected_branches")) == 1
    assert any("already lets only maintainers merge" in line for line in lines)
    assert records  # the re-run records its undo again


def test_rollback_removes_exactly_what_the_task_made(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    fake.variables[APP_PROJECT]["OTHER"] = {"key": "OTHER", "value": "someone else's"}
    before = _state(fake)
    _, records, _ = _run(runtime, INPUT)
    assert _state(fake) != before
    _undo(runtime, records)
    assert _state(fake) == before


def test_an_undo_leaves_a_variable_someone_else_replaced(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    _, records, _ = _run(runtime, {**INPUT, "gitopsRepoUrl": None})
    fake.variables[APP_PROJECT]["ECR_REPOSITORY"] = {"key": "ECR_REPOSITORY", "value": "theirs"}
    lines = _undo(runtime, records)
    assert fake.variables[APP_PROJECT]["ECR_REPOSITORY"]["value"] == "theirs"
    assert "CI/CD variable ECR_REPOSITORY of apps/payments left untouched" in " ".join(lines)


def test_dry_run_sends_nothing(runtime: Runtime, fake: FakeGitLabSettings) -> None:
    ctx, records, lines = _run(runtime, INPUT, dry_run=True)
    assert fake.requests == []
    assert records == []
    assert lines[0].startswith("Dry run: would set ECR_REPOSITORY, APP_API_KEY")


def test_the_local_git_host_skips_with_one_clear_line(tmp_path: Path) -> None:
    rt = Runtime(
        load_settings(home=tmp_path / "home", scaffolder={"workers": 0}),
        action_providers=TEST_PROVIDERS,
    )
    rt.prepare()
    try:
        ctx, records, lines = _run(rt, INPUT)
    finally:
        rt.stop()
    assert records == []
    assert len(lines) == 1 and lines[0].startswith(
        "Skipped: apps/payments is on the local git host"
    )
    assert ctx.outputs["skipped"] is True


@pytest.mark.parametrize(
    "failing",
    [
        "POST /api/v4/projects/apps/payments/protected_branches",
        "POST /api/v4/projects/apps/payments/variables",
        "POST /api/v4/projects/gitops/payments/access_tokens",
        "later step",
    ],
)
def test_a_failure_at_any_point_leaves_gitlab_as_it_was(
    runtime: Runtime, fake: FakeGitLabSettings, tmp_path: Path, failing: str
) -> None:
    if failing != "later step":
        fake.fail_on.add(failing)
    fake.variables[APP_PROJECT]["OTHER"] = {"key": "OTHER", "value": "kept"}
    before = _state(fake)
    steps: list[dict[str, Any]] = [
        {"id": "configure", "action": "gitlab:project:configure", "input": INPUT},
        {"id": "boom", "action": "test:fail", "input": {}},
    ]
    template = parse_template(
        {
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "configure-test"},
            "spec": {"parameters": [], "steps": steps},
        }
    )
    outcome = run_template(
        template,
        {},
        registry=runtime.actions,
        workspace=tmp_path / "ws",
        task_id="task-9",
        sink=ListSink(),
        settings=runtime.settings,
    )
    assert outcome.status == "failed"
    expected = "500" if failing != "later step" else "injected failure"
    assert expected in str(outcome.error)
    assert outcome.rollback is not None and outcome.rollback.failed == []
    fake.fail_on.clear()
    assert _state(fake) == before


def _protect_gitops_main(fake: FakeGitLabSettings, merge: int) -> None:
    """The GitOps project's main protected as it was before the Create: maintainers push,
    ``merge`` (an access level) merges."""
    fake.protected[GITOPS_PROJECT]["main"] = {
        "name": "main", "push_access_levels": [{"access_level": 40}],
        "merge_access_levels": [{"access_level": merge}]}


def test_a_gitops_main_that_lets_developers_merge_is_tightened_and_restored_on_rollback(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    # GitLab protects a new project's default branch so that developers may merge
    _protect_gitops_main(fake, 30)
    before = _state(fake)
    _, records, lines = _run(runtime, INPUT)
    held = fake.protected[GITOPS_PROJECT]["main"]
    assert held["merge_access_levels"] == [{"access_level": 40}]
    assert held["push_access_levels"] == [{"access_level": 40}]
    assert any("only maintainers push and merge" in line for line in lines)
    undone = _undo(runtime, records)
    assert "Restored the protection main of gitops/payments had" in undone
    assert _state(fake) == before


def test_a_step_stopped_before_it_changed_the_gitops_protection_leaves_it_alone(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    _protect_gitops_main(fake, 30)
    before = _state(fake)
    fake.fail_on.add(f"DELETE /api/v4/projects/{GITOPS_PROJECT}/protected_branches")
    records: list[UndoRecord] = []
    action = runtime.actions.get("gitlab:project:configure")
    ctx = ActionContext(action=action, step_id="configure",
                        workspace=runtime.settings.workspace_root / "t", task_id="task-1",
                        record_undo=lambda record, _undo: records.append(record))
    with pytest.raises(GoldpathError):
        action.handler(ctx, action.parse_input(INPUT))
    fake.fail_on.clear()
    undone = _undo(runtime, records)
    assert "The protection of main of gitops/payments needs no restoring" in undone
    assert _state(fake) == before


@pytest.mark.parametrize("merge", [0, 40, 60])
def test_a_gitops_main_no_developer_can_merge_is_left_as_it_is(
    runtime: Runtime, fake: FakeGitLabSettings, merge: int
) -> None:
    _protect_gitops_main(fake, merge)
    _, records, lines = _run(runtime, INPUT)
    assert fake.protected[GITOPS_PROJECT]["main"]["merge_access_levels"] == [
        {"access_level": merge}]
    assert _posted(fake, f"{GITOPS_PROJECT}/protected_branches") == []
    assert "restore-branch-protection" not in [r.kind for r in records]
    assert any("already lets only maintainers merge" in line for line in lines)


def test_a_variable_without_a_value_is_left_out_and_said_so(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    raw = {
        **INPUT,
        "gitopsRepoUrl": None,
        "projectVariables": [{"key": "ECR_REPOSITORY", "value": ""}],
    }
    ctx, _, lines = _run(runtime, raw)
    assert "ECR_REPOSITORY" not in fake.variables[APP_PROJECT]
    assert "ECR_REPOSITORY has no value (an earlier step was skipped); not set" in lines
    assert ctx.outputs["variables"] == []


_CALLS = [
    "",
    "POST /api/v4/projects/apps/payments/protected_branches",
    "POST /api/v4/projects/apps/payments/variables",
    "PUT /api/v4/projects/apps/payments/variables",
    "POST /api/v4/projects/gitops/payments/access_tokens",
    "POST /api/v4/projects/gitops/payments/protected_branches",
]


@hyp_settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    existing=st.dictionaries(
        st.sampled_from(["ECR_REPOSITORY", "APP_API_KEY", "OTHER"]),
        st.sampled_from(["apps/payments", "c2VjcmV0LXZhbHVl", "theirs"]),
        max_size=3,
    ),
    protected=st.booleans(),
    gitops_merge=st.sampled_from([None, 30, 40]),
    failing=st.sampled_from(_CALLS),
)
def test_whatever_existed_and_wherever_it_fails_rollback_leaves_gitlab_as_it_was(
    runtime: Runtime,
    fake: FakeGitLabSettings,
    tmp_path_factory: pytest.TempPathFactory,
    existing: dict[str, str],
    protected: bool,
    gitops_merge: int | None,
    failing: str,
) -> None:
    for path in fake.projects:
        fake.variables[path].clear()
        fake.protected[path].clear()
        fake.tokens[path].clear()
    fake.fail_on.clear()
    fake.fail_once.clear()
    for key, value in existing.items():
        fake.variables[APP_PROJECT][key] = {"key": key, "value": value}
    if protected:
        fake.protected[APP_PROJECT]["main"] = {"name": "main"}
    if gitops_merge is not None:  # GitLab's default protection lets developers merge (30)
        _protect_gitops_main(fake, gitops_merge)
    if failing:
        # once: a transient failure, which the rollback's own calls do not meet again
        fake.fail_once.add(failing)
    before = _state(fake)
    template = parse_template(
        {
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "configure-property"},
            "spec": {
                "parameters": [],
                "steps": [
                    {"id": "configure", "action": "gitlab:project:configure", "input": INPUT},
                    {"id": "boom", "action": "test:fail", "input": {}},
                ],
            },
        }
    )
    outcome = run_template(
        template,
        {},
        registry=runtime.actions,
        workspace=tmp_path_factory.mktemp("ws"),
        task_id="prop-task",
        sink=ListSink(),
        settings=runtime.settings,
    )
    fake.fail_on.clear()
    assert outcome.status == "failed"
    assert outcome.rollback is not None and outcome.rollback.failed == []
    assert _state(fake) == before


def test_the_token_variable_cannot_also_come_from_the_template(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    raw = {**INPUT, "projectVariables": [{"key": "GITOPS_DEPLOY_TOKEN", "value": "x" * 12}]}
    with pytest.raises(ActionInputError) as caught:
        _run(runtime, raw)
    assert [(e.field, e.rule) for e in caught.value.errors] == [
        ("input.projectVariables.0.key", "reserved")
    ]
    assert fake.requests == []
