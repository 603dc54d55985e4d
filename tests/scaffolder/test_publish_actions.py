"""publish:gitlab and publish:github: local host in development, remote hosts by integration,
undo that deletes only what the task created."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from tests.providers.git._fakes import FakeHostState, fake_gitlab
from tests.providers.git._server import serve

from goldpath.config import Settings, load_settings
from goldpath.providers.git import (
    GitPathNotFoundError,
    NoGitIntegrationError,
    RepoExistsError,
    clean_git_env,
)
from goldpath.runtime import Runtime
from goldpath.scaffolder import (
    ActionContext,
    RunOutcome,
    UndoEnv,
    UndoRecord,
    parse_template,
    run_template,
)
from goldpath.web import create_app

TOKEN = "glpat-IntegrationT0ken"
ENTITY = {
    "apiVersion": "backstage.io/v1alpha1",
    "kind": "Component",
    "metadata": {"name": "${{ parameters.name }}"},
    "spec": {"type": "service", "lifecycle": "experimental", "owner": "group:default/team"},
}


class ListSink:
    """Keeps what the runner reports."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.undo: list[UndoRecord] = []

    def log(self, message: str, *, step_id: str | None = None) -> None:
        self.lines.append(message)

    def step(self, step_id: str, status: str) -> None:
        pass

    def undo_recorded(self, record: UndoRecord) -> None:
        self.undo.append(record)

    def cancelled(self) -> bool:
        return False


def _steps(
    action: str = "publish:github",
    repo_url: str = "github.com?owner=acme&repo=${{ parameters.name }}",
    *,
    register: bool = True,
    fail_after: bool = False,
    extra_input: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [
        {"id": "write", "action": "catalog:write", "input": {"entity": ENTITY}},
        {
            "id": "publish",
            "action": action,
            "input": {"repoUrl": repo_url, "defaultBranch": "main", **(extra_input or {})},
        },
    ]
    if register:
        steps.append(
            {
                "id": "register",
                "action": "catalog:register",
                "input": {
                    "repoContentsUrl": "${{ steps.publish.output.repoContentsUrl }}",
                    "catalogInfoPath": "/catalog-info.yaml",
                },
            }
        )
    if fail_after:
        steps.append(
            {
                "id": "boom",
                "action": "fs:rename",
                "input": {"files": [{"from": "does-not-exist", "to": "x"}]},
            }
        )
    return steps


def _run(
    runtime: Runtime,
    workspace: Path,
    steps: list[dict[str, Any]],
    name: str = "payments",
    *,
    dry_run: bool = False,
    secrets: dict[str, str] | None = None,
) -> tuple[RunOutcome, ListSink]:
    template = parse_template(
        {
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "publish-test"},
            "spec": {
                "parameters": [],
                "steps": steps,
                "output": {
                    "remoteUrl": "${{ steps.publish.output.remoteUrl }}",
                    "commitHash": "${{ steps.publish.output.commitHash }}",
                },
            },
        }
    )
    sink = ListSink()
    outcome = run_template(
        template,
        {"name": name},
        registry=runtime.actions,
        workspace=workspace,
        task_id="task-" + workspace.name,
        sink=sink,
        settings=runtime.settings,
        secrets=secrets,
        dry_run=dry_run,
    )
    return outcome, sink


def _catalog_refs(runtime: Runtime) -> list[str]:
    result = runtime.catalog.query(limit=1000)
    return [
        f"{e['kind']}:{e['metadata'].get('namespace', 'default')}/{e['metadata']['name']}".lower()
        for e in result.items
    ]


def test_publish_github_without_integration_uses_local_host_and_says_so(
    runtime: Runtime, tmp_path: Path
) -> None:
    outcome, sink = _run(runtime, tmp_path / "ws", _steps(register=False))
    assert outcome.status == "completed", outcome.error
    public = runtime.settings.server.public_url
    assert outcome.output["remoteUrl"] == f"{public}/git/acme/payments.git"
    assert any("local git host" in line and "github.com" in line for line in sink.lines)
    local = runtime.git_hosts.local
    assert local.read_file("acme", "payments", "main", "catalog-info.yaml").startswith(
        b"apiVersion"
    )
    assert len(outcome.output["commitHash"]) == 40


