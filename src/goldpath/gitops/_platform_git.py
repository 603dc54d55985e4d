"""Changing the platform GitOps repo with git: add an app's entry, take it out again.

Each change is validated over the whole resulting tree before it is committed, and
prepared again from the repo as it is when another Create pushed first.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from pathlib import Path, PurePosixPath

from goldpath.gitops._platform_repo import (
    APPS_ROOT,
    Files,
    app_entry_dir,
    platform_app_files,
)
from goldpath.gitops._repo import GitopsWorkspace, gitops_workspace, read_tree
from goldpath.gitops._report import ValidationReport
from goldpath.gitops._spec import AppSpec, PlatformSpec
from goldpath.gitops._validate import TreeFiles, validate_tree
from goldpath.gitops.errors import GitopsRepoNotFoundError
from goldpath.providers.git import GitAuthor, Repository, TransportAuth
from goldpath.providers.git.errors import BranchMovedError, GitCommandError
from goldpath.trees import write_tree

__all__ = [
    "PlatformAppChange",
    "add_platform_app",
    "platform_app_added",
    "platform_apps",
    "remove_platform_app",
]

_AUTHOR = GitAuthor("goldpath", "goldpath@localhost")
_ATTEMPTS = 3


def _validated(files: TreeFiles, platform: PlatformSpec, tmp_root: Path | None) -> None:
    # Schemas and every policy over the whole tree. promtool and kubectl kustomize are not
    # run here: an app's entry adds no rule and no kustomization, and the folders they
    # check went through them when the repo was rendered (`render_platform_repo` callers
    # validate with tools) and whenever `goldpath validate` runs on it.
    report: ValidationReport = validate_tree(
        files,
        kubernetes_version=platform.kubernetes_version,
        tools=False,
        tmp_root=tmp_root,
        secrets_prefix=platform.secrets_prefix,
    )
    report.raise_for_failures("the platform GitOps repo after the change")


def _commit_and_push(ws: GitopsWorkspace, message: str) -> str | None:
    sha = ws.repository.commit_worktree(message, author=_AUTHOR)
    if sha is not None and ws.push:
        ws.push_head()
    return sha


def _with_retries(
    repo: str | Path,
    tmp_root: Path | None,
    auth: TransportAuth | None,
    change: Callable[[GitopsWorkspace], str | None],
) -> str | None:
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with gitops_workspace(repo, tmp_root=tmp_root, auth=auth) as ws:
                return change(ws)
        except GitCommandError:
            # Another Create pushed between our clone and our push: start again from it.
            if attempt == _ATTEMPTS:
                raise
    return None  # pragma: no cover - the loop returns or raises


def platform_apps(
    repo: str | Path, *, tmp_root: Path | None = None, auth: TransportAuth | None = None
) -> list[str]:
    """The apps the platform repo lists under ``apps/``, sorted."""
    with gitops_workspace(repo, tmp_root=tmp_root, auth=auth) as ws:
        root = ws.path.joinpath(*APPS_ROOT.parts)
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def _with_entry(
    files: Mapping[str, str] | Mapping[PurePosixPath, str], entry: Files, app: str,
    repo: str | Path,
) -> tuple[dict[str, str], bool]:
    """The platform repo's files with ``apps/<app>/`` replaced by ``entry`` (the app's
    files there), and whether the app had an entry before."""
    texts = {str(path): text for path, text in files.items()}
    if "bootstrap/kustomization.yaml" not in texts:
        # Created a moment ago by another task that has not pushed its content yet.
        raise GitopsRepoNotFoundError(
            f"{repo} is not a platform GitOps repo (yet): it has no bootstrap/", repo=str(repo)
        )
    inside = f"{app_entry_dir(app)}/"
    kept = {path: text for path, text in texts.items() if not path.startswith(inside)}
    return {**kept, **{str(path): text for path, text in entry.items()}}, len(kept) < len(texts)


class PlatformAppChange:
    """``apps/<app>/`` written, validated and committed, not yet pushed: nothing outside
    this process has seen it. `push` publishes it.

    The local git host's bare repository is changed in place, from memory: the commit is
    written into it and its branch moves (compare-and-swap) only on `push`. A remote one
    is changed in a scratch clone and pushed back. Made by `platform_app_added`;
    ``existed`` says whether the entry was there before, and ``sha`` is the prepared
    commit (None when the repo already held exactly these files).
    """

    def __init__(
        self,
        repo: str | Path,
        spec: AppSpec,
        *,
        tmp_root: Path | None,
        auth: TransportAuth | None,
    ) -> None:
        self._repo, self._spec, self._tmp_root, self._auth = repo, spec, tmp_root, auth
        bare = Repository(Path(repo)) if isinstance(repo, Path) else None
        self._bare = bare if bare is not None and bare.is_bare else None
        self._stack = ExitStack()
        self._ws: GitopsWorkspace | None = None
        self._prepared = False
        self._ref = ""
        self._parent: str | None = None
        self.existed = False
        self.sha: str | None = None

    @property
    def _message(self) -> str:
        return f"feat({self._spec.name}): deploy with Argo CD [skip ci]"

    def prepare(self) -> None:
        """Read the repo, put the entry in, validate the whole tree and commit."""
        self.close()
        if self._bare is not None:
            self._prepare_in_place(self._bare)
        else:
            self._prepare_in_clone()
        self._prepared = True

    def _prepare_in_place(self, bare: Repository) -> None:
        self._ref = f"refs/heads/{bare.head_branch()}"
        parent = bare.resolve(self._ref)
        stored = bare.read_folder(parent, "") if parent is not None else {}
        texts: dict[str, str] = {}
        for path, (data, _mode) in stored.items():
            try:
                texts[path] = data.decode("utf-8")
            except UnicodeDecodeError:
                continue  # kept as it is, like read_tree leaves it out of validation
        entry = platform_app_files(self._spec)
        files, self.existed = _with_entry(texts, entry, self._spec.name, self._repo)
        _validated(files, self._spec.platform, self._tmp_root)
        folder = app_entry_dir(self._spec.name)
        self._parent = parent
        self.sha = bare.commit_folder(
            str(folder),
            {path.relative_to(folder).as_posix(): text.encode("utf-8")
             for path, text in entry.items()},
            message=self._message,
            author=_AUTHOR,
            parent=parent,
        )

    def _prepare_in_clone(self) -> None:
        ws = self._stack.enter_context(
            gitops_workspace(self._repo, tmp_root=self._tmp_root, auth=self._auth)
        )
        self._ws = ws
        entry = platform_app_files(self._spec)
        files, self.existed = _with_entry(read_tree(ws.path), entry, self._spec.name, self._repo)
        _validated(files, self._spec.platform, self._tmp_root)
        shutil.rmtree(ws.path.joinpath(*app_entry_dir(self._spec.name).parts),
                      ignore_errors=True)
        write_tree(ws.path, entry)
        self.sha = ws.repository.commit_worktree(self._message, author=_AUTHOR)

    def _published(self) -> bool:
        """Move the branch to the prepared commit; False when another push came first."""
        if self._bare is not None:
            assert self.sha is not None
            return self._bare.update_branch(self._ref, self.sha, expected=self._parent)
        assert self._ws is not None
        if not self._ws.push:
            return True
        try:
            self._ws.push_head()
        except GitCommandError:
            return False
        return True

    def push(self) -> str | None:
        """Publish the prepared commit; when another change was pushed first, prepare it
        again from the repo as it is now and push that. Returns the commit, or None (no
        change)."""
        for _attempt in range(_ATTEMPTS):
            if not self._prepared:
                self.prepare()
            if self.sha is None or self._published():
                return self.sha
            # Another Create pushed between our read and our push: start again from it.
            self.close()
        raise BranchMovedError(
            f"the platform repo {self._repo} kept moving; {self._spec.name} was not added "
            f"after {_ATTEMPTS} attempts",
        )

    def close(self) -> None:
        """Forget the prepared change (and remove a scratch clone)."""
        self._ws = None
        self._prepared = False
        self._stack.close()


@contextmanager
def platform_app_added(
    repo: str | Path,
    spec: AppSpec,
    *,
    tmp_root: Path | None = None,
    auth: TransportAuth | None = None,
) -> Iterator[PlatformAppChange]:
    """The app's AppProject and Application(s) under ``apps/<app>/``, prepared (validated
    and committed in a scratch clone) but not pushed until the caller says so: a Create
    prepares it while its own GitOps tree is still being validated."""
    change = PlatformAppChange(repo, spec, tmp_root=tmp_root, auth=auth)
    try:
        change.prepare()
        yield change
    finally:
        change.close()


def add_platform_app(
    repo: str | Path,
    spec: AppSpec,
    *,
    tmp_root: Path | None = None,
    before_commit: Callable[[bool], None] | None = None,
    auth: TransportAuth | None = None,
) -> str | None:
    """Write the app's AppProject and Application(s) under ``apps/<app>/``, validate, commit
    and push.

    ``before_commit(existed)`` runs just before the commit is pushed (so a caller can
    record its undo first), told whether ``apps/<app>/`` was there before. Returns the
    commit, or None when the repo already held exactly these files.
    """
    with platform_app_added(repo, spec, tmp_root=tmp_root, auth=auth) as change:
        if before_commit is not None:
            before_commit(change.existed)
        return change.push()


def remove_platform_app(
    repo: str | Path,
    app: str,
    platform: PlatformSpec,
    *,
    tmp_root: Path | None = None,
    auth: TransportAuth | None = None,
) -> str | None:
    """Take ``apps/<app>/`` out of the platform repo; None when it was not there."""

    def change(ws: GitopsWorkspace) -> str | None:
        entry = ws.path.joinpath(*app_entry_dir(app).parts)
        if not entry.exists():
            return None
        shutil.rmtree(entry)
        _validated(read_tree(ws.path), platform, tmp_root)
        return _commit_and_push(ws, f"chore({app}): remove from Argo CD [skip ci]")

    return _with_retries(repo, tmp_root, auth, change)
