"""Merging branches of a local repository: fast-forward, merge commit, conflicts, diffs."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.providers.git import (
    BranchMovedError,
    GitAuthor,
    LocalGitHost,
    MergeConflictError,
    RepoInfo,
)
from tests.providers.git.conftest import git

AUTHOR = GitAuthor("Ada", "ada@example.com")


def _tree(root: Path, files: dict[str, str]) -> Path:
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def _push(host: LocalGitHost, info: RepoInfo, tmp: Path, branch: str, files: dict[str, str]) -> str:
    source = _tree(tmp / f"src-{branch.replace('/', '-')}-{len(list(tmp.iterdir()))}", files)
    return host.push(
        source, info, branch=branch, message=f"on {branch}", author_name="Ada", author_email="a@x"
    )


@pytest.fixture
def repo(local_host: LocalGitHost, tmp_path: Path) -> RepoInfo:
    info = local_host.create_repo("team", "svc")
    (tmp_path / "work").mkdir()
    _push(local_host, info, tmp_path / "work", "main", {"a.txt": "1\n2\n3\n", "b.txt": "b\n"})
    return info


def _read(host: LocalGitHost, info: RepoInfo, branch: str, path: str) -> str:
    return host.read_file(info.owner, info.name, branch, path).decode()


def test_merging_a_branch_ahead_fast_forwards(
    local_host: LocalGitHost, repo: RepoInfo, tmp_path: Path
) -> None:
    local_host.create_branch("team", "svc", "feature", start="main")
    tip = _push(local_host, repo, tmp_path / "work", "feature", {"a.txt": "1\n2\n3\n4\n"})
    outcome = local_host.merge_branches(
        "team", "svc", source="feature", target="main", message="m", author=AUTHOR
    )
    assert (outcome.kind, outcome.sha) == ("fast-forward", tip)
    assert local_host.branch_sha("team", "svc", "main") == tip


def test_diverged_branches_merge_with_both_changes_and_two_parents(
    local_host: LocalGitHost, repo: RepoInfo, tmp_path: Path
) -> None:
    local_host.create_branch("team", "svc", "feature", start="main")
    _push(local_host, repo, tmp_path / "work", "feature", {"a.txt": "one\n2\n3\n", "b.txt": "b\n"})
    _push(local_host, repo, tmp_path / "work", "main", {"a.txt": "1\n2\n3\n", "b.txt": "B\n"})
    outcome = local_host.merge_branches(
        "team", "svc", source="feature", target="main", message="merge it", author=AUTHOR
    )
    assert outcome.kind == "merge"
    assert _read(local_host, repo, "main", "a.txt") == "one\n2\n3\n"
    assert _read(local_host, repo, "main", "b.txt") == "B\n"
    parents = git(
        "--git-dir",
        str(local_host.repo_path("team", "svc")),
        "rev-list",
        "--parents",
        "-n",
        "1",
        "main",
    ).split()
    assert len(parents) == 3


def test_a_conflict_merges_nothing_and_names_the_file(
    local_host: LocalGitHost, repo: RepoInfo, tmp_path: Path
) -> None:
    local_host.create_branch("team", "svc", "feature", start="main")
    _push(local_host, repo, tmp_path / "work", "feature", {"a.txt": "x\n2\n3\n", "b.txt": "b\n"})
    before = _push(
        local_host, repo, tmp_path / "work", "main", {"a.txt": "y\n2\n3\n", "b.txt": "b\n"}
    )
    assert local_host.branch_conflicts("team", "svc", source="feature", target="main") == ["a.txt"]
    with pytest.raises(MergeConflictError) as caught:
        local_host.merge_branches(
            "team", "svc", source="feature", target="main", message="m", author=AUTHOR
        )
    assert caught.value.conflicts == ["a.txt"]
    assert local_host.branch_sha("team", "svc", "main") == before


def test_merging_a_branch_already_in_the_target_changes_nothing(
    local_host: LocalGitHost, repo: RepoInfo
) -> None:
    tip = local_host.create_branch("team", "svc", "feature", start="main")
    outcome = local_host.merge_branches(
        "team", "svc", source="feature", target="main", message="m", author=AUTHOR
    )
    assert (outcome.kind, outcome.sha) == ("up-to-date", tip)


def test_diff_shows_what_the_branch_changes_since_it_forked(
    local_host: LocalGitHost, repo: RepoInfo, tmp_path: Path
) -> None:
    local_host.create_branch("team", "svc", "feature", start="main")
    _push(local_host, repo, tmp_path / "work", "feature", {"a.txt": "1\n2\n3\n", "c.txt": "new\n"})
    _push(local_host, repo, tmp_path / "work", "main", {"a.txt": "1\n2\n3\n", "b.txt": "later\n"})
    diff = local_host.diff_branches("team", "svc", source="feature", target="main")
    assert "+++ b/c.txt" in diff and "+new" in diff
    assert "later" not in diff  # main's own later change is not the branch's


def test_creating_an_existing_branch_is_refused_and_leaves_it(
    local_host: LocalGitHost, repo: RepoInfo, tmp_path: Path
) -> None:
    local_host.create_branch("team", "svc", "feature", start="main")
    tip = _push(local_host, repo, tmp_path / "work", "feature", {"z.txt": "z\n"})
    with pytest.raises(BranchMovedError):
        local_host.create_branch("team", "svc", "feature", start="main")
    assert local_host.branch_sha("team", "svc", "feature") == tip
    local_host.delete_branch("team", "svc", "feature")
    assert local_host.branch_sha("team", "svc", "feature") is None