def test_published_repo_contents_url_registers_in_the_catalog(
    runtime: Runtime, tmp_path: Path
) -> None:
    outcome, _ = _run(
        runtime,
        tmp_path / "ws",
        _steps("publish:gitlab", "gitlab.example.com?owner=team&repo=${{ parameters.name }}"),
    )
    assert outcome.status == "completed", outcome.error
    assert outcome.steps["register"]["output"]["entityRef"] == "component:default/payments"
    assert "component:default/payments" in _catalog_refs(runtime)


def test_failure_after_publish_and_register_leaves_nothing_and_name_is_reusable(
    runtime: Runtime, tmp_path: Path
) -> None:
    failed, sink = _run(runtime, tmp_path / "ws1", _steps(fail_after=True))
    assert failed.status == "failed"
    assert failed.rollback is not None and not failed.rollback.failed
    assert not runtime.git_hosts.local.repo_exists("acme", "payments")
    assert "component:default/payments" not in _catalog_refs(runtime)
    again, _ = _run(runtime, tmp_path / "ws2", _steps())
    assert again.status == "completed", again.error


def test_publish_to_existing_repo_fails_and_never_deletes_it(
    runtime: Runtime, tmp_path: Path, source: Path
) -> None:
    local = runtime.git_hosts.local
    theirs = local.create_repo("acme", "payments")
    local.push(source, theirs, branch="main", message="theirs", author_name="T", author_email="t@x")
    outcome, sink = _run(runtime, tmp_path / "ws", _steps(register=False))
    assert outcome.status == "failed"
    assert isinstance(outcome.error, RepoExistsError)
    assert [u for u in sink.undo if u.action_id == "publish:github"] == []
    assert local.get_repo("acme", "payments").id == theirs.id
    assert local.read_file("acme", "payments", "main", "README.md") == b"theirs\n"


@pytest.fixture
def source(tmp_path: Path) -> Path:
    folder = tmp_path / "their-source"
    folder.mkdir()
    (folder / "README.md").write_text("theirs\n")
    return folder


def test_ten_parallel_runs_for_one_repo_exactly_one_completes(
    runtime: Runtime, tmp_path: Path
) -> None:
    def attempt(index: int) -> RunOutcome:
        return _run(runtime, tmp_path / f"ws{index}", _steps(register=False))[0]

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, range(10)))
    completed = [o for o in outcomes if o.status == "completed"]
    assert len(completed) == 1
    assert all(isinstance(o.error, RepoExistsError) for o in outcomes if o.status == "failed")
    local = runtime.git_hosts.local
    files = local.list_files("acme", "payments", "main")
    assert files == ["catalog-info.yaml"]
    assert local.list_repos() == [("acme", "payments")]


def test_production_without_integration_fails_naming_the_host(
    goldpath_home: Path, tmp_path: Path
) -> None:
    settings = load_settings(
        home=goldpath_home,
        env="production",
        database_url=f"sqlite:///{tmp_path / 'prod.db'}",
        allow_sqlite_in_production=True,
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 0},
    )
    runtime = Runtime(settings)
    runtime.prepare()
    try:
        outcome, _ = _run(runtime, tmp_path / "ws", _steps(register=False))
    finally:
        runtime.stop()
    assert outcome.status == "failed"
    assert isinstance(outcome.error, NoGitIntegrationError)
    assert "github.com" in str(outcome.error)
    assert runtime.git_hosts.local.list_repos() == []


def test_dry_run_creates_nothing_and_gives_urls(runtime: Runtime, tmp_path: Path) -> None:
    outcome, _ = _run(runtime, tmp_path / "ws", _steps(register=False), dry_run=True)
    assert outcome.status == "completed", outcome.error
    assert outcome.output["remoteUrl"].endswith("/git/acme/payments.git")
    assert runtime.git_hosts.local.list_repos() == []


