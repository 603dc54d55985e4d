"""Git repositories read and written in-process (dulwich): no git process on a Create.

Creating a bare repository, committing a directory into it, moving a branch with a
compare-and-swap and reading a file back are each a few milliseconds of process start-up
with the git CLI; a Create does all four. Here they run inside the portal, writing the
same on-disk format git reads (a pack and its index, loose refs), so ``git clone``,
``git http-backend`` and every other git tool see ordinary repositories.

The git CLI stays for everything that talks to a remote (clone, fetch, push).
"""

from __future__ import annotations

import os
import re
import stat
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from dulwich.config import ConfigFile
from dulwich.errors import NotCommitError, NotTreeError
from dulwich.file import FileLocked
from dulwich.ignore import IgnoreFilterManager
from dulwich.index import build_index_from_tree
from dulwich.object_format import ObjectFormat
from dulwich.objects import Blob, Commit, ObjectID, ShaFile, Tree
from dulwich.pack import write_pack_index_v2, write_pack_objects
from dulwich.refs import Ref, check_ref_format
from dulwich.repo import Repo

from goldpath.memo import Memo
from goldpath.providers.git._cli import GitAuthor
from goldpath.providers.git.errors import GitPathNotFoundError

__all__ = [
    "FILE_MODE",
    "EXECUTABLE_MODE",
    "SYMLINK_MODE",
    "commit_changes",
    "commit_directory",
    "commit_folder",
    "commit_tree",
    "delete_ref",
    "init_bare",
    "list_paths",
    "log",
    "read_blob",
    "read_config_value",
    "read_folder",
    "reset_index",
    "packed_refs",
    "update_branch",
]

FILE_MODE = 0o100644
EXECUTABLE_MODE = 0o100755
SYMLINK_MODE = 0o120000
_TREE_MODE = 0o040000
_SUBMODULE_MODE = 0o160000
_FULL_SHA_LENGTH = 40


def init_bare(path: Path, *, default_branch: str, config: dict[str, dict[str, str]]) -> None:
    """A new bare repository in ``path`` (a new or empty folder) on ``default_branch``.

    The layout ``git init --bare`` makes, less its sample hooks. ``config`` is extra
    ``[section] key = value`` entries for the repository's config. Nothing is synced to
    disk: callers build the repository aside and rename it into place.
    """
    path.mkdir(exist_ok=True)
    for folder in ("objects/info", "objects/pack", "refs/heads", "refs/tags", "info"):
        (path / folder).mkdir(parents=True)
    (path / "HEAD").write_text(f"ref: refs/heads/{default_branch}\n", encoding="utf-8")
    repo_config = ConfigFile()
    for key, value in (("repositoryformatversion", "0"), ("filemode", "true"), ("bare", "true")):
        repo_config.set((b"core",), key.encode(), value.encode())
    for section, values in config.items():
        for key, value in values.items():
            repo_config.set((section.encode(),), key.encode(), value.encode())
    with (path / "config").open("wb") as config_file:
        repo_config.write_to_file(config_file)


def read_config_value(git_dir: Path, section: str, key: str) -> str | None:
    """One value of the repository's own config file, or None."""
    try:
        config = ConfigFile.from_path(str(git_dir / "config"))
        return config.get((section.encode(),), key.encode()).decode()
    except (OSError, KeyError):
        return None


def _mode_of(info: os.stat_result) -> int:
    # git records only "executable by its owner" for a regular file
    return EXECUTABLE_MODE if info.st_mode & stat.S_IXUSR else FILE_MODE


def _walk(source_dir: Path) -> Iterator[tuple[str, int, bytes]]:
    """``(relative path, mode, contents)`` of every file ``git add --all`` would add."""
    ignores = IgnoreFilterManager(str(source_dir), [], False)
    for folder, subfolders, files in os.walk(source_dir):
        here = Path(folder)
        relative = here.relative_to(source_dir).as_posix()
        prefix = "" if relative == "." else f"{relative}/"
        kept = []
        for name in sorted(subfolders):
            if name == ".git":
                continue
            if (here / name).is_symlink():
                files.append(name)  # a link to a directory is committed as a link
            elif not ignores.may_prune_directory(f"{prefix}{name}/"):
                kept.append(name)
        subfolders[:] = kept
        for name in sorted(files):
            path = f"{prefix}{name}"
            if ignores.is_ignored(path):
                continue
            full = here / name
            info = full.lstat()
            if stat.S_ISLNK(info.st_mode):
                yield path, SYMLINK_MODE, os.fsencode(os.readlink(full))
            elif stat.S_ISREG(info.st_mode):
                yield path, _mode_of(info), full.read_bytes()


