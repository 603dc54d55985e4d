"""The embedded git host: real bare repositories, created atomically, deleted by identity."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.providers.git import (
    GitHost,
    GitPathNotFoundError,
    InvalidRepoUrlError,
    LocalGitHost,
    RepoExistsError,
    RepoInfo,
    RepoNotFoundError,
    Repository,
)
from goldpath.scratch import process_scratch
from tests.providers.git._race import create_in_process
from tests.providers.git.conftest import git


def _publish(host: LocalGitHost, source: Path, owner: str = "team", repo: str = "svc") -> RepoInfo:
    info = host.create_repo(owner, repo, description="A service")
    host.push(
        source, info, branch="main", message="initial", author_name="Ada", author_email="a@x.io"
    )
    return info


def test_local_host_satisfies_the_protocol(local_host: LocalGitHost) -> None:
    assert isinstance(local_host, GitHost)


def test_create_repo_makes_a_bare_repository_under_owner(local_host: LocalGitHost) -> None:
    info = local_host.create_repo("platform/team", "svc", default_branch="trunk")
    path = local_host.root / "platform" / "team" / "svc.git"
    assert git("--git-dir", str(path), "rev-parse", "--is-bare-repository").strip() == "true"
    assert info.default_branch == "trunk"
    assert local_host.repo_exists("platform/team", "svc")


def test_urls_end_in_git_and_follow_gitlab_shapes(local_host: LocalGitHost) -> None:
    info = local_host.create_repo("team", "svc.git")
    assert info.clone_url == "http://portal.test:7007/git/team/svc.git"
    assert local_host.clone_url("team", "svc") == info.clone_url
    assert (
        local_host.contents_url("team", "svc", "main")
        == "http://portal.test:7007/git/team/svc/-/blob/main"
    )


def test_push_commits_files_with_modes_and_honours_gitignore(
    local_host: LocalGitHost, source_dir: Path
) -> None:
    info = _publish(local_host, source_dir)
    path = local_host.repo_path("team", "svc")
    listing = git("--git-dir", str(path), "ls-tree", "-r", "main")
    modes = {line.split("\t")[1]: line.split()[0] for line in listing.splitlines()}
    assert modes == {
        ".gitignore": "100644",
        "catalog-info.yaml": "100644",
        "run.sh": "100755",
        "src/index.js": "100644",
    }
    assert git("--git-dir", str(path), "log", "-1", "--format=%an <%ae> %s").strip() == (
        "Ada <a@x.io> initial"
    )
    assert not (source_dir / ".git").exists()
    assert info.id


def test_second_push_adds_a_commit_on_top(local_host: LocalGitHost, source_dir: Path) -> None:
    info = _publish(local_host, source_dir)
    (source_dir / "extra.txt").write_text("more\n")
    sha = local_host.push(
        source_dir, info, branch="main", message="more", author_name="A", author_email="a@x"
    )
    path = local_host.repo_path("team", "svc")
    assert git("--git-dir", str(path), "rev-list", "--count", "main").strip() == "2"
    assert git("--git-dir", str(path), "rev-parse", "main").strip() == sha


def test_create_existing_repo_raises_conflict_and_keeps_it(
    local_host: LocalGitHost, source_dir: Path
) -> None:
    info = _publish(local_host, source_dir)
    with pytest.raises(RepoExistsError):
        local_host.create_repo("team", "svc")
    assert local_host.get_repo("team", "svc").id == info.id
    assert local_host.read_file("team", "svc", "main", "catalog-info.yaml").startswith(b"api")


def test_ten_parallel_creates_exactly_one_wins(local_host: LocalGitHost) -> None:
    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(lambda _: _try_create(local_host), range(10)))
    winners = [o for o in outcomes if o != "exists"]
    assert len(winners) == 1
    assert local_host.get_repo("team", "race").id == winners[0]
    assert list(process_scratch(local_host.tmp_root).iterdir()) == []


def _try_create(host: LocalGitHost) -> str:
    try:
        return host.create_repo("team", "race").id
    except RepoExistsError:
        return "exists"


def test_ten_processes_creating_one_repo_exactly_one_wins(local_host: LocalGitHost) -> None:
    # forkserver: children fork from a single-threaded server that imported goldpath once.
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["goldpath.providers.git", "tests.providers.git._race"])
    queue: multiprocessing.Queue[str] = context.Queue()
    processes = [
        context.Process(target=create_in_process, args=(str(local_host.root), queue))
        for _ in range(10)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    outcomes = [queue.get(timeout=10) for _ in processes]
    created = [o for o in outcomes if o.startswith("created:")]
    assert len(created) == 1
    assert local_host.get_repo("team", "race").id == created[0].removeprefix("created:")


def test_delete_with_id_removes_only_that_repo(local_host: LocalGitHost) -> None:
    first = local_host.create_repo("team", "svc")
    local_host.delete_repo("team", "svc", repo_id=first.id)
    second = local_host.create_repo("team", "svc")
    with pytest.raises(RepoNotFoundError, match="left untouched"):
        local_host.delete_repo("team", "svc", repo_id=first.id)
    assert local_host.get_repo("team", "svc").id == second.id


def test_delete_leaves_no_folders_behind(local_host: LocalGitHost) -> None:
    info = local_host.create_repo("a/b/c", "svc")
    local_host.delete_repo("a/b/c", "svc", repo_id=info.id)
    leftovers = [
        p
        for p in local_host.root.rglob("*")
        if not p.relative_to(local_host.root).parts[0].startswith(".")
    ]
    assert leftovers == []
    assert list(process_scratch(local_host.tmp_root).iterdir()) == []


def test_delete_missing_repo_is_not_found(local_host: LocalGitHost) -> None:
    with pytest.raises(RepoNotFoundError):
        local_host.delete_repo("team", "ghost")


def test_reads_files_from_contents_url_with_slashed_branch(
    local_host: LocalGitHost, source_dir: Path
) -> None:
    info = local_host.create_repo("team", "svc")
    local_host.push(
        source_dir, info, branch="feature/x", message="m", author_name="A", author_email="a@x"
    )
    url = local_host.contents_url("team", "svc", "feature/x") + "/src/index.js"
    assert local_host.can_read(url)
    assert local_host.read(url) == b"console.log('hi')\n"
    raw = url.replace("/-/blob/", "/-/raw/")
    assert local_host.read(raw) == b"console.log('hi')\n"


def test_reading_missing_file_or_directory_is_not_found(
    local_host: LocalGitHost, source_dir: Path
) -> None:
    _publish(local_host, source_dir)
    base = local_host.contents_url("team", "svc", "main")
    for url in (base + "/nope.yaml", base + "/src", base + "/../../etc/passwd"):
        with pytest.raises(GitPathNotFoundError):
            local_host.read(url)


def test_foreign_urls_are_not_read(local_host: LocalGitHost) -> None:
    assert not local_host.can_read("https://gitlab.com/team/svc/-/blob/main/catalog-info.yaml")
    assert not local_host.can_read("http://portal.test:7007/api/catalog/entities")


def test_invalid_names_are_refused_before_touching_disk(local_host: LocalGitHost) -> None:
    for owner, repo in (("..", "x"), ("team", ".."), ("team/../..", "x"), ("team", "a/b")):
        with pytest.raises(InvalidRepoUrlError):
            local_host.create_repo(owner, repo)
    assert not local_host.root.exists() or list(local_host.root.rglob("*.git")) == []


def test_invalid_default_branch_is_refused(local_host: LocalGitHost) -> None:
    with pytest.raises(InvalidRepoUrlError, match="defaultBranch"):
        local_host.create_repo("team", "svc", default_branch="../main")
    assert not local_host.repo_exists("team", "svc")


_names = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,30}", fullmatch=True).filter(
    lambda s: not s.endswith((".git", ".atom"))
)


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(owner=st.lists(_names, min_size=1, max_size=3).map("/".join), repo=_names)
def test_any_valid_name_lands_inside_the_root_and_deletes_cleanly(
    local_host: LocalGitHost, owner: str, repo: str
) -> None:
    info = local_host.create_repo(owner, repo)
    path = local_host.repo_path(owner, repo).resolve()
    assert local_host.root.resolve() in path.parents
    assert info.clone_url.endswith(f"/git/{owner}/{repo}.git")
    local_host.delete_repo(owner, repo, repo_id=info.id)
    assert not local_host.repo_exists(owner, repo)


def test_list_repos_names_every_repository(local_host: LocalGitHost) -> None:
    local_host.create_repo("a", "one")
    local_host.create_repo("a/b", "two")
    assert local_host.list_repos() == [("a", "one"), ("a/b", "two")]


def test_refs_are_read_from_packed_refs_too(local_host: LocalGitHost, source_dir: Path) -> None:
    info = _publish(local_host, source_dir)
    path = local_host.repo_path("team", "svc")
    git("--git-dir", str(path), "tag", "v1", "main")
    git("--git-dir", str(path), "pack-refs", "--all")
    assert not (path / "refs" / "heads" / "main").exists()
    assert local_host.refs("team", "svc") == ["main", "v1"]
    (source_dir / "after-pack.txt").write_text("x\n")
    sha = local_host.push(
        source_dir, info, branch="main", message="on packed", author_name="A", author_email="a@x"
    )
    assert git("--git-dir", str(path), "rev-list", "--count", "main").strip() == "2"
    assert git("--git-dir", str(path), "rev-parse", "main").strip() == sha


def test_a_loose_ref_wins_over_its_packed_copy_and_lock_files_are_not_refs(
    local_host: LocalGitHost, source_dir: Path
) -> None:
    info = _publish(local_host, source_dir)
    path = local_host.repo_path("team", "svc")
    git("--git-dir", str(path), "pack-refs", "--all")
    (source_dir / "second.txt").write_text("x\n")
    newer = local_host.push(
        source_dir, info, branch="main", message="loose", author_name="A", author_email="a@x"
    )
    (path / "refs" / "heads" / "feature.lock").write_text(newer + "\n")
    assert local_host.refs("team", "svc") == ["main"]
    assert Repository(path).resolve("refs/heads/main") == newer
    assert local_host.read(local_host.contents_url("team", "svc", "main") + "/second.txt") == b"x\n"