def test_source_path_publishes_only_that_folder(runtime: Runtime, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "app").mkdir(parents=True)
    (workspace / "app" / "index.js").write_text("x\n")
    (workspace / "outside.txt").write_text("y\n")
    steps = _steps(register=False, extra_input={"sourcePath": "app"})[1:]
    outcome, _ = _run(runtime, workspace, steps)
    assert outcome.status == "completed", outcome.error
    assert runtime.git_hosts.local.list_files("acme", "payments", "main") == ["index.js"]


def test_source_path_escaping_the_workspace_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    steps = _steps(register=False, extra_input={"sourcePath": "../.."})
    outcome, _ = _run(runtime, tmp_path / "ws", steps)
    assert outcome.status == "failed"
    assert "sourcePath" in str(outcome.error) or any(
        "sourcePath" in str(e) for e in getattr(outcome.error, "errors", [])
    )
    assert runtime.git_hosts.local.list_repos() == []


def test_backstage_only_inputs_are_accepted_and_logged(runtime: Runtime, tmp_path: Path) -> None:
    steps = _steps(
        register=False,
        extra_input={"protectDefaultBranch": False, "topics": ["a"], "repoVisibility": "public"},
    )
    outcome, sink = _run(runtime, tmp_path / "ws", steps)
    assert outcome.status == "completed", outcome.error
    assert any("protectDefaultBranch" in line and "not applied" in line for line in sink.lines)


def test_backstage_public_template_publish_inputs_run(runtime: Runtime, tmp_path: Path) -> None:
    """The publish step of backstage/software-templates' react-ssr-template, unchanged."""
    steps = _steps(
        register=False,
        extra_input={"allowedHosts": ["github.com"], "description": "This is payments"},
    )
    outcome, _ = _run(runtime, tmp_path / "ws", steps)
    assert outcome.status == "completed", outcome.error
    assert runtime.git_hosts.local.get_repo("acme", "payments")


def test_repo_url_outside_allowed_hosts_is_refused(runtime: Runtime, tmp_path: Path) -> None:
    steps = _steps(register=False, extra_input={"allowedHosts": ["gitlab.acme.io"]})
    outcome, _ = _run(runtime, tmp_path / "ws", steps)
    assert outcome.status == "failed"
    errors = outcome.error.errors  # type: ignore[union-attr]
    assert [(e.field, e.rule) for e in errors] == [("input.repoUrl", "allowedHosts")]
    assert runtime.git_hosts.local.list_repos() == []


def test_unknown_input_is_ignored_aloud(runtime: Runtime, tmp_path: Path) -> None:
    outcome, sink = _run(runtime, tmp_path / "ws", _steps(register=False, extra_input={"nope": 1}))
    assert outcome.status == "completed", outcome.error
    assert any("nope" in line and "publish:github" in line for line in sink.lines)


def test_invalid_repo_url_names_the_field(runtime: Runtime, tmp_path: Path) -> None:
    outcome, _ = _run(
        runtime, tmp_path / "ws", _steps(repo_url="github.com?owner=..&repo=x", register=False)
    )
    assert outcome.status == "failed"
    assert all(e.field == "input.repoUrl" for e in outcome.error.errors)  # type: ignore[union-attr]


def test_persisted_undo_deletes_the_repo_from_another_process(
    runtime: Runtime, tmp_path: Path
) -> None:
    outcome, sink = _run(runtime, tmp_path / "ws", _steps(register=False))
    assert outcome.status == "completed"
    record = next(u for u in sink.undo if u.action_id == "publish:github")
    assert record.persistable
    # A fresh composition root (another worker) runs the undo from the stored record alone.
    other = Runtime(runtime.settings)
    handler = other.actions.get(record.action_id).undo[record.kind or ""]
    handler(UndoEnv("task", lambda _line: None), dict(record.params))
    assert not runtime.git_hosts.local.repo_exists("acme", "payments")


def test_undo_spares_a_namesake_created_after_ours(runtime: Runtime, tmp_path: Path) -> None:
    outcome, sink = _run(runtime, tmp_path / "ws", _steps(register=False))
    record = next(u for u in sink.undo if u.action_id == "publish:github")
    local = runtime.git_hosts.local
    local.delete_repo("acme", "payments")
    namesake = local.create_repo("acme", "payments")
    lines: list[str] = []
    handler = runtime.actions.get(record.action_id).undo[record.kind or ""]
    handler(UndoEnv("task", lines.append), dict(record.params))
    assert local.get_repo("acme", "payments").id == namesake.id
    assert any("needs no deleting" in line for line in lines)