def _tree_objects(entries: list[tuple[str, int, bytes]]) -> tuple[Tree, list[ShaFile]]:
    """The root tree of ``entries`` and every blob and tree it needs."""
    objects: list[ShaFile] = []
    folders: dict[str, Tree] = {"": Tree()}
    for path, mode, data in entries:
        blob = Blob.from_string(data)
        objects.append(blob)
        parent, _, name = path.rpartition("/")
        folders.setdefault(parent, Tree()).add(name.encode(), mode, blob.id)
        while parent:  # every ancestor folder exists, even when it holds only folders
            folders.setdefault(parent, Tree())
            parent = parent.rpartition("/")[0]
    # deepest first, so a folder's tree is complete before its parent records its id
    for folder in sorted(folders, key=lambda f: f.count("/") + (1 if f else 0), reverse=True):
        if not folder:
            continue
        tree = folders[folder]
        parent, _, name = folder.rpartition("/")
        folders[parent].add(name.encode(), _TREE_MODE, tree.id)
        objects.append(tree)
    objects.append(folders[""])
    return folders[""], objects


def _timezone_offset() -> int:
    offset = datetime.now().astimezone().utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _build_commit(
    source_dir: Path, *, message: str, author: GitAuthor, parent: str | None
) -> tuple[Commit, list[ShaFile]]:
    return _commit_of(list(_walk(source_dir.absolute())), message=message, author=author,
                      parent=parent)


def _commit_of(
    entries: list[tuple[str, int, bytes]], *, message: str, author: GitAuthor, parent: str | None
) -> tuple[Commit, list[ShaFile]]:
    root, objects = _tree_objects(entries)
    commit = _new_commit(root.id, parents=[parent] if parent else [], message=message,
                         author=author)
    objects.append(commit)
    return commit, objects


def _new_commit(tree: ObjectID, *, parents: list[str], message: str, author: GitAuthor) -> Commit:
    identity = f"{author.name} <{author.email}>".encode()
    commit = Commit()
    commit.tree = tree
    commit.parents = [ObjectID(p.encode()) for p in parents]
    commit.author = commit.committer = identity
    commit.author_time = commit.commit_time = int(time.time())
    commit.author_timezone = commit.commit_timezone = _timezone_offset()
    commit.encoding = b"UTF-8"
    commit.message = message.encode("utf-8") if message.endswith("\n") else f"{message}\n".encode()
    return commit


def commit_tree(
    git_dir: Path, tree: str, *, parents: list[str], message: str, author: GitAuthor
) -> str:
    """Write a commit of an existing ``tree`` with ``parents`` into ``git_dir``; no ref moves."""
    commit = _new_commit(ObjectID(tree.encode()), parents=parents, message=message, author=author)
    repo = Repo(str(git_dir))
    try:
        repo.object_store.add_object(commit)
    finally:
        repo.close()
    return commit.id.decode()


def commit_directory(
    source_dir: Path,
    *,
    git_dir: Path,
    message: str,
    author: GitAuthor,
    parent: str | None,
) -> str:
    """Commit every file of ``source_dir`` into ``git_dir``, as ``git add --all`` would.

    ``.gitignore`` files (at any depth) are honoured, file modes (executable, symlink)
    kept, empty folders and nested ``.git`` folders left out. No ref moves. Returns the
    new commit's sha.
    """
    commit, objects = _build_commit(source_dir, message=message, author=author, parent=parent)
    repo = Repo(str(git_dir))
    try:
        _add_missing(repo, objects, root=parent is None)
    finally:
        repo.close()
    return commit.id.decode()


def commit_changes(
    source_dir: Path,
    *,
    git_dir: Path,
    message: str,
    author: GitAuthor,
    parent: str | None,
) -> str | None:
    """`commit_directory`, or None (nothing written) when the files equal ``parent``'s."""
    commit, objects = _build_commit(source_dir, message=message, author=author, parent=parent)
    return _store_unless_unchanged(git_dir, commit, objects, parent)


