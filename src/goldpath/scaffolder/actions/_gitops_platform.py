"""The part of ``gitops:publish`` that enrols the app in the platform GitOps repo.

Argo CD's ``apps`` Application syncs ``apps/`` of the platform repo recursively, so
committing the app's AppProject and Application there is all it takes for Argo CD to pick
the app up. The platform repo is created (with its bootstrap, RBAC and monitoring
folders) by the first Create that needs it. Both changes record their undo first: a
later failure takes the app's entry out again, and deletes the platform repo only when
this task created it and no app is left in it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from goldpath.providers.git import (
    GitHost,
    GitHosts,
    LocalGitHost,
    RepoExistsError,
    RepoNotFoundError,
)
from goldpath.scaffolder._actions import ActionContext, UndoEnv, UndoHandler
from goldpath.scratch import scratch_dir
from goldpath.trees import write_tree

if TYPE_CHECKING:
    from goldpath.config import Settings
    from goldpath.gitops import AppSpec, PlatformAppChange

__all__ = [
    "UNDO_DELETE_PLATFORM_REPO",
    "UNDO_REMOVE_PLATFORM_APP",
    "enrol_in_platform_repo",
    "platform_enrolment",
    "platform_repo_undo",
]

UNDO_REMOVE_PLATFORM_APP = "remove-platform-app"
UNDO_DELETE_PLATFORM_REPO = "delete-platform-repo-if-empty"
_AUTHOR = ("goldpath Scaffolder", "scaffolder@goldpath.invalid")


def _source(host: GitHost, owner: str, repo: str) -> str | Path:
    # The local host's bare repository is cloned from its path; a remote one by URL.
    if isinstance(host, LocalGitHost):
        return host.repo_path(owner, repo)
    return host.clone_url(owner, repo)


def _host_params(host: GitHost, owner: str, repo: str) -> dict[str, Any]:
    return {"hostKind": host.kind, "host": host.host, "owner": owner, "repo": repo}


def enrol_in_platform_repo(
    ctx: ActionContext, host: GitHost, settings: Settings, spec: AppSpec, *, branch: str
) -> str:
    """Commit ``apps/<app>/`` to the platform repo (creating the repo when missing).

    Returns the platform repo's clone URL.
    """
    with platform_enrolment(ctx, host, settings, spec, branch=branch) as commit:
        return commit()


@contextmanager
def platform_enrolment(
    ctx: ActionContext, host: GitHost, settings: Settings, spec: AppSpec, *, branch: str
) -> Iterator[Callable[[], str]]:
    """`enrol_in_platform_repo` in two halves: on entry the app's entry is prepared in a
    scratch clone of the platform repo (written, validated, committed: nobody sees it
    yet); the function yielded publishes it (creating the platform repo first when there
    is none) and returns the platform repo's clone URL."""
    from goldpath import gitops

    owner, name = settings.platform.gitops_group, gitops.PLATFORM_REPO
    repo_url = host.clone_url(owner, name)
    repo_url = repo_url if repo_url.endswith(".git") else f"{repo_url}.git"
    where = f"{owner}/{name}"
    if ctx.dry_run:

        def planned() -> str:
            ctx.log(f"Dry run: would add apps/{spec.name}/ to the platform repo {where}")
            return repo_url

        yield planned
        return
    ctx.check_cancelled()
    if not host.repo_exists(owner, name):

        def create_and_add() -> str:
            _create_platform_repo(ctx, host, settings, spec, repo_url=repo_url, branch=branch)
            with _app_added(host, settings, spec) as change:
                _publish_app(ctx, host, owner, name, spec, change)
            return repo_url

        yield create_and_add
        return
    with _app_added(host, settings, spec) as change:

        def publish() -> str:
            _publish_app(ctx, host, owner, name, spec, change)
            return repo_url

        yield publish


