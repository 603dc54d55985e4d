"""ScorecardService on a real catalog and the local git host: where repositories come
from, what is scored, what is forgotten, and a bad checks file stopping the start."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import Settings
from goldpath.errors import NotFoundError
from goldpath.providers.git import LocalGitHost
from goldpath.runtime import Runtime
from goldpath.scorecards import (
    CheckDefinitionError,
    RepositoryReader,
    RepositoryUnavailableError,
    ScorecardNotFoundError,
)

COMPONENT = {
    "apiVersion": "backstage.io/v1alpha1",
    "kind": "Component",
    "metadata": {"name": "ledger"},
    "spec": {"type": "service", "lifecycle": "production", "owner": "team-books"},
}
GROUP = {
    "apiVersion": "backstage.io/v1alpha1",
    "kind": "Group",
    "metadata": {"name": "team-books"},
    "spec": {"type": "team", "children": []},
}


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """The composition root, migrated, with no loops running (scoring happens in line)."""
    rt = Runtime(settings)
    rt.prepare()
    yield rt
    rt.stop()


def _catalog_file(tmp_path: Path, *entities: dict[str, object]) -> Path:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(yaml.safe_dump_all(entities), encoding="utf-8")
    return path


def test_a_component_read_from_a_file_fails_its_repository_checks_saying_why(
    runtime: Runtime, tmp_path: Path
) -> None:
    runtime.catalog.add_location("file", str(_catalog_file(tmp_path, COMPONENT, GROUP)))
    card = runtime.scorecards.find("component:default/ledger")
    assert card is not None, "registering the location scored the component"
    owner = card.result("has-owner")
    ci = card.result("has-ci")
    assert owner is not None and owner.passed
    assert ci is not None and not ci.passed
    assert ci.message == "the entity was read from a file location, not a git repository"


def test_only_entities_some_check_applies_to_are_scored(runtime: Runtime, tmp_path: Path) -> None:
    runtime.catalog.add_location("file", str(_catalog_file(tmp_path, COMPONENT, GROUP)))
    assert runtime.scorecards.find("group:default/team-books") is None
    with pytest.raises(ScorecardNotFoundError):
        runtime.scorecards.get("group:default/team-books")
    assert [c.entity_ref for c in runtime.scorecards.scorecards()] == ["component:default/ledger"]


def test_a_component_that_leaves_the_catalog_is_forgotten(runtime: Runtime, tmp_path: Path) -> None:
    record, _ = runtime.catalog.add_location("file", str(_catalog_file(tmp_path, COMPONENT)))
    assert runtime.scorecards.find("component:default/ledger") is not None
    runtime.catalog.remove_location(record.id)
    assert runtime.scorecards.scorecards() == []
    assert runtime.scorecards.find("component:default/ledger") is None
    with pytest.raises(NotFoundError):
        runtime.scorecards.get("component:default/ledger")


def test_the_owner_filter_takes_a_group_name_or_a_ref(runtime: Runtime, tmp_path: Path) -> None:
    runtime.catalog.add_location("file", str(_catalog_file(tmp_path, COMPONENT, GROUP)))
    for owner in ("team-books", "group:default/team-books", "Group:default/Team-Books"):
        assert len(runtime.scorecards.scorecards(owner=owner)) == 1
    assert runtime.scorecards.scorecards(owner="team-pages") == []


def test_a_disabled_scorecards_setting_scores_nothing_on_refresh(
    settings: Settings, tmp_path: Path
) -> None:
    off = settings.model_copy(
        update={"scorecards": settings.scorecards.model_copy(update={"enabled": False})}
    )
    rt = Runtime(off)
    rt.prepare()
    try:
        rt.catalog.add_location("file", str(_catalog_file(tmp_path, COMPONENT)))
        assert rt.scorecards.scorecards() == []
    finally:
        rt.stop()


def test_an_invalid_checks_file_stops_the_portal_from_starting(
    settings: Settings, tmp_path: Path
) -> None:
    bad = tmp_path / "checks.yaml"
    bad.write_text(
        "apiVersion: goldpath.dev/v1alpha1\nkind: ScorecardChecks\n"
        "checks:\n  - id: Has_Runbook\n    rule: {fileFound: {}}\n",
        encoding="utf-8",
    )
    config = settings.scorecards.model_copy(update={"check_files": [bad]})
    rt = Runtime(settings.model_copy(update={"scorecards": config}))
    try:
        with pytest.raises(CheckDefinitionError) as caught:
            rt.start()
        assert [(e.field, e.rule) for e in caught.value.errors] == [
            ("checks[0].id", "pattern"),
            ("checks[0].rule.fileFound", "unknown-rule"),
        ]
    finally:
        rt.stop()


# ---- reading repositories through the local git host ------------------------------------


@pytest.fixture
def host(tmp_path: Path) -> LocalGitHost:
    """The embedded git host, in a temporary folder."""
    return LocalGitHost(tmp_path / "git", "http://127.0.0.1:7007", tmp_root=tmp_path / "tmp")


def _publish(host: LocalGitHost, tmp_path: Path, files: dict[str, str]) -> str:
    tree = tmp_path / "tree"
    for path, text in files.items():
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        (tree / path).write_text(text, encoding="utf-8")
    (tree / "link").symlink_to("Dockerfile")
    info = host.create_repo("apps", "ledger")
    return host.push(
        tree, info, branch="main", message="init", author_name="a", author_email="a@example.com"
    )


def test_a_repository_is_read_at_one_commit_without_its_symlinks(
    host: LocalGitHost, tmp_path: Path
) -> None:
    sha = _publish(host, tmp_path, {"Dockerfile": "FROM a\nUSER app\n", "src/app.py": "x"})
    reader = RepositoryReader([host])
    files = reader.read(host.contents_url("apps", "ledger", "main"), what="repo")
    assert sorted(files.files) == ["Dockerfile", "src/app.py"]
    assert files.commit == sha


def test_a_repository_over_the_file_limit_is_not_scored(host: LocalGitHost, tmp_path: Path) -> None:
    _publish(host, tmp_path, {"a": "1", "b": "2"})
    reader = RepositoryReader([host], max_files=1)
    with pytest.raises(RepositoryUnavailableError, match="too big to score"):
        reader.read(host.contents_url("apps", "ledger", "main"), what="repo")


def test_a_missing_repository_or_unknown_host_says_which(host: LocalGitHost) -> None:
    reader = RepositoryReader([host])
    with pytest.raises(RepositoryUnavailableError, match="the GitOps repository cannot be read"):
        reader.read(host.contents_url("gitops", "ghost", "main"), what="GitOps repository")
    with pytest.raises(RepositoryUnavailableError, match="no git host goldpath reads serves"):
        reader.read("https://git.elsewhere.example/a/b/-/tree/main", what="repo")


def test_the_app_folder_prefers_a_readable_source_location(host: LocalGitHost) -> None:
    entity: dict[str, Any]
    reader = RepositoryReader([host])
    url = host.contents_url("apps", "ledger", "main")
    entity = {
        "metadata": {
            "name": "ledger",
            "annotations": {
                "backstage.io/source-location": "url:https://gitlab.example.com/apps/ledger/",
                "backstage.io/managed-by-location": f"url:{url}/catalog-info.yaml",
            },
        }
    }
    assert reader.app_folder(entity) == url  # gitlab.example.com: no host goldpath reads
    tree = "http://127.0.0.1:7007/git/apps/ledger/-/tree/main/service"
    entity["metadata"]["annotations"]["backstage.io/source-location"] = f"url:{tree}"
    assert reader.app_folder(entity) == tree


def test_without_gitops_repositories_alerts_fail_saying_so(host: LocalGitHost) -> None:
    with pytest.raises(RepositoryUnavailableError, match="no GitOps repositories"):
        RepositoryReader([host]).gitops_folder_of({"metadata": {"name": "a"}})


def test_config_check_lists_each_problem_of_a_checks_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "checks.yaml"
    bad.write_text(
        "apiVersion: goldpath.dev/v1alpha1\nkind: ScorecardChecks\n"
        "checks:\n  - id: runbook\n    rule: {fileExists: {anyOf: [/etc/passwd]}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GOLDPATH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOLDPATH_SCORECARDS__CHECK_FILES", json.dumps([str(bad)]))
    monkeypatch.setenv("GOLDPATH_SCORECARDS__DISABLED_CHECKS", '["has-unicorns"]')
    result = CliRunner().invoke(app, ["config", "check"])
    assert result.exit_code == 1, result.output
    assert "scorecards.disabled_checks (GOLDPATH_SCORECARDS__DISABLED_CHECKS)" in result.output
    assert "has-unicorns is not a shipped check" in result.output
    monkeypatch.setenv("GOLDPATH_SCORECARDS__DISABLED_CHECKS", "[]")
    result = CliRunner().invoke(app, ["config", "check"])
    assert result.exit_code == 1, result.output
    assert "scorecards.check_files" in result.output
    assert "checks[0].rule.fileExists.anyOf[0]" in result.output
