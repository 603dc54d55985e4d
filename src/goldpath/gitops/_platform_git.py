"""Changing the platform GitOps repo with git: add an app's entry, take it out again.

Each change is validated over the whole resulting tree before it is committed, and
retried on a fresh clone when another Create pushed first.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from goldpath.gitops._platform_repo import APPS_ROOT, app_entry_dir, platform_app_files
from goldpath.gitops._repo import GitopsWorkspace, gitops_workspace, read_tree
from goldpath.gitops._report import ValidationReport
from goldpath.gitops._spec import AppSpec, PlatformSpec
from goldpath.gitops._validate import validate_tree
from goldpath.gitops.errors import GitopsRepoNotFoundError
from goldpath.providers.git import GitAuthor
from goldpath.providers.git.errors import GitCommandError
from goldpath.trees import write_tree

__all__ = ["add_platform_app", "platform_apps", "remove_platform_app"]

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
    repository = ws.repository
    sha = repository.commit_worktree(message, author=_AUTHOR)
    if sha is not None and ws.push:
        repository.push(
            "origin",
            f"HEAD:{repository.head_branch()}",
            config=dict(ws.git_config) or None,
            secrets=ws.secrets,
        )
    return sha


Credentials = tuple[Mapping[str, str], Sequence[str]]
_NONE: Credentials = ({}, ())


def _with_retries(repo: str | Path, tmp_root: Path | None, credentials: Credentials,
                  change: Callable[[GitopsWorkspace], str | None]) -> str | None:
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            with gitops_workspace(repo, tmp_root=tmp_root, credentials=credentials) as ws:
                return change(ws)
        except GitCommandError:
            # Another Create pushed between our clone and our push: start again from it.
            if attempt == _ATTEMPTS:
                raise
    return None  # pragma: no cover - the loop returns or raises


def platform_apps(
    repo: str | Path, *, tmp_root: Path | None = None, credentials: Credentials = _NONE
) -> list[str]:
    """The apps the platform repo lists under ``apps/``, sorted."""
    with gitops_workspace(repo, tmp_root=tmp_root, credentials=credentials) as ws:
        root = ws.path.joinpath(*APPS_ROOT.parts)
        return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def add_platform_app(
    repo: str | Path,
    spec: AppSpec,
    *,
    tmp_root: Path | None = None,
    before_commit: Callable[[bool], None] | None = None,
    credentials: Credentials = _NONE,
) -> str | None:
    """Write the app's AppProject and Application(s) under ``apps/<app>/``, validate, commit.

    ``before_commit(existed)`` runs just before the commit (so a caller can record its
    undo first), told whether ``apps/<app>/`` was there before. Returns the commit, or
    None when the repo already held exactly these files.
    """

    def change(ws: GitopsWorkspace) -> str | None:
        if not (ws.path / "bootstrap" / "kustomization.yaml").is_file():
            # Created a moment ago by another task that has not pushed its content yet.
            raise GitopsRepoNotFoundError(
                f"{repo} is not a platform GitOps repo (yet): it has no bootstrap/",
                repo=str(repo),
            )
        entry = ws.path.joinpath(*app_entry_dir(spec.name).parts)
        existed = entry.exists()
        shutil.rmtree(entry, ignore_errors=True)
        write_tree(ws.path, platform_app_files(spec))
        _validated(ws, spec.platform, tmp_root)
        if before_commit is not None:
            before_commit(existed)
        return _commit_and_push(ws, f"feat({spec.name}): deploy with Argo CD [skip ci]")

    return _with_retries(repo, tmp_root, credentials, change)


def remove_platform_app(
    repo: str | Path,
    app: str,
    platform: PlatformSpec,
    *,
    tmp_root: Path | None = None,
    credentials: Credentials = _NONE,
) -> str | None:
    """Take ``apps/<app>/`` out of the platform repo; None when it was not there."""

    def change(ws: GitopsWorkspace) -> str | None:
        entry = ws.path.joinpath(*app_entry_dir(app).parts)
        if not entry.exists():
            return None
        shutil.rmtree(entry)
        _validated(ws, platform, tmp_root)
        return _commit_and_push(ws, f"chore({app}): remove from Argo CD [skip ci]")

    return _with_retries(repo, tmp_root, credentials, change)
