"""The platform GitOps repo: app-of-apps, repo credentials, RBAC, monitoring; SD009."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from hypothesis import given, settings

from goldpath.gitops import (
    PlatformSpec,
    add_platform_app,
    platform_app_added,
    platform_app_files,
    platform_apps,
    remove_platform_app,
    render_app,
    render_platform_repo,
    validate_tree,
)
from goldpath.gitops.errors import GitopsRepoNotFoundError, GitopsValidationError
from goldpath.providers.git import BranchMovedError, GitAuthor, Repository
from goldpath.trees import write_tree
from tests.gitops.helpers import of_kind, spec
from tests.gitops.strategies import app_names, platforms

P = PurePosixPath
Files = dict[PurePosixPath, str]
URL = "https://gitlab.example.com/gitops/platform.git"


def _repo(**kwargs: Any) -> Files:
    return render_platform_repo(PlatformSpec(), repo_url=URL, **kwargs)


def _policy_ids(files: Files) -> set[str]:
    return {f.rule for f in validate_tree(files, tools=False).findings if f.check == "policy"}


def _mutate(files: Files, path: str, change: Any) -> Files:
    docs = list(yaml.safe_load_all(files[P(path)]))
    change(docs)
    return {**files, P(path): yaml.safe_dump_all(docs, sort_keys=True)}


def test_platform_repo_with_apps_passes_every_validator(tmp_path: Path) -> None:
    files = _repo(apps=[spec(), spec(name="ledger", environments=("dev", "prod"))])
    report = validate_tree(files, tmp_root=tmp_path)
    assert report.ok, [str(f) for f in report.failures]
    assert {"promtool check rules", "kubectl kustomize"} <= set(report.checked)


@settings(max_examples=15, deadline=None)
@given(platform=platforms(), name=app_names())
def test_any_platform_and_app_render_a_policy_clean_platform_repo(
    platform: PlatformSpec, name: str
) -> None:
    app = spec(name=name, platform=platform)
    files = render_platform_repo(platform, repo_url=URL, apps=[app])
    assert _policy_ids(files) == set()


def test_repo_creds_reach_argocd_as_a_labelled_external_secret() -> None:
    [secret] = of_kind(_repo(), "ExternalSecret")
    label = {"argocd.argoproj.io/secret-type": "repo-creds"}
    assert secret["metadata"]["namespace"] == "argocd"
    assert label.items() <= secret["metadata"]["labels"].items()
    template = secret["spec"]["target"]["template"]
    assert label.items() <= template["metadata"]["labels"].items()
    # A prefix of every repository in the GitOps group, the platform repo's included.
    assert template["data"]["url"] == "https://gitlab.example.com/gitops/"
    assert URL.startswith(template["data"]["url"])
    keys = {d["remoteRef"]["key"] for d in secret["spec"]["data"]}
    assert keys == {"goldpath/argocd-repo-creds"}
    assert "password" not in str(template["data"]["password"]).replace("{{ .password }}", "")


def test_platform_secret_store_serves_only_argocd_and_monitoring() -> None:
    stores = {s["metadata"]["name"]: s for s in of_kind(_repo(), "ClusterSecretStore")}
    [secret] = of_kind(_repo(), "ExternalSecret")
    name = secret["spec"]["secretStoreRef"]["name"]
    assert stores[name]["spec"]["conditions"] == [{"namespaces": ["argocd", "monitoring"]}]
    # The apps' store stays limited to workload namespaces.
    apps_store = stores["aws-secrets-manager"]["spec"]["conditions"]
    assert apps_store == [{"namespaceSelector": {"matchLabels": {"idp-role": "workload"}}}]


def test_cluster_rbac_and_monitoring_are_part_of_the_platform_repo() -> None:
    files = _repo()
    roles = {r["metadata"]["name"] for r in of_kind(files, "ClusterRole")}
    assert roles == {"platform-admin", "developer-readonly"}
    roots = {a["metadata"]["name"]: a["spec"]["source"]["path"]
             for a in of_kind(files, "Application")}
    assert roots == {"bootstrap": "bootstrap", "platform": "platform",
                     "monitoring": "monitoring", "apps": "apps"}
    [rule] = of_kind(files, "PrometheusRule")
    assert rule["metadata"]["namespace"] == "monitoring"
    [datasource] = of_kind(files, "ConfigMap")
    assert datasource["metadata"]["labels"]["grafana_datasource"] == "1"


def test_an_app_entry_holds_no_rule_and_no_kustomization() -> None:
    # Why adding an entry may skip promtool and kubectl kustomize (see _platform_git).
    entry = platform_app_files(spec(environments=("dev", "staging", "prod")))
    assert all(p.name != "kustomization.yaml" for p in entry)
    kinds = {doc["kind"] for text in entry.values() for doc in yaml.safe_load_all(text)}
    assert kinds == {"AppProject", "Application"}


def test_app_entry_is_the_apps_own_argocd_objects() -> None:
    app = spec(environments=("dev", "prod"))
    entry = platform_app_files(app)
    rendered = render_app(app)
    assert entry[P("apps/payments/application.yaml")] == rendered[P("argocd/application.yaml")]
    assert entry[P("apps/payments/appproject.yaml")] == rendered[P("argocd/appproject.yaml")]


MUTATIONS = [
    ("SD009", "bootstrap/appproject.yaml",
     lambda d: d[0]["spec"]["sourceRepos"].append("https://elsewhere.example.com/x.git")),
    ("SD009", "bootstrap/appproject.yaml",
     lambda d: d[0]["spec"]["destinations"].append({"server": "*", "namespace": "*"})),
    ("SD009", "bootstrap/appproject.yaml",
     lambda d: d[0]["spec"]["clusterResourceWhitelist"].append({"group": "*", "kind": "*"})),
    ("SD004", "bootstrap/applications.yaml",
     lambda d: d[3]["spec"]["syncPolicy"]["automated"].update(prune=False)),
    ("SD004", "bootstrap/applications.yaml",
     lambda d: d[3]["spec"]["source"].update(repoURL="https://elsewhere.example.com/x.git")),
]


@pytest.mark.parametrize(("policy", "path", "change"), MUTATIONS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_platform_repo_policies_catch_their_violation(policy: str, path: str, change: Any) -> None:
    assert policy in _policy_ids(_mutate(_repo(apps=[spec()]), path, change))


def test_a_workload_in_the_platform_repo_is_refused() -> None:
    app_files = render_app(spec())
    files = {**_repo(), P("platform/deployment.yaml"): app_files[P("base/deployment.yaml")]}
    assert "SD009" in _policy_ids(files)


def test_an_application_without_its_project_in_the_platform_repo_is_refused() -> None:
    files = _repo(apps=[spec()])
    del files[P("apps/payments/appproject.yaml")]
    assert "SD004" in _policy_ids(files)


def test_an_app_repo_is_not_taken_for_the_platform_repo() -> None:
    # An app called "platform" has an AppProject "platform" too, with the app's labels.
    assert _policy_ids(render_app(spec(name="platform"))) == set()


# -- git: add and remove an app's entry ---------------------------------------------------


def _bare_platform_repo(tmp_path: Path, extra: Files | None = None) -> Path:
    bare = tmp_path / "platform.git"
    Repository.init_bare(bare)
    work = tmp_path / "work"
    repository = Repository.clone(str(bare), work)
    write_tree(work, {**_repo(), **(extra or {})})
    repository.commit_worktree("init", author=GitAuthor("t", "t@example.com"))
    repository.push("origin", "HEAD:main")
    return bare


def test_add_and_remove_an_app_with_git(tmp_path: Path) -> None:
    bare = _bare_platform_repo(tmp_path)
    seen: list[bool] = []
    sha = add_platform_app(bare, spec(), tmp_root=tmp_path, before_commit=seen.append)
    assert sha is not None and seen == [False]
    assert platform_apps(bare, tmp_root=tmp_path) == ["payments"]
    assert add_platform_app(bare, spec(), tmp_root=tmp_path, before_commit=seen.append) is None
    assert seen == [False, True]
    assert remove_platform_app(bare, "payments", PlatformSpec(), tmp_root=tmp_path) is not None
    assert platform_apps(bare, tmp_root=tmp_path) == []
    assert remove_platform_app(bare, "payments", PlatformSpec(), tmp_root=tmp_path) is None


def test_a_change_leaving_an_invalid_tree_commits_nothing(tmp_path: Path) -> None:
    ledger = platform_app_files(spec(name="ledger"))
    path = P("apps/ledger/application.yaml")
    ledger[path] = ledger[path].replace(
        "https://gitlab.example.com/gitops/payments.git", "https://elsewhere.example.com/x.git")
    assert "elsewhere" in ledger[path]
    bare = _bare_platform_repo(tmp_path, ledger)
    seen: list[bool] = []
    with pytest.raises(GitopsValidationError):
        add_platform_app(bare, spec(), tmp_root=tmp_path / "t", before_commit=seen.append)
    assert seen == []
    assert platform_apps(bare, tmp_root=tmp_path / "t") == ["ledger"]


def test_an_empty_repo_is_not_taken_for_the_platform_repo(tmp_path: Path) -> None:
    bare = tmp_path / "empty.git"
    Repository.init_bare(bare)
    work = tmp_path / "w"
    repository = Repository.clone(str(bare), work)
    (work / "README.md").write_text("x")
    repository.commit_worktree("init", author=GitAuthor("t", "t@example.com"))
    repository.push("origin", "HEAD:main")
    with pytest.raises(GitopsRepoNotFoundError):
        add_platform_app(bare, spec(), tmp_root=tmp_path / "t")
    assert platform_apps(bare, tmp_root=tmp_path / "t") == []


def _head(bare: Path) -> str | None:
    return Repository(bare).resolve("refs/heads/main")


def test_a_prepared_entry_is_seen_by_nobody_until_it_is_pushed(tmp_path: Path) -> None:
    bare = _bare_platform_repo(tmp_path)
    before = _head(bare)
    with platform_app_added(bare, spec(), tmp_root=tmp_path / "t") as change:
        assert change.sha is not None and not change.existed
        assert _head(bare) == before
        assert platform_apps(bare, tmp_root=tmp_path / "t") == []
        assert change.push() == change.sha
    assert _head(bare) == change.sha
    assert platform_apps(bare, tmp_root=tmp_path / "t") == ["payments"]


def test_a_prepared_entry_left_unpushed_changes_nothing(tmp_path: Path) -> None:
    bare = _bare_platform_repo(tmp_path)
    before = _head(bare)
    with (
        pytest.raises(RuntimeError, match="the app's own tree failed"),
        platform_app_added(bare, spec(), tmp_root=tmp_path / "t"),
    ):
        raise RuntimeError("the app's own tree failed")
    assert _head(bare) == before
    assert platform_apps(bare, tmp_root=tmp_path / "t") == []


def test_an_entry_pushed_meanwhile_by_another_create_is_kept(tmp_path: Path) -> None:
    # Between our preparation and our push another Create enrolled its app: our push is
    # refused, prepared again on a fresh clone and pushed; both apps stay.
    bare = _bare_platform_repo(tmp_path)
    with platform_app_added(bare, spec(), tmp_root=tmp_path / "t") as change:
        assert add_platform_app(bare, spec(name="ledger"), tmp_root=tmp_path / "u")
        sha = change.push()
    assert sha is not None and _head(bare) == sha
    assert platform_apps(bare, tmp_root=tmp_path / "t") == ["ledger", "payments"]


def test_a_file_that_is_not_text_stays_as_it_was(tmp_path: Path) -> None:
    bare = _bare_platform_repo(tmp_path)
    work = tmp_path / "bin-work"
    repository = Repository.clone(str(bare), work)
    (work / "docs").mkdir()
    (work / "docs" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    (work / "tools.sh").write_text("#!/bin/sh\n")
    (work / "tools.sh").chmod(0o755)
    repository.commit_worktree("binary", author=GitAuthor("t", "t@example.com"))
    repository.push("origin", "HEAD:main")
    sha = add_platform_app(bare, spec(), tmp_root=tmp_path / "t")
    assert sha is not None
    stored = Repository(bare).read_folder(sha, "")
    assert stored["docs/logo.png"][0] == b"\x89PNG\r\n\x1a\n\xff\xfe"
    assert stored["tools.sh"][1] == 0o100755
    assert "apps/payments/application.yaml" in stored


def test_a_platform_repo_that_keeps_moving_is_given_up_on_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bare = _bare_platform_repo(tmp_path)
    before = _head(bare)
    monkeypatch.setattr(Repository, "update_branch", lambda *_a, **_k: False)
    with pytest.raises(BranchMovedError, match="payments was not added after 3 attempts"):
        add_platform_app(bare, spec(), tmp_root=tmp_path / "t")
    assert _head(bare) == before
