"""The in-process git layer writes what git itself would: same trees, valid repositories."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.providers.git import BranchMovedError, LocalGitHost, clean_git_env
from goldpath.providers.git._cli import GitAuthor
from goldpath.providers.git._objects import (
    commit_directory,
    commit_files,
    commit_folder,
    init_bare,
    list_paths,
    read_blob,
    read_config_value,
    read_folder,
    update_branch,
)
from goldpath.providers.git.errors import GitPathNotFoundError
from tests.providers.git.conftest import git

AUTHOR = GitAuthor("Ada", "ada@example.com")


def _git_tree(source: Path, scratch: Path) -> str:
    """The tree ``git add --all && git write-tree`` makes of ``source``."""
    git_dir = scratch / "reference.git"
    git("init", "--quiet", "--bare", str(git_dir))
    env = clean_git_env({"GIT_INDEX_FILE": str(scratch / "index")})

    def run(*args: str) -> str:
        return subprocess.run(
            ["git", "--git-dir", str(git_dir), *args],
            cwd=source,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

    run("--work-tree", str(source), "add", "--all", ".")
    return run("write-tree").strip()


def _our_tree(source: Path, scratch: Path) -> str:
    git_dir = scratch / "ours.git"
    init_bare(git_dir, default_branch="main", config={})
    sha = commit_directory(source, git_dir=git_dir, message="m", author=AUTHOR, parent=None)
    return git("--git-dir", str(git_dir), "rev-parse", f"{sha}^{{tree}}").strip()


def test_init_bare_makes_a_repository_git_accepts(tmp_path: Path) -> None:
    repo = tmp_path / "r.git"
    init_bare(repo, default_branch="trunk", config={"goldpath": {"repoid": "abc123"}})
    assert git("--git-dir", str(repo), "rev-parse", "--is-bare-repository").strip() == "true"
    assert git("--git-dir", str(repo), "symbolic-ref", "HEAD").strip() == "refs/heads/trunk"
    assert git("config", "--file", str(repo / "config"), "goldpath.repoid").strip() == "abc123"
    assert read_config_value(repo, "goldpath", "repoid") == "abc123"
    assert read_config_value(repo, "goldpath", "missing") is None
    git("--git-dir", str(repo), "fsck", "--strict")


def test_commit_matches_git_for_modes_symlinks_nested_ignores(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "app" / "build").mkdir(parents=True)
    (source / "app" / "build" / "out.js").write_text("built\n")
    (source / "app" / "main.js").write_text("main\n")
    (source / "app" / ".gitignore").write_text("build/\n*.log\n!keep.log\n")
    (source / "app" / "debug.log").write_text("noise\n")
    (source / "app" / "keep.log").write_text("kept\n")
    (source / ".gitignore").write_text("/secret.env\n")
    (source / "secret.env").write_text("TOKEN=x\n")
    (source / "run.sh").write_text("#!/bin/sh\n")
    (source / "run.sh").chmod(0o755)
    (source / "empty").mkdir()
    os.symlink("app/main.js", source / "link.js")
    os.symlink("app", source / "link-dir")
    assert _our_tree(source, tmp_path) == _git_tree(source, tmp_path)
    git("--git-dir", str(tmp_path / "ours.git"), "fsck", "--strict")


_NAMES = st.sampled_from(["a", "b", "c.txt", "d.log", "e.js", "sub", "x y"])
_PATTERNS = st.sampled_from(["*.log", "sub/", "/a", "!d.log", "e.*", "b", "*/c.txt", "# note"])


@st.composite
def _trees(draw: st.DrawFn) -> dict[str, tuple[bytes, bool]]:
    files: dict[str, tuple[bytes, bool]] = {}
    for _ in range(draw(st.integers(1, 8))):
        depth = draw(st.integers(1, 3))
        parts = [draw(_NAMES) for _ in range(depth)]
        path = "/".join(parts)
        if any(
            path.startswith(existing + "/") or existing.startswith(path + "/") for existing in files
        ):
            continue  # a name cannot be both a file and a folder
        files[path] = (draw(st.binary(max_size=40)), draw(st.booleans()))
    for folder in {"", *("/".join(p.split("/")[:-1]) for p in files)}:
        if draw(st.booleans()) and not any(p == f"{folder}/.gitignore".lstrip("/") for p in files):
            target = f"{folder}/.gitignore".lstrip("/")
            if not any(p.startswith(target + "/") for p in files):
                patterns = draw(st.lists(_PATTERNS, max_size=3))
                files[target] = ("\n".join(patterns).encode() + b"\n", False)
    return files


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=_trees())
def test_any_directory_commits_to_the_tree_git_would_write(
    tree: dict[str, tuple[bytes, bool]],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        source = scratch / "src"
        source.mkdir()
        for path, (content, executable) in tree.items():
            target = source / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            target.chmod(0o755 if executable else 0o644)
        ours = _our_tree(source, scratch)
        theirs = _git_tree(source, scratch)
        assert ours == theirs


def test_update_branch_is_a_compare_and_swap(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "f").write_text("1\n")
    repo = tmp_path / "r.git"
    init_bare(repo, default_branch="main", config={})
    first = commit_directory(source, git_dir=repo, message="1", author=AUTHOR, parent=None)
    assert update_branch(repo, "refs/heads/main", first, expected=None)
    assert not update_branch(repo, "refs/heads/main", first, expected=None)  # exists now
    (source / "f").write_text("2\n")
    second = commit_directory(source, git_dir=repo, message="2", author=AUTHOR, parent=first)
    assert not update_branch(repo, "refs/heads/main", second, expected="0" * 40)
    assert git("--git-dir", str(repo), "rev-parse", "main").strip() == first
    # git's own lock file keeps goldpath out while git updates the ref
    (repo / "refs" / "heads" / "main.lock").write_text("")
    assert not update_branch(repo, "refs/heads/main", second, expected=first)
    (repo / "refs" / "heads" / "main.lock").unlink()
    assert update_branch(repo, "refs/heads/main", second, expected=first)
    assert git("--git-dir", str(repo), "rev-list", "--count", "main").strip() == "2"
    git("--git-dir", str(repo), "fsck", "--strict")


def test_reads_files_and_lists_paths_at_a_ref_or_sha(tmp_path: Path) -> None:
    source = tmp_path / "src"
    (source / "docs").mkdir(parents=True)
    (source / "docs" / "index.md").write_text("# hi\n")
    (source / "catalog-info.yaml").write_text("kind: Component\n")
    repo = tmp_path / "r.git"
    init_bare(repo, default_branch="main", config={})
    sha = commit_directory(source, git_dir=repo, message="1", author=AUTHOR, parent=None)
    update_branch(repo, "refs/heads/main", sha, expected=None)
    assert read_blob(repo, "refs/heads/main", "docs/index.md") == b"# hi\n"
    assert read_blob(repo, sha, "catalog-info.yaml") == b"kind: Component\n"
    assert list_paths(repo, "refs/heads/main") == ["catalog-info.yaml", "docs/index.md"]
    with pytest.raises(GitPathNotFoundError, match="does not exist"):
        read_blob(repo, "refs/heads/main", "nope.txt")
    with pytest.raises(GitPathNotFoundError, match="not a file"):
        read_blob(repo, "refs/heads/main", "docs")
    with pytest.raises(GitPathNotFoundError, match="no commit"):
        read_blob(repo, "refs/heads/other", "docs/index.md")


def test_reads_what_git_packed_and_abbreviated_shas(
    local_host: LocalGitHost, source_dir: Path
) -> None:
    info = local_host.create_repo("team", "svc")
    sha = local_host.push(
        source_dir, info, branch="main", message="m", author_name="A", author_email="a@x"
    )
    path = local_host.repo_path("team", "svc")
    git("--git-dir", str(path), "gc", "--quiet", "--aggressive")
    git("--git-dir", str(path), "pack-refs", "--all")
    assert local_host.read_file("team", "svc", "main", "src/index.js") == b"console.log('hi')\n"
    assert local_host.read_file("team", "svc", sha[:8], "run.sh").startswith(b"#!/bin/sh")
    assert local_host.list_files("team", "svc", "main") == [
        ".gitignore",
        "catalog-info.yaml",
        "run.sh",
        "src/index.js",
    ]


def test_push_refuses_when_the_branch_moved_underneath(
    local_host: LocalGitHost, source_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    info = local_host.create_repo("team", "svc")
    first = local_host.push(
        source_dir, info, branch="main", message="1", author_name="A", author_email="a@x"
    )
    # another writer pushes between our read of the branch and our update of it
    from goldpath.providers.git import _objects

    real = _objects.commit_directory

    def commit_then_race(*args: object, **kwargs: object) -> str:
        sha = real(*args, **kwargs)  # type: ignore[arg-type]
        other = tmp_clone(local_host)
        (other / "race.txt").write_text("theirs\n")
        git("add", "race.txt", cwd=other)
        git("-c", "user.name=B", "-c", "user.email=b@x", "commit", "-qm", "theirs", cwd=other)
        git("push", "-q", "origin", "main", cwd=other)
        return sha

    monkeypatch.setattr(_objects, "commit_directory", commit_then_race)
    (source_dir / "ours.txt").write_text("ours\n")
    with pytest.raises(BranchMovedError, match="moved during the push"):
        local_host.push(
            source_dir, info, branch="main", message="2", author_name="A", author_email="a@x"
        )
    path = local_host.repo_path("team", "svc")
    head = git("--git-dir", str(path), "log", "-1", "--format=%s", "main").strip()
    assert head == "theirs"  # their push stands; ours changed nothing
    assert git("--git-dir", str(path), "rev-parse", "main~1").strip() == first


def tmp_clone(local_host: LocalGitHost) -> Path:
    """A working clone of team/svc straight from its folder."""
    target = Path(tempfile.mkdtemp()) / "clone"
    git("clone", "-q", str(local_host.repo_path("team", "svc")), str(target))
    return target


def test_nested_git_folders_are_left_out(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "a.txt").write_text("a\n")
    shutil.copytree(source, source / "vendored")
    (source / "vendored" / ".git").mkdir()
    (source / "vendored" / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    repo = tmp_path / "r.git"
    init_bare(repo, default_branch="main", config={})
    sha = commit_directory(source, git_dir=repo, message="m", author=AUTHOR, parent=None)
    update_branch(repo, "refs/heads/main", sha, expected=None)
    assert list_paths(repo, "refs/heads/main") == ["a.txt", "vendored/a.txt"]


def test_local_folder_urls_read_every_file_with_its_mode(
    local_host: LocalGitHost, source_dir: Path
) -> None:
    info = local_host.create_repo("team", "svc")
    local_host.push(
        source_dir, info, branch="release/1", message="m", author_name="A", author_email="a@x"
    )
    web = local_host.web_url("team", "svc")
    root = f"{web}/-/tree/release/1"
    assert local_host.can_read_folder(root)
    assert not local_host.can_read_folder("https://elsewhere.example/team/svc/-/tree/main")
    files = local_host.read_folder(root)
    assert sorted(files) == [".gitignore", "catalog-info.yaml", "run.sh", "src/index.js"]
    assert files["run.sh"][1] == 0o100755
    assert local_host.read_folder(f"{web}/-/blob/release/1/src") == {
        "index.js": (b"console.log('hi')\n", 0o100644)
    }
    with pytest.raises(GitPathNotFoundError, match="is a file"):
        local_host.read_folder(f"{web}/-/tree/release/1/run.sh")
    with pytest.raises(GitPathNotFoundError, match="does not exist"):
        local_host.read_folder(f"{web}/-/tree/release/1/nope")
    with pytest.raises(GitPathNotFoundError):
        local_host.read_folder(f"{web}/-/tree/release/1/../../other")


def test_dulwich_loads_on_first_use_not_when_the_git_hosts_are_built(tmp_path: Path) -> None:
    # Portal start-up builds the git hosts (the catalog's URL readers); dulwich costs
    # ~15 ms to import and is needed only by the first repository operation.
    script = (
        "import sys\n"
        "from goldpath.config import load_settings\n"
        "from goldpath.providers.git import GitHosts\n"
        f"hosts = GitHosts(load_settings(home={str(tmp_path)!r}))\n"
        "hosts.url_readers()\n"
        "assert 'dulwich' not in sys.modules, 'dulwich imported at start'\n"
        "hosts.local.create_repo('team', 'svc')\n"
        "assert 'dulwich' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, capture_output=True)


_NAMES = st.sampled_from(["a", "b", "apps", "x.yaml", "y.json", "deep"])
_FILE_TREES = st.dictionaries(
    st.lists(_NAMES, min_size=1, max_size=3).map("/".join),
    st.binary(max_size=20),
    max_size=8,
).filter(  # no path is both a file and a folder
    lambda files: not any(other.startswith(f"{path}/") for path in files for other in files)
)


def _tree_of(git_dir: Path, sha: str | None) -> str:
    if sha is None:
        return ""
    return git("--git-dir", str(git_dir), "rev-parse", f"{sha}^{{tree}}").strip()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.filter_too_much])
@given(before=_FILE_TREES, folder=st.lists(_NAMES, min_size=1, max_size=2).map("/".join),
       inside=_FILE_TREES)
def test_commit_folder_writes_the_tree_a_whole_commit_of_the_result_would(
    tmp_path: Path, before: dict[str, bytes], folder: str, inside: dict[str, bytes]
) -> None:
    # The model: the files before, less anything at or under the folder, plus the new
    # files under it. Committing only the changed folder must give exactly its tree.
    expected = {p: d for p, d in before.items() if p != folder and not p.startswith(f"{folder}/")}
    if any(folder.startswith(f"{p}/") for p in expected):
        return  # the folder would sit under a file: not a tree git can hold
    expected.update({f"{folder}/{p}": d for p, d in inside.items()})
    with tempfile.TemporaryDirectory(dir=tmp_path) as scratch:
        git_dir = Path(scratch) / "r.git"
        init_bare(git_dir, default_branch="main", config={})
        parent = commit_files(before, git_dir=git_dir, message="m", author=AUTHOR, parent=None)
        whole = commit_files(expected, git_dir=git_dir, message="m", author=AUTHOR, parent=None)
        sha = commit_folder(inside, git_dir=git_dir, folder=folder, message="m",
                            author=AUTHOR, parent=parent)
        if _tree_of(git_dir, whole) == _tree_of(git_dir, parent):
            assert sha is None  # nothing changed, nothing written
            return
        assert sha is not None
        assert _tree_of(git_dir, sha) == _tree_of(git_dir, whole)
        assert git("--git-dir", str(git_dir), "rev-parse", f"{sha}^").strip() == parent
        git("--git-dir", str(git_dir), "fsck", "--strict", "--no-dangling")
        got = read_folder(git_dir, sha, "")
        assert {p: d for p, (d, _mode) in got.items()} == expected


def test_commit_folder_refuses_the_root(tmp_path: Path) -> None:
    git_dir = tmp_path / "r.git"
    init_bare(git_dir, default_branch="main", config={})
    with pytest.raises(GitPathNotFoundError, match="below the root"):
        commit_folder({}, git_dir=git_dir, folder="/", message="m", author=AUTHOR, parent=None)


def test_read_folder_remembers_small_blobs_not_large_ones(tmp_path: Path) -> None:
    from goldpath.providers.git import _objects

    git_dir = tmp_path / "r.git"
    init_bare(git_dir, default_branch="main", config={})
    big = os.urandom(_objects._BLOB_MEMO_LIMIT + 1)
    small = b"small file, unique to this test " + os.urandom(8)
    sha = commit_files({"big.bin": big, "small.txt": small}, git_dir=git_dir, message="m",
                       author=AUTHOR, parent=None)
    assert sha is not None
    _objects._blobs.clear()
    files = read_folder(git_dir, sha, "")
    assert files["big.bin"][0] == big and files["small.txt"][0] == small
    remembered = {data for data in _objects._blobs._values.values()}
    assert small in remembered and big not in remembered