def _store_unless_unchanged(
    git_dir: Path, commit: Commit, objects: list[ShaFile], parent: str | None
) -> str | None:
    repo = Repo(str(git_dir))
    try:
        if parent is not None:
            previous = repo[ObjectID(parent.encode())]
            if isinstance(previous, Commit) and previous.tree == commit.tree:
                return None
        _add_missing(repo, objects, root=parent is None)
    finally:
        repo.close()
    return commit.id.decode()


UNPACK_LIMIT = 100
"""Fewer new objects than this are stored loose, more go into one pack: git's own
``receive.unpackLimit``. A pack per commit would leave a repository changed a thousand
times with a thousand packs, each of which every object lookup opens. A root commit (a
new repository's first) always goes into one pack, as a clone leaves a repository: two
files instead of a file, and often a folder, per object. Making files is what costs: a
Create's two new repositories held about 75 loose objects, 30 ms of CPU on a test VM;
as two packs, 2 ms (docs/performance.md)."""


PACK_COMPRESSION = 1
"""zlib level of the packs goldpath writes: git's own for new objects (its
``core.looseCompression`` defaults to 1, best speed), which is what ``git add`` spends
on the same files; ``git gc`` recompresses at its level when it repacks."""


def _add_missing(repo: Repo, objects: list[ShaFile], *, root: bool) -> None:
    # Only what the store lacks: a commit on top of a parent shares most of its files and
    # folders with it, and writing them again would grow the repository by a whole copy
    # of the tree at every commit.
    store = repo.object_store
    # by id: two equal files are one blob, and a pack lists each object once; a store
    # that holds nothing yet (a new repository) lacks every one of them
    empty = root and _holds_nothing(Path(store.path))
    missing = list({obj.id: obj for obj in objects if empty or obj.id not in store}.values())
    if not missing:
        return
    if root or len(missing) >= UNPACK_LIMIT:
        _write_pack(Path(store.pack_dir), missing, object_format=store.object_format)
    else:
        for obj in missing:
            store.add_object(obj)


def _holds_nothing(objects_dir: Path) -> bool:
    """Whether an object folder has no object: no loose-object folder, no pack, no
    alternates (two folder listings, where asking for each object costs two lookups)."""
    with os.scandir(objects_dir) as entries:
        for entry in entries:
            if entry.name == "pack":
                if any(name.endswith(".pack") for name in os.listdir(entry.path)):
                    return False
            elif entry.name == "info":
                if os.path.exists(os.path.join(entry.path, "alternates")):
                    return False
            else:
                return False  # a loose-object folder, or anything git would not leave here
    return True


def _write_pack(pack_dir: Path, objects: list[ShaFile], *, object_format: ObjectFormat) -> None:
    """``objects`` as one pack and its index in ``pack_dir``, in git's layout and names.

    Both are written under temporary names (``tmp_pack_*``/``tmp_idx_*``, which ``git gc``
    clears if a crash leaves them), read-only as git makes them; the pack is renamed into
    place first and the index last, because git and dulwich only open a pack whose index
    is there. Nothing is read back: the index is built from the offsets and checksums
    noted while writing (dulwich's own ``add_objects`` reads the new pack again).
    """
    pack_dir.mkdir(parents=True, exist_ok=True)
    token = uuid.uuid4().hex
    pack_temp = pack_dir / f"tmp_pack_{token}"
    index_temp = pack_dir / f"tmp_idx_{token}"
    try:
        with _new_read_only(pack_temp) as out:
            offsets, checksum = write_pack_objects(
                out, objects, object_format, compression_level=PACK_COMPRESSION
            )
        entries = sorted((sha, offset, crc) for sha, (offset, crc) in offsets.items())
        with _new_read_only(index_temp) as out:
            write_pack_index_v2(out, entries, checksum)
        name = f"pack-{checksum.hex()}"
        os.rename(pack_temp, pack_dir / f"{name}.pack")
        os.rename(index_temp, pack_dir / f"{name}.idx")
    except BaseException:
        pack_temp.unlink(missing_ok=True)
        index_temp.unlink(missing_ok=True)
        raise