_names = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)


@hyp_settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_names)
def test_any_failed_run_leaves_no_repo(
    runtime: Runtime, tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    workspace = tmp_path_factory.mktemp("ws")
    outcome, _ = _run(runtime, workspace, _steps(register=False, fail_after=True), name=name)
    assert outcome.status == "failed"
    assert runtime.git_hosts.local.list_repos() == []


@hyp_settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_names)
def test_any_existing_repo_is_refused_and_kept(
    runtime: Runtime, tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    local = runtime.git_hosts.local
    if not local.repo_exists("acme", name):
        local.create_repo("acme", name)
    before = local.get_repo("acme", name).id
    outcome, _ = _run(runtime, tmp_path_factory.mktemp("ws"), _steps(register=False), name=name)
    assert outcome.status == "failed"
    assert isinstance(outcome.error, RepoExistsError)
    assert local.get_repo("acme", name).id == before


# -- against a remote (fake) GitLab ---------------------------------------------------------


@pytest.fixture
def gitlab(tmp_path: Path) -> Iterator[tuple[str, FakeHostState]]:
    state = FakeHostState(root=tmp_path / "gitlab-repos", token=TOKEN)
    state.namespaces["team"] = 5
    with serve(lambda _base: fake_gitlab(state)) as base_url:
        yield base_url, state


def _gitlab_runtime(goldpath_home: Path, base_url: str, token: str = TOKEN) -> Runtime:
    settings = load_settings(
        home=goldpath_home,
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 0},
        integrations={
            "gitlab": [
                {"host": "gitlab.acme.io", "token": token, "api_base_url": f"{base_url}/api/v4"}
            ]
        },
    )
    runtime = Runtime(settings)
    runtime.prepare()
    return runtime


def test_publish_gitlab_with_integration_creates_a_project(
    goldpath_home: Path, tmp_path: Path, gitlab: tuple[str, FakeHostState]
) -> None:
    base_url, state = gitlab
    runtime = _gitlab_runtime(goldpath_home, base_url)
    outcome, sink = _run(
        runtime,
        tmp_path / "ws",
        _steps("publish:gitlab", "gitlab.acme.io?owner=team&repo=svc", register=False),
    )
    runtime.stop()
    assert outcome.status == "completed", outcome.error
    assert outcome.output["remoteUrl"] == f"{base_url}/team/svc.git"
    assert outcome.steps["publish"]["output"]["projectId"] == str(state.projects["team/svc"].id)
    assert not any("local git host" in line for line in sink.lines)
    assert runtime.git_hosts.local.list_repos() == []


def test_gitlab_repo_contents_url_registers_through_the_api(
    goldpath_home: Path, tmp_path: Path, gitlab: tuple[str, FakeHostState]
) -> None:
    base_url, state = gitlab
    runtime = _gitlab_runtime(goldpath_home, base_url)
    outcome, _ = _run(
        runtime, tmp_path / "ws", _steps("publish:gitlab", "gitlab.acme.io?owner=team&repo=svc")
    )
    refs = _catalog_refs(runtime)
    runtime.stop()
    assert outcome.status == "completed", outcome.error
    assert outcome.steps["register"]["output"]["catalogInfoUrl"].startswith(base_url)
    assert "component:default/payments" in refs
    assert any("/repository/files/" in path for _, path in state.requests)


def test_failed_gitlab_run_deletes_the_project_it_created(
    goldpath_home: Path, tmp_path: Path, gitlab: tuple[str, FakeHostState]
) -> None:
    base_url, state = gitlab
    runtime = _gitlab_runtime(goldpath_home, base_url)
    outcome, _ = _run(
        runtime,
        tmp_path / "ws",
        _steps(
            "publish:gitlab", "gitlab.acme.io?owner=team&repo=svc", register=False, fail_after=True
        ),
    )
    runtime.stop()
    assert outcome.status == "failed"
    assert outcome.rollback is not None and not outcome.rollback.failed
    assert state.projects == {}
    assert ("DELETE", "/api/v4/projects/1001") in state.requests


