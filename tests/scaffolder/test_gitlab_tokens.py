"""Rotating the pipelines' GitOps tokens against the fake of GitLab's documented API."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from tests.scaffolder._gitlab_settings_fake import FakeGitLabSettings
from tests.scaffolder.test_gitlab_configure import (  # the fake GitLab and its runtime
    API_TOKEN,
    APP_PROJECT,
    GITOPS_PROJECT,
    INPUT,
    _run,
    _state,
    fake,
    runtime,
)
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import load_settings
from goldpath.providers import GitLabProjects
from goldpath.providers.git import NoGitIntegrationError
from goldpath.runtime import Runtime
from goldpath.scaffolder.actions._gitlab_tokens import (
    GITOPS_TOKEN_VARIABLE,
    TokenTarget,
    gitlab_integration,
    pipeline_token_projects,
    pipeline_token_targets,
    rotate_pipeline_tokens,
)

PAIRS = [(APP_PROJECT, GITOPS_PROJECT)]
__all__ = ["fake", "runtime"]  # fixtures, used by name


def _api(runtime: Runtime) -> GitLabProjects:
    return GitLabProjects(gitlab_integration(runtime.settings, "gitlab.example.com"))


def _configured(runtime: Runtime, fake: FakeGitLabSettings, *, days: int) -> str:
    """Configure the app's project as a Create does; the token's value."""
    _run(runtime, {**INPUT, "gitopsTokenDays": days})
    (token,) = fake.active_tokens(GITOPS_PROJECT)
    return token.token


def test_a_token_near_its_end_is_replaced_before_the_old_one_is_revoked(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    old_value = _configured(runtime, fake, days=20)
    (old,) = fake.active_tokens(GITOPS_PROJECT)
    before = dict(fake.variables[APP_PROJECT][GITOPS_TOKEN_VARIABLE])
    (rotation,) = rotate_pipeline_tokens(_api(runtime), PAIRS, within_days=30)
    assert rotation.status == "rotated"
    assert rotation.expires_at == old.expires_at
    assert rotation.new_expires_at == (date.today() + timedelta(days=365)).isoformat()
    (new,) = fake.active_tokens(GITOPS_PROJECT)
    assert new.id != old.id and old.revoked
    assert (new.name, new.scopes, new.access_level) == (old.name, old.scopes, old.access_level)
    held = fake.variables[APP_PROJECT][GITOPS_TOKEN_VARIABLE]
    assert held["value"] == new.token != old_value
    assert held["masked"] and held["protected"]
    assert held["description"] == before["description"]  # still names the Create's task
    # the variable was pointed at the new token before the old one went
    order = [(method, path) for method, path, _ in fake.requests
             if method in ("PUT", "DELETE")]
    assert order == [("PUT", f"/api/v4/projects/{APP_PROJECT}/variables/GITOPS_DEPLOY_TOKEN"),
                     ("DELETE", f"/api/v4/projects/{GITOPS_PROJECT}/access_tokens/{old.id}")]
    shown = json.dumps(rotation.as_dict())
    assert old_value not in shown and new.token not in shown


def test_a_token_far_from_its_end_is_left_alone(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    _configured(runtime, fake, days=200)
    before = _state(fake)
    (rotation,) = rotate_pipeline_tokens(_api(runtime), PAIRS, within_days=30)
    assert rotation.status == "current"
    assert rotation.detail.startswith("expires ")
    assert _state(fake) == before


def test_the_window_is_measured_from_today(runtime: Runtime, fake: FakeGitLabSettings) -> None:
    _configured(runtime, fake, days=200)
    later = date.today() + timedelta(days=180)
    (rotation,) = rotate_pipeline_tokens(_api(runtime), PAIRS, within_days=30, days=30,
                                         today=later, dry_run=True)
    assert rotation.status == "would-rotate"
    assert rotation.new_expires_at == (later + timedelta(days=30)).isoformat()


def test_a_dry_run_changes_nothing(runtime: Runtime, fake: FakeGitLabSettings) -> None:
    _configured(runtime, fake, days=10)
    before = _state(fake)
    (rotation,) = rotate_pipeline_tokens(_api(runtime), PAIRS, within_days=30, dry_run=True)
    assert rotation.status == "would-rotate"
    assert _state(fake) == before


def test_an_app_without_a_pipeline_token_is_reported_missing(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    (rotation,) = rotate_pipeline_tokens(_api(runtime), PAIRS)
    assert rotation.status == "missing"
    assert "cannot deploy" in rotation.detail


def test_a_failed_variable_update_revokes_the_new_token_and_keeps_the_old_one(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    old_value = _configured(runtime, fake, days=5)
    (old,) = fake.active_tokens(GITOPS_PROJECT)
    before = _state(fake)
    fake.fail_on.add(f"PUT /api/v4/projects/{APP_PROJECT}/variables")
    (rotation,) = rotate_pipeline_tokens(_api(runtime), PAIRS, within_days=30)
    fake.fail_on.clear()
    assert rotation.status == "failed"
    assert "the new token was revoked and the old one still works" in rotation.detail
    assert [t.id for t in fake.active_tokens(GITOPS_PROJECT)] == [old.id]
    assert _state(fake) == before
    assert fake.variables[APP_PROJECT][GITOPS_TOKEN_VARIABLE]["value"] == old_value
    made = [t for t in fake.tokens[GITOPS_PROJECT] if t.id != old.id]
    assert len(made) == 1 and made[0].revoked
    assert made[0].token not in rotation.detail and old_value not in rotation.detail


def test_one_apps_failure_does_not_stop_the_others(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    _configured(runtime, fake, days=5)
    rotations = rotate_pipeline_tokens(
        _api(runtime), [("apps/unknown", "gitops/unknown"), *PAIRS], within_days=30)
    assert [r.status for r in rotations] == ["failed", "rotated"]
    assert "gitops/unknown" in rotations[0].detail


def test_the_apps_are_the_components_of_the_app_group(runtime: Runtime) -> None:
    def component(slug: str | None) -> dict[str, object]:
        annotations = {} if slug is None else {"gitlab.com/project-slug": slug}
        return {"kind": "Component", "metadata": {"name": "x", "annotations": annotations}}

    entities = [component("apps/payments"), component("apps/orders"), component("apps/orders"),
                component("team-x/tool"), component(None), component("apps/")]
    assert pipeline_token_projects(entities, runtime.settings) == [
        ("apps/orders", "gitops/orders"), ("apps/payments", "gitops/payments")]


def test_an_app_the_catalog_no_longer_lists_is_found_in_the_gitops_group(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    # payments' component left the catalog, its pipeline still deploys with its token
    _configured(runtime, fake, days=5)
    fake.add_project("gitops/platform")  # the platform repo: no app of its own
    fake.add_project("gitops/orders")  # made by hand: no pipeline token, not in the catalog
    fake.add_project("apps/checkout")
    fake.add_project("gitops/checkout")
    fake.add_project("gitops/team-x/nested")  # a subgroup's project is not the group's
    registered = [{"kind": "Component", "metadata": {
        "name": "checkout", "annotations": {"gitlab.com/project-slug": "apps/checkout"}}}]
    targets = pipeline_token_targets(_api(runtime), registered, runtime.settings)
    assert targets == [
        TokenTarget("apps/checkout", "gitops/checkout", registered=True),
        TokenTarget("apps/orders", "gitops/orders", registered=False),
        TokenTarget(APP_PROJECT, GITOPS_PROJECT, registered=False),
    ]
    rotations = rotate_pipeline_tokens(_api(runtime), targets, within_days=30)
    # checkout (in the catalog, no token) is reported; orders (neither) has no entry
    assert [(r.project, r.status) for r in rotations] == [
        ("apps/checkout", "missing"), (APP_PROJECT, "rotated")]
    (new,) = fake.active_tokens(GITOPS_PROJECT)
    assert fake.variables[APP_PROJECT][GITOPS_TOKEN_VARIABLE]["value"] == new.token


def test_the_gitops_group_is_read_page_after_page(
    runtime: Runtime, fake: FakeGitLabSettings
) -> None:
    names = [f"svc-{i:03d}" for i in range(130)]
    for name in names:
        fake.add_project(f"gitops/{name}")
    listed = _api(runtime).group_projects("gitops")
    assert listed == sorted([GITOPS_PROJECT, *(f"gitops/{n}" for n in names)])
    pages = [path for method, path, _ in fake.requests if path.endswith("/projects")]
    assert len(pages) == 2  # 100 a page


def test_a_host_without_a_gitlab_integration_is_named(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path / "home")
    with pytest.raises(NoGitIntegrationError) as caught:
        gitlab_integration(settings, "gitlab.example.com")
    assert "gitlab.example.com" in caught.value.message


@pytest.mark.parametrize(("within", "days"), [(-1, 30), (30, 0), (30, 366)])
def test_out_of_range_windows_are_refused(
    runtime: Runtime, within: int, days: int
) -> None:
    with pytest.raises(ValueError):
        rotate_pipeline_tokens(_api(runtime), PAIRS, within_days=within, days=days)


def test_the_cli_rotates_every_app_of_the_catalog_and_fails_for_a_missing_token(
    runtime: Runtime, fake: FakeGitLabSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_value = _configured(runtime, fake, days=5)
    fake.add_project("apps/orders")
    fake.add_project("gitops/orders")  # made by hand: its pipeline has no token
    gitlab = runtime.settings.integrations.gitlab[0]
    config = tmp_path / "goldpath.yaml"
    config.write_text(yaml.safe_dump({"integrations": {"gitlab": [{
        "host": gitlab.host, "token": API_TOKEN, "api_base_url": gitlab.api_base_url}]}}))
    home = tmp_path / "cli-home"
    home.mkdir()
    monkeypatch.setenv("GOLDPATH_HOME", str(home))
    monkeypatch.setenv("GOLDPATH_CATALOG__REFRESH_ENABLED", "false")
    monkeypatch.setenv("GOLDPATH_CATALOG__FILE_ROOTS", json.dumps([str(tmp_path)]))
    catalog = tmp_path / "catalog-info.yaml"
    catalog.write_text(yaml.safe_dump_all([
        {"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
         "metadata": {"name": name, "annotations": {"gitlab.com/project-slug": f"apps/{name}"}},
         "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"}}
        for name in ("payments", "orders")
    ]))
    runner = CliRunner()
    registered = runner.invoke(app, ["-c", str(config), "catalog", "register", str(catalog)])
    assert registered.exit_code == 0, registered.output

    dry = runner.invoke(app, ["-c", str(config), "platform", "rotate-pipeline-tokens",
                              "--dry-run", "--json"])
    assert dry.exit_code == 1, dry.output  # orders has no token
    assert [(r["project"], r["status"]) for r in json.loads(dry.output)] == [
        ("apps/orders", "missing"), ("apps/payments", "would-rotate")]
    assert fake.variables[APP_PROJECT][GITOPS_TOKEN_VARIABLE]["value"] == old_value

    done = runner.invoke(app, ["-c", str(config), "platform", "rotate-pipeline-tokens"])
    assert done.exit_code == 1, done.output
    assert "rotated" in done.output and "missing" in done.output
    (new,) = fake.active_tokens(GITOPS_PROJECT)
    assert fake.variables[APP_PROJECT][GITOPS_TOKEN_VARIABLE]["value"] == new.token
    assert new.token not in done.output and old_value not in done.output