def _new_read_only(path: Path) -> BinaryIO:
    """A new file at ``path`` (never an existing one), open for writing, mode 0444."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o444), "wb")


def commit_files(
    files: Mapping[str, bytes | tuple[bytes, int]],
    *,
    git_dir: Path,
    message: str,
    author: GitAuthor,
    parent: str | None,
) -> str | None:
    """Commit ``files`` (path -> bytes of a regular file, or (bytes, git mode)) as the
    whole tree, from memory; None (nothing written) when they equal ``parent``'s. No ref
    moves."""
    entries = [
        (path, FILE_MODE, value) if isinstance(value, bytes) else (path, value[1], value[0])
        for path, value in sorted(files.items())
    ]
    commit, objects = _commit_of(entries, message=message, author=author, parent=parent)
    return _store_unless_unchanged(git_dir, commit, objects, parent)


def commit_folder(
    files: Mapping[str, bytes | tuple[bytes, int]],
    *,
    git_dir: Path,
    folder: str,
    message: str,
    author: GitAuthor,
    parent: str | None,
) -> str | None:
    """Commit ``parent``'s tree with ``folder`` replaced by ``files`` (paths relative to
    it; none takes the folder out); None (nothing written) when that is ``parent``'s tree.
    No ref moves.

    Only the folder's objects and the trees on its way to the root are built: the cost of
    adding an app to a platform repo of a thousand apps is that of adding one.
    """
    parts = [part for part in folder.strip("/").split("/") if part]
    if not parts:
        raise GitPathNotFoundError("commit_folder needs a folder below the root")
    entries = [
        (path, FILE_MODE, value) if isinstance(value, bytes) else (path, value[1], value[0])
        for path, value in sorted(files.items())
    ]
    objects: list[ShaFile] = []
    replacement: Tree | None = None
    if entries:
        replacement, objects = _tree_objects(entries)
    repo = Repo(str(git_dir))
    try:
        root = _tree_at(repo, parent) if parent is not None else None
        spliced = _spliced(repo, root, parts, replacement, objects) or Tree()
        if root is not None and spliced.id == root.id:
            return None
        objects.append(spliced)
        commit = _new_commit(spliced.id, parents=[parent] if parent else [], message=message,
                             author=author)
        objects.append(commit)
        _add_missing(repo, objects, root=parent is None)
        return commit.id.decode()
    finally:
        repo.close()


def _spliced(
    repo: Repo, tree: Tree | None, parts: list[str], replacement: Tree | None,
    objects: list[ShaFile],
) -> Tree | None:
    """``tree`` with the folder at ``parts`` replaced (None: taken out); new trees on the
    way are added to ``objects``. None when the result is empty (git keeps no empty
    folder)."""
    copy = Tree()
    if tree is not None:
        for entry in tree.iteritems():
            copy.add(entry.path, entry.mode, entry.sha)
    name = parts[0].encode()
    child: Tree | None
    if len(parts) == 1:
        child = replacement
    else:
        below: Tree | None = None
        if name in copy:
            mode, sha = copy[name]
            if stat.S_ISDIR(mode):
                found = repo[sha]
                assert isinstance(found, Tree)
                below = found
        child = _spliced(repo, below, parts[1:], replacement, objects)
        if child is not None:
            objects.append(child)
    if child is None or not len(child):
        if name in copy:
            del copy[name]
    else:
        copy[name] = (_TREE_MODE, child.id)
    return copy if len(copy) else None


def reset_index(work_tree: Path, git_dir: Path, commit_sha: str) -> None:
    """Rewrite the index (and the tracked files) of ``work_tree`` from a commit's tree."""
    repo = Repo(str(git_dir))
    try:
        commit = repo[ObjectID(commit_sha.encode())]
        assert isinstance(commit, Commit)
        index_path = git_dir / "index"
        index_path.unlink(missing_ok=True)
        build_index_from_tree(str(work_tree), str(index_path), repo.object_store, commit.tree)
    finally:
        repo.close()


_SHA = re.compile(r"[0-9a-f]{40}")