def test_skip_existing_uses_the_project_and_records_no_undo(
    goldpath_home: Path, tmp_path: Path, gitlab: tuple[str, FakeHostState]
) -> None:
    base_url, state = gitlab
    runtime = _gitlab_runtime(goldpath_home, base_url)
    steps = _steps("publish:gitlab", "gitlab.acme.io?owner=team&repo=svc", register=False)
    _run(runtime, tmp_path / "ws1", steps)
    steps_skip = _steps(
        "publish:gitlab",
        "gitlab.acme.io?owner=team&repo=svc",
        register=False,
        extra_input={"skipExisting": True},
        fail_after=True,
    )
    outcome, sink = _run(runtime, tmp_path / "ws2", steps_skip)
    runtime.stop()
    assert outcome.steps["publish"]["output"]["created"] is False
    assert [u for u in sink.undo if u.action_id == "publish:gitlab"] == []
    assert "team/svc" in state.projects


def test_user_token_from_secrets_is_used_and_never_logged(
    goldpath_home: Path, tmp_path: Path, gitlab: tuple[str, FakeHostState]
) -> None:
    base_url, state = gitlab
    runtime = _gitlab_runtime(goldpath_home, base_url, token="stale-integration-token")
    steps = _steps(
        "publish:gitlab",
        "gitlab.acme.io?owner=team&repo=svc",
        register=False,
        extra_input={"token": "${{ secrets.USER_OAUTH_TOKEN }}"},
    )
    outcome, sink = _run(runtime, tmp_path / "ws", steps, secrets={"USER_OAUTH_TOKEN": TOKEN})
    runtime.stop()
    assert outcome.status == "completed", outcome.error
    assert "team/svc" in state.projects
    assert not any(TOKEN in line for line in sink.lines)


# -- end to end over HTTP -------------------------------------------------------------------


def test_published_repo_clones_from_the_running_portal(goldpath_home: Path, tmp_path: Path) -> None:
    holder: dict[str, Runtime] = {}

    def make(base_url: str) -> FastAPI:
        settings: Settings = load_settings(
            home=goldpath_home,
            server={"base_url": base_url},
            catalog={"refresh_enabled": False},
            scaffolder={"workers": 0},
        )
        holder["runtime"] = Runtime(settings)
        return create_app(settings, runtime=holder["runtime"])

    with serve(make):
        outcome, _ = _run(holder["runtime"], tmp_path / "ws", _steps())
        assert outcome.status == "completed", outcome.error
        clone = subprocess.run(
            ["git", "clone", "--quiet", outcome.output["remoteUrl"], str(tmp_path / "clone")],
            env=clean_git_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert clone.returncode == 0, clone.stderr
    assert "name: payments" in (tmp_path / "clone" / "catalog-info.yaml").read_text()


def test_actions_are_registered_like_plugins(runtime: Runtime) -> None:
    registry = runtime.actions
    for action_id in ("publish:gitlab", "publish:github", "gitops:publish"):
        action = registry.get(action_id)
        assert action.supports_dry_run
        assert "delete-repo" in action.undo
    schema = registry.get("publish:github").schema()
    assert {"remoteUrl", "repoContentsUrl", "commitHash"} <= set(
        schema["schema"]["output"]["properties"]
    )
    assert "repoUrl" in schema["schema"]["input"]["required"]


def test_handler_records_undo_before_pushing(runtime: Runtime, tmp_path: Path) -> None:
    """If the push fails, the created repo is already on the undo stack."""
    from goldpath.scaffolder.actions._publish import publish_github

    action = publish_github(runtime.git_hosts)
    recorded: list[UndoRecord] = []
    ctx = ActionContext(
        action=action,
        step_id="publish",
        workspace=tmp_path / "missing-workspace",
        task_id="t",
        record_undo=lambda record, _undo: recorded.append(record),
    )
    params = action.parse_input({"repoUrl": "github.com?owner=acme&repo=svc"})
    with pytest.raises(GitPathNotFoundError):
        action.handler(ctx, params)
    assert [r.params["repo"] for r in recorded] == ["svc"]
