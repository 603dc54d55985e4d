"""`Repository`: goldpath's one way into a git repository, local or remote.

Objects and refs are read and written in-process (dulwich, ``_objects``): creating a
repository, committing a folder, moving a branch with a compare-and-swap, reading files
back. The git CLI runs only for transport (clone, fetch, ls-remote, push; and
``git http-backend`` in ``_smart_http``), through `run_git`, which keeps secrets out of
argv and errors and raises the one git error, `GitCommandError`.

Scaffolder publishing (the hosts in this package), GitOps (``gitops/_repo.py``) and the
platform commands all go through here.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from goldpath.providers.git._cli import GitAuthor, run_git

__all__ = ["Repository"]

_SHA = re.compile(r"^[0-9a-f]{7,40}$")


class Repository:
    """A repository on disk: bare (``path`` is the git dir) or a working tree."""

    def __init__(self, path: Path) -> None:
        self.path = path.absolute()
        dot_git = self.path / ".git"
        if dot_git.is_file():  # a linked worktree or submodule: "gitdir: <path>"
            pointer = dot_git.read_text(encoding="utf-8").strip().removeprefix("gitdir:")
            dot_git = (self.path / pointer.strip()).resolve()
        self.git_dir = dot_git if dot_git.is_dir() else self.path

    def __repr__(self) -> str:
        return f"Repository({str(self.path)!r})"

    @property
    def is_bare(self) -> bool:
        """True when there is no working tree."""
        return self.git_dir == self.path

    # -- making one -------------------------------------------------------------------------

    @classmethod
    def init_bare(
        cls,
        path: Path,
        *,
        default_branch: str = "main",
        config: Mapping[str, Mapping[str, str]] | None = None,
    ) -> Repository:
        """A new bare repository in ``path`` (new or empty), made in-process."""
        from goldpath.providers.git import _objects

        _objects.init_bare(
            path,
            default_branch=default_branch,
            config={section: dict(values) for section, values in (config or {}).items()},
        )
        return cls(path)

    @classmethod
    def clone(
        cls,
        source: str | Path,
        into: Path,
        *,
        branch: str | None = None,
        depth: int | None = None,
        config: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
    ) -> Repository:
        """``git clone`` (transport) of a URL or a local repository into ``into``."""
        args: list[str | os.PathLike[str]] = ["clone", "--quiet"]
        if depth is not None:
            args += ["--depth", str(depth), "--single-branch"]
        if branch is not None:
            args += ["--branch", branch]
        run_git([*args, "--", str(source), into], config=config, secrets=secrets)
        return cls(into)

    # -- refs ---------------------------------------------------------------------------------

    def refs(self) -> dict[str, str]:
        """Every ref (full name -> sha), read from the files: loose refs win over packed."""
        refs = self._packed_refs()
        for folder, _subfolders, files in os.walk(self.git_dir / "refs"):
            for file_name in files:
                if file_name.endswith(".lock"):
                    continue  # a ref being updated right now; the ref itself is beside it
                loose = Path(folder) / file_name
                try:
                    sha = loose.read_text(encoding="utf-8").strip()
                except OSError:
                    continue  # removed while we looked: a concurrent update
                if _SHA.match(sha):
                    refs[loose.relative_to(self.git_dir).as_posix()] = sha
        return refs

    def _packed_refs(self) -> dict[str, str]:
        from goldpath.providers.git import _objects

        return _objects.packed_refs(self.git_dir)

    def resolve(self, ref: str) -> str | None:
        """The sha a full ref name (``refs/heads/main``) points at, or None.

        The ref's own file first, as `refs` ranks them (loose over packed), so a lookup
        costs one read rather than a walk of every ref. A name that could leave ``refs/``
        (``..``, an empty or hidden segment) or that names a lock file names no ref.
        """
        segments = ref.split("/")
        if (
            len(segments) < 2
            or segments[0] != "refs"
            or "\0" in ref
            or any(not s or s.startswith(".") or s.endswith(".lock") for s in segments)
        ):
            return None
        try:
            sha = (self.git_dir / ref).read_text(encoding="utf-8").strip()
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
            return self._packed_refs().get(ref)
        except OSError:
            return self.refs().get(ref)
        return sha if _SHA.match(sha) else self._packed_refs().get(ref)

    def head_branch(self) -> str:
        """The branch HEAD names (``main`` for a detached or unreadable HEAD)."""
        head = (self.git_dir / "HEAD").read_text(encoding="utf-8").strip()
        return head.removeprefix("ref: refs/heads/") if head.startswith("ref: ") else "main"

    def expand_sha(self, prefix: str) -> str | None:
        """The one commit an abbreviated sha names, or None (unknown or ambiguous)."""
        from dulwich.objects import Commit
        from dulwich.repo import Repo

        if not _SHA.match(prefix):
            return None
        repo = Repo(str(self.git_dir))
        try:
            found = {sha for sha in repo.object_store.iter_prefix(prefix.encode())}
            commits = [sha for sha in found if isinstance(repo[sha], Commit)]
            return commits[0].decode() if len(commits) == 1 else None
        finally:
            repo.close()

    def update_branch(self, ref: str, new: str, *, expected: str | None) -> bool:
        """Point ``ref`` at ``new`` if it still points at ``expected`` (git's lock files)."""
        from goldpath.providers.git import _objects

        return _objects.update_branch(self.git_dir, ref, new, expected=expected)

    def delete_branch(self, ref: str, *, expected: str) -> bool:
        """Remove ``ref`` if it still points at ``expected``."""
        from goldpath.providers.git import _objects

        return _objects.delete_ref(self.git_dir, ref, expected=expected)

    def config_value(self, section: str, key: str) -> str | None:
        """One value of the repository's own config file, or None."""
        from goldpath.providers.git import _objects

        return _objects.read_config_value(self.git_dir, section, key)

    # -- content ------------------------------------------------------------------------------

    def commit_directory(
        self, source: Path, *, message: str, author: GitAuthor, parent: str | None
    ) -> str:
        """Commit every file of ``source`` (as ``git add --all``); no ref moves."""
        from goldpath.providers.git import _objects

        return _objects.commit_directory(
            source, git_dir=self.git_dir, message=message, author=author, parent=parent
        )

    def commit_files(
        self,
        files: Mapping[str, bytes | tuple[bytes, int]],
        *,
        message: str,
        author: GitAuthor,
        parent: str | None,
    ) -> str | None:
        """Commit ``files`` as the whole tree, from memory: path -> the bytes of a regular
        file, or (bytes, git mode) as `read_folder` gives them. None when they equal
        ``parent``'s tree; no ref moves."""
        from goldpath.providers.git import _objects

        return _objects.commit_files(
            files, git_dir=self.git_dir, message=message, author=author, parent=parent
        )

    def commit_folder(
        self,
        folder: str,
        files: Mapping[str, bytes | tuple[bytes, int]],
        *,
        message: str,
        author: GitAuthor,
        parent: str | None,
    ) -> str | None:
        """Commit ``parent``'s tree with ``folder`` replaced by ``files`` (paths relative to
        the folder; none takes it out), from memory, building only what changed. None when
        that is ``parent``'s tree; no ref moves."""
        from goldpath.providers.git import _objects

        return _objects.commit_folder(
            files, git_dir=self.git_dir, folder=folder, message=message, author=author,
            parent=parent,
        )

    def commit_worktree(self, message: str, *, author: GitAuthor) -> str | None:
        """Commit the working tree as it is on its branch; None when nothing changed.

        Like ``git add --all && git commit``: new, changed and deleted files alike; the
        index is rewritten to match, so ``git status`` is clean afterwards.
        """
        from goldpath.providers.git import _objects

        if self.is_bare:
            raise ValueError(f"{self.path} has no working tree")
        ref = f"refs/heads/{self.head_branch()}"
        parent = self.resolve(ref)
        sha = _objects.commit_changes(
            self.path, git_dir=self.git_dir, message=message, author=author, parent=parent
        )
        if sha is None:
            return None
        if not _objects.update_branch(self.git_dir, ref, sha, expected=parent):
            from goldpath.providers.git.errors import BranchMovedError

            raise BranchMovedError(f"{ref} of {self.path} moved during the commit")
        _objects.reset_index(self.path, self.git_dir, sha)
        return sha

    def read_blob(self, rev: str, path: str) -> bytes:
        """The bytes of ``path`` at ``rev`` (a full ref name or a full commit sha)."""
        from goldpath.providers.git import _objects

        return _objects.read_blob(self.git_dir, rev, path)

    def list_paths(self, rev: str) -> list[str]:
        """Every file path at ``rev``, sorted."""
        from goldpath.providers.git import _objects

        return _objects.list_paths(self.git_dir, rev)

    def log(self, rev: str, *, limit: int = 20) -> list[tuple[str, str, int, str]]:
        """The newest commits reachable from ``rev`` (a full ref name or a full commit sha):
        ``(sha, author, commit time as a Unix timestamp, subject)``, newest first."""
        from goldpath.providers.git import _objects

        return _objects.log(self.git_dir, rev, limit)

    def read_folder(self, rev: str, folder: str) -> dict[str, tuple[bytes, int]]:
        """Every file under ``folder`` at ``rev``: relative path -> (bytes, git mode)."""
        from goldpath.providers.git import _objects

        return _objects.read_folder(self.git_dir, rev, folder)

    # -- merging ------------------------------------------------------------------------------
    # git's own merge engine (``merge-tree --write-tree``, git 2.38+) works on a bare
    # repository without touching a working tree; dulwich has no three-way tree merge.

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """Whether commit ``ancestor`` is reachable from ``descendant`` (or is it)."""
        from goldpath.providers.git.errors import GitCommandError

        try:
            run_git(
                ["--git-dir", self.git_dir, "merge-base", "--is-ancestor", ancestor, descendant]
            )
        except GitCommandError as exc:
            if exc.context.get("exit_code") == 1:
                return False
            raise
        return True

    def merge_trees(self, ours: str, theirs: str) -> tuple[str, list[str]]:
        """Merge two commits' trees: ``(tree sha, conflicted paths)``; no ref moves.

        With conflicts the tree holds the files with conflict markers.
        """
        from goldpath.providers.git.errors import GitCommandError

        args: list[str | os.PathLike[str]] = [
            "--git-dir",
            self.git_dir,
            "merge-tree",
            "--write-tree",
            "--name-only",
        ]
        try:
            out = run_git([*args, "--no-messages", ours, theirs])
        except GitCommandError as exc:
            if exc.context.get("exit_code") != 1:
                raise
            out = run_git([*args, "--no-messages", "-z", ours, theirs], ok_codes=(1,))
            tree, *paths = [p for p in out.decode("utf-8", "replace").split("\0") if p]
            return tree, sorted(set(paths))
        return out.decode().split()[0], []

    def commit_tree(
        self, tree: str, *, parents: Sequence[str], message: str, author: GitAuthor
    ) -> str:
        """Write a commit of ``tree`` with these parents; no ref moves."""
        from goldpath.providers.git import _objects

        return _objects.commit_tree(
            self.git_dir, tree, parents=list(parents), message=message, author=author
        )

    def diff(self, base: str, head: str, *, three_dot: bool = True) -> str:
        """The unified diff from ``base`` to ``head`` (``base...head``: since they forked)."""
        spec = f"{base}...{head}" if three_dot else f"{base}..{head}"
        return run_git(
            ["--git-dir", self.git_dir, "diff", "--no-color", "--no-ext-diff", spec]
        ).decode("utf-8", "replace")

    # -- transport ------------------------------------------------------------------------

    def ls_remote(
        self,
        url: str,
        *patterns: str,
        branches_and_tags: bool = False,
        config: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
    ) -> dict[str, str]:
        """The remote's refs (full name -> sha), optionally only those ``patterns`` match."""
        only = ["--heads", "--tags"] if branches_and_tags else []
        listed = run_git(
            ["--git-dir", self.git_dir, "ls-remote", *only, url, *patterns],
            config=config,
            secrets=secrets,
        ).decode("utf-8", "replace")
        refs: dict[str, str] = {}
        for line in listed.splitlines():
            sha, _, name = line.partition("\t")
            if name and not name.endswith("^{}"):
                refs[name] = sha
        return refs

    def fetch(
        self,
        url: str,
        ref: str,
        *,
        depth: int | None = None,
        config: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
    ) -> str:
        """Fetch ``ref`` of ``url`` (transport); return the commit fetched."""
        args: list[str | os.PathLike[str]] = ["--git-dir", self.git_dir, "fetch", "--quiet"]
        if depth is not None:
            args.append(f"--depth={depth}")
        run_git([*args, url, ref], config=config, secrets=secrets)
        fetched = (self.git_dir / "FETCH_HEAD").read_text(encoding="utf-8").split()[0]
        return self._peel(fetched)

    def _peel(self, sha: str) -> str:
        """The commit an annotated tag (or a chain of them) points at; else ``sha``."""
        from dulwich.objects import ObjectID, Tag
        from dulwich.repo import Repo

        repo = Repo(str(self.git_dir))
        try:
            found = repo[ObjectID(sha.encode())]
            while isinstance(found, Tag):
                found = repo[found.object[1]]
            return found.id.decode()
        finally:
            repo.close()

    def push(
        self,
        url: str,
        refspec: str,
        *,
        config: Mapping[str, str] | None = None,
        secrets: Sequence[str] = (),
    ) -> None:
        """``git push <url> <refspec>`` (transport)."""
        run_git(
            ["--git-dir", self.git_dir, "push", "--quiet", url, refspec],
            config=config,
            secrets=secrets,
        )