def update_branch(git_dir: Path, ref: str, new: str, *, expected: str | None) -> bool:
    """Point ``ref`` at ``new`` if it still points at ``expected`` (None: must not exist).

    Git's own lock-file protocol (``<ref>.lock``, created exclusively, read again under
    the lock, renamed over the ref), so git and goldpath writers exclude each other.
    False when another writer moved the ref first or holds its lock. Like git with its
    default ``core.fsync`` (which flushes packs, not references), the ref file is not
    flushed to disk: dulwich's writer flushed every one, three per Create, 6.5 ms.
    """
    name = ref.encode()
    if not name.startswith(b"refs/") or not check_ref_format(Ref(name)):
        raise ValueError(f"{ref!r} is not a ref name git accepts")
    path = git_dir / ref
    packed = packed_refs(git_dir)
    folder = ref.rpartition("/")[0]
    while folder != "refs":  # a folder on the way may not be a ref of its own
        if folder in packed:
            raise NotADirectoryError(f"{folder} is a ref, so {ref} cannot be one")
        folder = folder.rpartition("/")[0]
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except FileExistsError:
        return False  # a writer holds the ref's lock right now
    try:
        try:  # read again under the lock: loose wins over packed, as git reads it
            current: str | None = path.read_text(encoding="ascii").strip()
        except FileNotFoundError:
            current = packed_refs(git_dir).get(ref)
        if current != expected:
            os.close(fd)
            lock.unlink()
            return False
        os.write(fd, f"{new}\n".encode())
        os.close(fd)
        fd = -1
        os.replace(lock, path)
        return True
    except BaseException:
        if fd >= 0:
            os.close(fd)
        lock.unlink(missing_ok=True)
        raise


def packed_refs(git_dir: Path) -> dict[str, str]:
    """``packed-refs`` as full name -> sha (the header and peeled tags left out)."""
    refs: dict[str, str] = {}
    try:
        text = (git_dir / "packed-refs").read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return refs
    for line in text.splitlines():
        if not line or line[0] in "#^":
            continue  # header, or the peeled object of the tag above
        sha, _, name = line.partition(" ")
        if _SHA.fullmatch(sha) and name.startswith("refs/"):
            refs[name] = sha
    return refs


def delete_ref(git_dir: Path, ref: str, *, expected: str) -> bool:
    """Remove ``ref`` if it still points at ``expected`` (git's lock files)."""
    repo = Repo(str(git_dir))
    try:
        return bool(repo.refs.remove_if_equals(Ref(ref.encode()), ObjectID(expected.encode())))
    except FileLocked:
        return False
    finally:
        repo.close()


def _tree_at(repo: Repo, rev: str) -> Tree:
    """The root tree of a full ref name or a full commit sha."""
    if not rev.startswith("refs/") and len(rev) != _FULL_SHA_LENGTH:
        raise GitPathNotFoundError(f"{rev!r} is neither a ref nor a full commit sha")
    try:
        target = repo.refs[Ref(rev.encode())] if rev.startswith("refs/") else rev.encode()
        commit = repo[target]
    except KeyError as exc:
        raise GitPathNotFoundError(f"no commit {rev!r}") from exc
    if not isinstance(commit, Commit):
        raise GitPathNotFoundError(f"{rev!r} is not a commit")
    tree = repo[commit.tree]
    assert isinstance(tree, Tree)
    return tree


def _object_at(repo: Repo, rev: str, path: str) -> ShaFile:
    """The blob or tree at ``path`` ("" for the root) of ``rev``; GitPathNotFoundError
    when there is none."""
    tree = _tree_at(repo, rev)
    if not path:
        return tree
    try:
        _mode, sha = tree.lookup_path(repo.object_store.__getitem__, path.encode())
    except (KeyError, NotTreeError, NotCommitError) as exc:
        raise GitPathNotFoundError(f"{path} at {rev} does not exist") from exc
    return repo[sha]


def read_blob(git_dir: Path, rev: str, path: str) -> bytes:
    """The bytes of ``path`` at ``rev`` (a full ref name or a full commit sha).

    GitPathNotFoundError when there is no such file, or ``path`` names a folder.
    """
    repo = Repo(str(git_dir))
    try:
        found = _object_at(repo, rev, path)
        if not isinstance(found, Blob):
            raise GitPathNotFoundError(f"{path} at {rev} is not a file")
        return bytes(found.data)
    finally:
        repo.close()


