"""Repository: goldpath's one git seam, checked against the git CLI's own view."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath import gitops
from goldpath.providers.git import GitAuthor, GitCommandError, Repository, clean_git_env
from tests.providers.git.conftest import git

AUTHOR = GitAuthor("Ada", "ada@example.org")


def _work_tree(tmp_path: Path) -> Repository:
    origin = Repository.init_bare(tmp_path / "origin.git")
    clone = Repository.clone(origin.path, tmp_path / "work")
    (clone.path / "keep.txt").write_text("keep\n")
    (clone.path / "gone.txt").write_text("gone\n")
    assert clone.commit_worktree("first", author=AUTHOR) is not None
    return clone


def test_commit_worktree_commits_changes_and_deletions_and_leaves_status_clean(
    tmp_path: Path,
) -> None:
    work = _work_tree(tmp_path)
    (work.path / "gone.txt").unlink()
    (work.path / "keep.txt").write_text("changed\n")
    (work.path / "new").mkdir()
    (work.path / "new" / "file.txt").write_text("new\n")
    sha = work.commit_worktree("second", author=AUTHOR)
    assert sha == git("rev-parse", "HEAD", cwd=work.path).strip()
    assert git("ls-files", cwd=work.path).split() == ["keep.txt", "new/file.txt"]
    assert git("status", "--porcelain", cwd=work.path) == ""
    assert git("log", "-1", "--format=%an <%ae> %s", cwd=work.path).strip() == (
        "Ada <ada@example.org> second"
    )


def test_commit_worktree_of_an_unchanged_tree_commits_nothing(tmp_path: Path) -> None:
    work = _work_tree(tmp_path)
    before = work.resolve("refs/heads/main")
    assert work.commit_worktree("nothing", author=AUTHOR) is None
    assert work.resolve("refs/heads/main") == before


def test_push_and_fetch_are_transport_through_the_cli(tmp_path: Path) -> None:
    work = _work_tree(tmp_path)
    sha = work.resolve("refs/heads/main")
    assert sha is not None
    work.push("origin", "HEAD:main")
    origin = Repository(tmp_path / "origin.git")
    assert origin.resolve("refs/heads/main") == sha
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "--git-dir", str(origin.path),
        "tag", "-a", "v1", "-m", "release", "main")
    scratch = Repository.init_bare(tmp_path / "scratch.git")
    assert scratch.ls_remote(str(origin.path), branches_and_tags=True)["refs/tags/v1"] != sha
    assert scratch.fetch(str(origin.path), "refs/tags/v1", depth=1) == sha  # peeled
    assert scratch.read_folder(sha, "") == {
        "gone.txt": (b"gone\n", 0o100644),
        "keep.txt": (b"keep\n", 0o100644),
    }


def test_a_failed_transport_is_the_one_git_error_without_credentials(tmp_path: Path) -> None:
    scratch = Repository.init_bare(tmp_path / "scratch.git")
    with pytest.raises(GitCommandError) as info:
        scratch.fetch("https://user:s3cret@127.0.0.1:9/none.git", "refs/heads/main")
    assert "s3cret" not in str(info.value) and info.value.context["command"] == "git fetch"
    assert gitops.GitCommandError is GitCommandError


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(length=st.integers(min_value=7, max_value=39))
def test_an_abbreviated_sha_expands_to_its_commit_as_git_does(tmp_path: Path, length: int) -> None:
    work = Repository(tmp_path / "work") if (tmp_path / "work").exists() else _work_tree(tmp_path)
    sha = work.resolve("refs/heads/main")
    assert sha is not None
    assert work.expand_sha(sha[:length]) == sha
    assert git("rev-parse", sha[:length], cwd=work.path).strip() == sha


def _objects_stored(repository: Repository) -> int:
    counts = dict(
        line.split(": ")
        for line in git("count-objects", "-v", cwd=repository.path).splitlines()
    )
    return int(counts["count"]) + int(counts["in-pack"])


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    files=st.dictionaries(
        st.sampled_from(["a.txt", "d/b.txt", "d/e/c.txt", "f.txt"]),
        st.binary(max_size=20),
        min_size=1,
    ),
    changed=st.sampled_from(["a.txt", "d/b.txt", "d/e/c.txt", "new/x.txt"]),
)
def test_a_commit_from_memory_is_the_tree_git_reads_and_stores_only_new_objects(
    tmp_path_factory: pytest.TempPathFactory, files: dict[str, bytes], changed: str
) -> None:
    bare = Repository.init_bare(tmp_path_factory.mktemp("r") / "repo.git")
    first = bare.commit_files(files, message="first", author=AUTHOR, parent=None)
    assert first is not None
    assert bare.read_folder(first, "") == {p: (data, 0o100644) for p, data in files.items()}
    assert git("fsck", "--strict", "--no-dangling", cwd=bare.path) == ""
    assert bare.commit_files(files, message="again", author=AUTHOR, parent=first) is None
    before = _objects_stored(bare)
    second = bare.commit_files({**files, changed: b"changed!"}, message="second",
                               author=AUTHOR, parent=first)
    assert second is not None
    assert git("rev-parse", f"{second}^", cwd=bare.path).strip() == first
    # at most: the blob, the folders on its path (at most three) and the commit
    assert _objects_stored(bare) - before <= 5


def test_a_pack_lists_equal_files_once_and_is_the_one_git_index_pack_would_accept(
    tmp_path: Path,
) -> None:
    bare = Repository.init_bare(tmp_path / "repo.git")
    packs = bare.git_dir / "objects" / "pack"
    files = {"a.txt": b"same\n", "b/a.txt": b"same\n", "c.txt": b"other\n"}
    sha = bare.commit_files(files, message="first", author=AUTHOR, parent=None)
    assert sha is not None
    (pack,) = packs.glob("*.pack")
    (index,) = packs.glob("*.idx")
    # named by the pack's checksum, read-only, no temporary file left beside them
    assert pack.stem == index.stem == f"pack-{pack.read_bytes()[-20:].hex()}"
    assert sorted(p.name for p in packs.iterdir()) == [index.name, pack.name]
    assert {pack.stat().st_mode & 0o777, index.stat().st_mode & 0o777} == {0o444}
    # compressed as git compresses new objects (level 1: a zlib header of 78 01)
    first_entry = pack.read_bytes()[12:]
    header_length = next(i for i, byte in enumerate(first_entry) if not byte & 0x80) + 1
    assert first_entry[header_length:header_length + 2] == b"\x78\x01"
    # two blobs (one for the two equal files), two trees and the commit, as git counts
    verified = git("verify-pack", "-v", str(index))
    assert "non delta: 5 objects" in verified
    assert git("fsck", "--strict", "--no-dangling", cwd=bare.path) == ""
    assert bare.read_folder(sha, "") == {path: (data, 0o100644) for path, data in files.items()}


def test_a_second_root_commit_packs_only_what_the_repository_lacks(tmp_path: Path) -> None:
    bare = Repository.init_bare(tmp_path / "repo.git")
    packs = bare.git_dir / "objects" / "pack"
    bare.commit_files({"shared.txt": b"shared\n"}, message="first", author=AUTHOR, parent=None)
    (first,) = packs.glob("*.idx")
    orphan = bare.commit_files({"shared.txt": b"shared\n", "new.txt": b"new\n"},
                               message="orphan", author=AUTHOR, parent=None)
    assert orphan is not None
    (second,) = set(packs.glob("*.idx")) - {first}
    # the new blob, the new root tree and the commit; the shared blob is not packed again
    assert "non delta: 3 objects" in git("verify-pack", "-v", str(second))
    assert git("fsck", "--strict", "--no-dangling", cwd=bare.path) == ""


def test_a_pack_that_fails_half_written_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from goldpath.providers.git import _objects

    bare = Repository.init_bare(tmp_path / "repo.git")
    packs = bare.git_dir / "objects" / "pack"

    def index_fails(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(_objects, "write_pack_index_v2", index_fails)
    with pytest.raises(OSError, match="disk full"):
        bare.commit_files({"a.txt": b"a\n"}, message="first", author=AUTHOR, parent=None)
    assert list(packs.iterdir()) == []


def test_a_first_commit_is_one_pack_a_small_one_adds_none_and_a_big_one_adds_one(
    tmp_path: Path,
) -> None:
    from goldpath.providers.git._objects import UNPACK_LIMIT

    bare = Repository.init_bare(tmp_path / "repo.git")
    objects = bare.git_dir / "objects"
    packs = objects / "pack"

    def pack_count() -> int:
        return len(list(packs.glob("*.pack"))) if packs.is_dir() else 0

    def loose_count() -> int:
        return sum(1 for p in objects.glob("[0-9a-f][0-9a-f]/*"))

    # a new repository's first commit: one pack, as a clone leaves it, no loose object
    parent = bare.commit_files({f"f{i}.txt": f"{i}".encode() for i in range(30)},
                               message="first", author=AUTHOR, parent=None)
    assert (pack_count(), loose_count()) == (1, 0)
    for round_ in range(5):
        parent = bare.commit_files({"app.txt": f"v{round_}".encode(), "keep.txt": b"k"},
                                   message=f"r{round_}", author=AUTHOR, parent=parent)
    assert pack_count() == 1 and loose_count() > 0
    many = {f"g{i}.txt": f"g{i}".encode() for i in range(UNPACK_LIMIT)}
    sha = bare.commit_files(many, message="big", author=AUTHOR, parent=parent)
    assert pack_count() == 2
    assert sha is not None and bare.read_folder(sha, "") == {
        path: (data, 0o100644) for path, data in many.items()}
    assert git("fsck", "--strict", "--no-dangling", cwd=bare.path) == ""


def test_a_ref_moves_only_from_what_it_was_and_never_past_a_held_lock(tmp_path: Path) -> None:
    bare = Repository.init_bare(tmp_path / "repo.git")
    first = bare.commit_files({"a": b"1"}, message="one", author=AUTHOR, parent=None)
    second = bare.commit_files({"a": b"2"}, message="two", author=AUTHOR, parent=first)
    assert first is not None and second is not None
    ref = "refs/heads/main"
    assert bare.update_branch(ref, first, expected=None)
    assert not bare.update_branch(ref, second, expected=None)  # exists already
    assert not bare.update_branch(ref, second, expected=second)  # not what it is
    lock = bare.git_dir / "refs" / "heads" / "main.lock"
    lock.write_text("")  # another writer (git itself) holds the lock
    assert not bare.update_branch(ref, second, expected=first)
    assert lock.read_text() == ""  # the other writer's lock is left to it
    lock.unlink()
    assert bare.update_branch(ref, second, expected=first)
    assert git("rev-parse", ref, cwd=bare.path).strip() == second
    assert not lock.exists()
    # a packed ref is what the ref is until a loose one is written over it
    git("pack-refs", "--all", cwd=bare.path)
    assert not (bare.git_dir / ref).exists()
    assert not bare.update_branch(ref, first, expected=first)
    assert bare.update_branch(ref, first, expected=second)
    assert git("rev-parse", ref, cwd=bare.path).strip() == first
    # nested under a ref, or not a ref name git takes: refused, nothing written
    with pytest.raises(NotADirectoryError):
        bare.update_branch("refs/heads/main/sub", first, expected=None)
    for bad in ("refs/heads/a..b", "heads/main", "refs/heads/x.lock", "refs/heads/ sp"):
        with pytest.raises(ValueError, match="not a ref name"):
            bare.update_branch(bad, first, expected=None)
    assert git("fsck", "--strict", "--no-dangling", cwd=bare.path) == ""


_REF_PART = st.sampled_from(["main", "dev", "feature", "x", "release-1.2"])


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    names=st.lists(
        st.lists(_REF_PART, min_size=1, max_size=2).map(lambda p: "refs/heads/" + "/".join(p)),
        min_size=1, max_size=4, unique=True,
    ),
    packed_first=st.booleans(),
    moved=st.integers(min_value=0, max_value=3),
)
def test_resolving_one_ref_reads_what_git_and_the_full_listing_read(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], packed_first: bool, moved: int
) -> None:
    """`resolve` reads the ref's own file, then packed-refs: loose wins, as git ranks them."""
    bare = Repository.init_bare(tmp_path_factory.mktemp("refs") / "repo.git")
    first = bare.commit_files({"a.txt": b"a"}, message="one", author=AUTHOR, parent=None)
    second = bare.commit_files({"a.txt": b"b"}, message="two", author=AUTHOR, parent=first)
    assert first is not None and second is not None
    made: list[str] = []
    for name in names:
        # "refs/heads/x" and "refs/heads/x/y" cannot both exist (a file and a folder)
        if any(name.startswith(m + "/") or m.startswith(name + "/") for m in made):
            continue
        git("update-ref", name, first, cwd=bare.path)
        made.append(name)
    if packed_first:
        git("pack-refs", "--all", cwd=bare.path)
    for name in made[:moved]:
        git("update-ref", name, second, cwd=bare.path)  # loose again, over the packed one
    listing = bare.refs()
    asked = [*names, "refs/heads", "refs/heads/nope", "HEAD", "refs/heads/../HEAD",
             "refs/heads/main.lock", "refs//heads/main", "refs/heads/main/"]
    for name in asked:
        expected = subprocess.run(
            ["git", "rev-parse", "--verify", "-q", name], cwd=bare.path, env=clean_git_env(),
            capture_output=True, text=True, check=False,
        ).stdout.strip()
        if not name.startswith("refs/") or ".." in name or "//" in name or name.endswith("/"):
            expected = ""  # git normalises these; a ref lookup does not
        assert bare.resolve(name) == listing.get(name) == (expected or None), name
