"""A new repository prepared where nobody sees it, published in one step (`staged_repo`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.providers.git import (
    GitAuthor,
    LocalGitHost,
    NewRepo,
    RepoExistsError,
    RepoInfo,
    staged_repo,
)
from goldpath.scratch import process_scratch
from tests.providers.git.conftest import git

FILES: dict[str, bytes] = {
    "base/deployment.yaml": b"kind: Deployment\n",
    ".goldpath/answers.yaml": b"a: 1\n",
}


def _new(owner: str, name: str = "svc") -> NewRepo:
    return NewRepo(owner=owner, name=name, files=FILES, message="feat: first",
                   author=GitAuthor("Ada", "ada@example.com"), description="GitOps of svc")


def _scratch_left(host: LocalGitHost) -> list[Path]:
    return [p for p in process_scratch(host.tmp_root).iterdir() if p.name.startswith("create-")]


def test_a_local_repository_appears_whole_only_when_published(local_host: LocalGitHost) -> None:
    created: list[RepoInfo] = []
    with staged_repo(local_host, _new("gitops"), tmp_root=local_host.tmp_root) as staged:
        assert not local_host.repo_exists("gitops", "svc")  # nobody can see it yet
        info, sha = staged.publish(created.append)
        assert created == [info]  # told before anything else could fail
    assert local_host.repo_exists("gitops", "svc")
    bare = local_host.repo_path("gitops", "svc")
    assert git("--git-dir", str(bare), "rev-parse", "main").strip() == sha
    listed = git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", "main").split()
    assert sorted(listed) == sorted(FILES)
    assert git("--git-dir", str(bare), "log", "--format=%an %s", "main").strip() == (
        "Ada feat: first"
    )
    git("--git-dir", str(bare), "fsck", "--strict")
    assert local_host.get_repo("gitops", "svc").id == info.id
    assert (bare / "description").read_text().strip() == "GitOps of svc"
    assert _scratch_left(local_host) == []


def test_a_local_repository_not_published_leaves_nothing(local_host: LocalGitHost) -> None:
    with staged_repo(local_host, _new("gitops"), tmp_root=local_host.tmp_root):
        assert _scratch_left(local_host)  # built aside
    assert not local_host.repo_exists("gitops", "svc")
    assert _scratch_left(local_host) == []


def test_a_taken_name_fails_before_any_work_and_theirs_survives(
    local_host: LocalGitHost,
) -> None:
    theirs = local_host.create_repo("gitops", "svc")
    with pytest.raises(RepoExistsError), staged_repo(local_host, _new("gitops"),
                                                     tmp_root=local_host.tmp_root):
        pytest.fail("staging a taken name must fail at once")
    assert local_host.get_repo("gitops", "svc").id == theirs.id
    assert _scratch_left(local_host) == []


def test_a_name_taken_while_staged_fails_publish_and_theirs_survives(
    local_host: LocalGitHost,
) -> None:
    created: list[RepoInfo] = []
    with staged_repo(local_host, _new("gitops"), tmp_root=local_host.tmp_root) as staged:
        theirs = local_host.create_repo("gitops", "svc")
        with pytest.raises(RepoExistsError):
            staged.publish(created.append)
    assert created == []  # no undo recorded for a repository that is not ours
    assert local_host.get_repo("gitops", "svc").id == theirs.id
    assert local_host.refs("gitops", "svc") == []
    assert _scratch_left(local_host) == []