_TreeItems = tuple[tuple[bytes, int, ObjectID], ...]

_trees: Memo[ObjectID, _TreeItems] = Memo(8192)
_blobs: Memo[ObjectID, bytes] = Memo(16384, weight=len, budget=32 * 1024 * 1024)
"""Trees and blobs read before, by sha (which names their content, so a remembered one is
right in every repository). The platform GitOps repo is read whole at every enrolment
and all but one app's folder is what the last read saw: at a thousand apps, reading
its 3,000 files from the pack again was half of an enrolment."""
_BLOB_MEMO_LIMIT = 64 * 1024
"""Blobs larger than this are read every time rather than held in memory; the ones held
weigh 32 MiB at most together."""


def _tree_items(repo: Repo, sha: ObjectID) -> _TreeItems:
    def read() -> _TreeItems:
        tree = repo[sha]
        assert isinstance(tree, Tree)
        return tuple((entry.path, entry.mode, entry.sha) for entry in tree.iteritems())

    return _trees.get(sha, read)


def _blob_data(repo: Repo, sha: ObjectID) -> bytes:
    def read() -> bytes:
        blob = repo[sha]
        assert isinstance(blob, Blob)
        return bytes(blob.data)

    return _blobs.get(sha, read, keep=lambda data: len(data) <= _BLOB_MEMO_LIMIT)


def _entries(repo: Repo, tree: Tree) -> Iterator[tuple[str, int, ObjectID]]:
    """``(path, mode, sha)`` of every file under ``tree``; submodules are left out."""
    pending: list[tuple[str, _TreeItems]] = [
        ("", tuple((entry.path, entry.mode, entry.sha) for entry in tree.iteritems()))
    ]
    while pending:
        prefix, items = pending.pop()
        for path, mode, sha in items:
            name = f"{prefix}{path.decode('utf-8', 'replace')}"
            if stat.S_ISDIR(mode):
                pending.append((f"{name}/", _tree_items(repo, sha)))
            elif mode != _SUBMODULE_MODE:
                yield name, mode, sha


def list_paths(git_dir: Path, rev: str) -> list[str]:
    """Every file path at ``rev`` (a full ref name or a full commit sha), sorted."""
    repo = Repo(str(git_dir))
    try:
        return sorted(path for path, _mode, _sha in _entries(repo, _tree_at(repo, rev)))
    finally:
        repo.close()


def read_folder(git_dir: Path, rev: str, folder: str) -> dict[str, tuple[bytes, int]]:
    """Every file under ``folder`` ("" for the root) at ``rev``: relative path -> (bytes, mode).

    ``rev`` is a full ref name or a full commit sha. Symlinks come back with their mode
    (``SYMLINK_MODE``) and their target as the bytes; submodules are left out.
    GitPathNotFoundError when ``folder`` does not exist or is a file.
    """
    repo = Repo(str(git_dir))
    try:
        tree = _object_at(repo, rev, folder)
        if not isinstance(tree, Tree):
            raise GitPathNotFoundError(f"{folder} at {rev} is a file, not a folder")
        files: dict[str, tuple[bytes, int]] = {}
        for path, mode, sha in _entries(repo, tree):
            files[path] = (_blob_data(repo, sha), mode)
        return files
    finally:
        repo.close()


def log(git_dir: Path, rev: str, limit: int) -> list[tuple[str, str, int, str]]:
    """The newest ``limit`` commits reachable from ``rev`` (a full ref name or commit sha):
    ``(sha, author, commit time, first line of the message)``, newest first."""
    repo = Repo(str(git_dir))
    try:
        try:
            start = repo.refs[Ref(rev.encode())] if rev.startswith("refs/") else rev.encode()
            repo[start]
        except KeyError as exc:
            raise GitPathNotFoundError(f"no commit {rev!r}") from exc
        found = []
        for entry in repo.get_walker(include=[ObjectID(start)], max_entries=limit):
            commit = entry.commit
            message = commit.message.decode("utf-8", "replace").strip().splitlines()
            found.append(
                (
                    commit.id.decode("ascii"),
                    commit.author.decode("utf-8", "replace"),
                    int(commit.commit_time),
                    message[0] if message else "",
                )
            )
        return found
    finally:
        repo.close()
