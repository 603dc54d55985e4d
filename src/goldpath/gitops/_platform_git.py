"""Changing the platform GitOps repo with git: add an app's entry, take it out again.

Each change is validated over the whole resulting tree before it is committed, and
retried on a fresh clone when another Create pushed first.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from goldpath.gitops._platform_repo import APPS_ROOT, app_entry_dir, platform_app_files
from goldpath.gitops._repo import GitopsWorkspace, gitops_workspace, read_tree
from goldpath.gitops._report import ValidationReport
from goldpath.gitops._spec import AppSpec, PlatformSpec
from goldpath.gitops._validate import validate_tree
from goldpath.gitops.errors import GitopsRepoNotFoundError
from goldpath.providers.git import GitAuthor, TransportAuth
from goldpath.providers.git.errors import GitCommandError
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


def _validated(ws: GitopsWorkspace, platform: PlatformSpec, tmp_root: Path | None) -> None:
    # Schemas and every policy over the whole tree. promtool and kubectl kustomize are not
    # run here: an app's entry adds no rule and no kustomization, and the folders they
    # check went through them when the repo was rendered (`render_platform_repo` callers
    # validate with tools) and whenever `goldpath validate` runs on it.
    report: ValidationReport = validate_tree(
        read_tree(ws.path),
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


class PlatformAppChange:
    """``apps/<app>/`` written, validated and committed in a scratch clone of the platform
    repo, not yet pushed: nothing outside this process has seen it. `push` publishes it.

    Made by `platform_app_added`; ``existed`` says whether the entry was there before, and
    ``sha`` is the prepared commit (None when the repo already held exactly these files).
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
        self._stack = ExitStack()
        self._ws: GitopsWorkspace | None = None
        self.existed = False
        self.sha: str | None = None

    def prepare(self) -> None:
        """Clone, write the entry, validate the whole tree and commit (locally)."""
        self.close()
        ws = self._stack.enter_context(
            gitops_workspace(self._repo, tmp_root=self._tmp_root, auth=self._auth)
        )
        self._ws = ws
        if not (ws.path / "bootstrap" / "kustomization.yaml").is_file():
            # Created a moment ago by another task that has not pushed its content yet.
            raise GitopsRepoNotFoundError(
                f"{self._repo} is not a platform GitOps repo (yet): it has no bootstrap/",
                repo=str(self._repo),
            )
        entry = ws.path.joinpath(*app_entry_dir(self._spec.name).parts)
        self.existed = entry.exists()
        shutil.rmtree(entry, ignore_errors=True)
        write_tree(ws.path, platform_app_files(self._spec))
        _validated(ws, self._spec.platform, self._tmp_root)
        self.sha = ws.repository.commit_worktree(
            f"feat({self._spec.name}): deploy with Argo CD [skip ci]", author=_AUTHOR
        )

    def push(self) -> str | None:
        """Publish the prepared commit; when another change was pushed first, prepare it
        again on a fresh clone and push that. Returns the commit, or None (no change)."""
        for attempt in range(1, _ATTEMPTS + 1):
            if self._ws is None:
                self.prepare()
            assert self._ws is not None
            if self.sha is None or not self._ws.push:
                return self.sha
            try:
                self._ws.push_head()
                return self.sha
            except GitCommandError:
                # Another Create pushed between our clone and our push: start again from it.
                self.close()
                if attempt == _ATTEMPTS:
                    raise
        return None  # pragma: no cover - the loop returns or raises

    def close(self) -> None:
        """Remove the scratch clone."""
        self._ws = None
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
        _validated(ws, platform, tmp_root)
        return _commit_and_push(ws, f"chore({app}): remove from Argo CD [skip ci]")

    return _with_retries(repo, tmp_root, auth, change)