def _create_platform_repo(
    ctx: ActionContext,
    host: GitHost,
    settings: Settings,
    spec: AppSpec,
    *,
    repo_url: str,
    branch: str,
) -> None:
    from goldpath import gitops

    owner, name = settings.platform.gitops_group, gitops.PLATFORM_REPO
    where = f"{owner}/{name}"
    files = gitops.render_platform_repo(spec.platform, repo_url=repo_url)
    # Everything, tools included, before anything is created.
    gitops.validate_tree(
        files,
        kubernetes_version=spec.platform.kubernetes_version,
        tmp_root=settings.scratch_root,
        secrets_prefix=spec.platform.secrets_prefix,
    ).raise_for_failures("the platform GitOps repo")
    try:
        info = host.create_repo(
            owner,
            name,
            description="goldpath platform GitOps: app-of-apps, RBAC, monitoring wiring",
            default_branch=branch,
        )
    except RepoExistsError:
        # Another Create made it between our look and our create: use that one.
        ctx.log(f"The platform repo {where} was just created by another task; using it")
        return
    ctx.on_rollback(
        f"delete the platform repo {where} if no app is left in it",
        kind=UNDO_DELETE_PLATFORM_REPO,
        params={**_host_params(host, owner, name), "repoId": info.id},
    )
    with scratch_dir(settings.scratch_root, prefix="platform-") as tree:
        write_tree(tree, files)
        host.push(
            tree,
            info,
            branch=branch,
            message="Platform GitOps repository [skip ci]",
            author_name=_AUTHOR[0],
            author_email=_AUTHOR[1],
        )
    ctx.log(f"Created the platform repo {where} ({len(files)} files) on {host.host}")


def _app_added(
    host: GitHost, settings: Settings, spec: AppSpec
) -> AbstractContextManager[PlatformAppChange]:
    from goldpath import gitops

    owner, name = settings.platform.gitops_group, gitops.PLATFORM_REPO
    return gitops.platform_app_added(
        _source(host, owner, name), spec, tmp_root=settings.scratch_root,
        auth=host.transport_auth(),
    )


def _publish_app(
    ctx: ActionContext,
    host: GitHost,
    owner: str,
    name: str,
    spec: AppSpec,
    change: PlatformAppChange,
) -> None:
    where = f"{owner}/{name}"
    if change.existed:
        ctx.log(f"apps/{spec.name}/ was already in {where}; a rollback leaves it there")
    elif change.sha is not None:
        ctx.on_rollback(
            f"remove apps/{spec.name}/ from the platform repo {where}",
            kind=UNDO_REMOVE_PLATFORM_APP,
            params={**_host_params(host, owner, name), "app": spec.name},
        )
    sha = change.push()
    if sha is None:
        ctx.log(f"The platform repo {where} already lists {spec.name}; nothing to commit")
    else:
        ctx.log(f"Added apps/{spec.name}/ to the platform repo {where} as {sha[:12]}: "
                "Argo CD's apps Application picks it up")


def platform_repo_undo(hosts: GitHosts, settings: Settings) -> dict[str, UndoHandler]:
    """The undos of `enrol_in_platform_repo`, by kind."""

    def host_of(params: Mapping[str, Any]) -> GitHost:
        kind = params["hostKind"]
        return hosts.local if kind == "local" else hosts.for_host(params["host"], kind=kind)

    def remove_app(env: UndoEnv, params: dict[str, Any]) -> None:
        from goldpath import gitops

        host = host_of(params)
        owner, repo, app = params["owner"], params["repo"], params["app"]
        if not host.repo_exists(owner, repo):
            env.log(f"{owner}/{repo} is gone already; nothing to remove")
            return
        sha = gitops.remove_platform_app(
            _source(host, owner, repo), app, gitops.PlatformSpec.from_settings(settings),
            tmp_root=settings.scratch_root, auth=host.transport_auth(),
        )
        env.log(f"Removed apps/{app}/ from {owner}/{repo}" if sha else
                f"apps/{app}/ was not in {owner}/{repo}")

    def delete_if_empty(env: UndoEnv, params: dict[str, Any]) -> None:
        from goldpath import gitops

        host = host_of(params)
        owner, repo = params["owner"], params["repo"]
        if not host.repo_exists(owner, repo):
            return
        left = gitops.platform_apps(
            _source(host, owner, repo), tmp_root=settings.scratch_root, auth=host.transport_auth()
        )
        if left:
            env.log(f"{owner}/{repo} lists {', '.join(left)}; it stays")
            return
        try:
            host.delete_repo(owner, repo, repo_id=params.get("repoId"))
        except RepoNotFoundError:
            return
        env.log(f"Deleted the platform repo {owner}/{repo}, which this task created")

    return {UNDO_REMOVE_PLATFORM_APP: remove_app, UNDO_DELETE_PLATFORM_REPO: delete_if_empty}
