"""The local git host's read-only repository page: branches, files and last commits."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from goldpath.catalog import ANNOTATION_LOCATION, EntityRef
from goldpath.errors import GoldpathError
from goldpath.gitserver import PushEntry
from goldpath.links import LinkMap, component_page_path
from goldpath.providers.git import LocalGitHost, Repository
from goldpath.web._deps import catalog_service, git_server, live_service, settings_of
from goldpath.web.auth import CurrentIdentity
from goldpath.web.pages._render import render
from goldpath.web.pages._views import ExternalLink

__all__ = [
    "CommitRow",
    "PushRow",
    "entity_git_context",
    "local_links",
    "repository_page",
    "router",
]

router = APIRouter(include_in_schema=False)

_COMMITS = 20
_FILES = 2000


@dataclass(frozen=True, slots=True)
class CommitRow:
    """One commit as the page lists it."""

    sha: str
    author: str
    at: str
    subject: str

    @property
    def short(self) -> str:
        """The first 12 characters of the sha."""
        return self.sha[:12]


@dataclass(frozen=True, slots=True)
class PushRow:
    """One recorded push as the component page lists it."""

    at: str
    user_ref: str
    repo: str
    repo_href: str
    ref: str
    change: str


def _short(sha: str) -> str:
    return sha[:12]


def _push_row(entry: PushEntry) -> PushRow:
    update = entry.update
    if update.is_create:
        change = f"created at {_short(entry.new)}"
    elif update.is_delete:
        change = f"deleted (was {_short(entry.old)})"
    else:
        change = f"{_short(entry.old)} -> {_short(entry.new)}"
    return PushRow(
        at=entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"),
        user_ref=entry.user_ref,
        repo=f"{entry.owner}/{entry.repo}",
        repo_href=f"/git/{entry.owner}/{entry.repo}",
        ref=entry.ref,
        change=change,
    )


def local_links(request: Request, links: Sequence[ExternalLink]) -> list[ExternalLink]:
    """Entity links as they resolve here: production hosts' URLs go local in development."""
    link_map = LinkMap(settings_of(request))
    return [dataclasses.replace(link, url=link_map.resolve(link.url)) for link in links]


def entity_git_context(request: Request, entity: Mapping[str, Any]) -> dict[str, Any]:
    """What the entity page shows about git: the latest pushes to a component's
    repositories, and the errors its location's last refresh found in its own file (an
    invalid pushed edit, say)."""
    pushes: list[PushRow] = []
    if str(entity.get("kind", "")).lower() == "component":
        pushes = [_push_row(e) for e in git_server(request).pushes_of(entity)]
    metadata = entity.get("metadata") if isinstance(entity.get("metadata"), Mapping) else {}
    assert isinstance(metadata, Mapping)
    annotations = metadata.get("annotations")
    source = annotations.get(ANNOTATION_LOCATION) if isinstance(annotations, Mapping) else None
    errors: list[str] = []
    if isinstance(source, str) and source:
        try:
            record = catalog_service(request).get_location_by_entity(EntityRef.of(entity))
        except GoldpathError:
            record = None
        if record is not None:
            errors = [e for e in record.errors if e.startswith(source)]
    return {"pushes": pushes, "location_errors": errors}


def repository_page(
    request: Request, host: LocalGitHost, owner: str, repo: str, ref: str | None = None
) -> Response:
    """The repository at ``ref`` (its default branch when None): clone URL, branches,
    files (each a link to its bytes) and the last commits."""
    info = host.get_repo(owner, repo)
    branch = ref or info.default_branch
    git = Repository(host.repo_path(owner, repo))
    names = host.refs(owner, repo)
    branches = sorted(name for name in names if f"refs/heads/{name}" in git.refs())
    revision = f"refs/heads/{branch}"
    files: list[str] = []
    commits: list[CommitRow] = []
    if git.resolve(revision) is not None:
        files = git.list_paths(revision)[:_FILES]
        commits = [
            CommitRow(
                sha=sha,
                author=author.split(" <", 1)[0],
                at=datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%d %H:%M UTC"),
                subject=subject,
            )
            for sha, author, when, subject in git.log(revision, limit=_COMMITS)
        ]
    base = f"/git/{owner}/{repo}"
    return render(
        request,
        "repository.html",
        full_name=info.full_name,
        clone_url=info.clone_url,
        branch=branch,
        default_branch=info.default_branch,
        branches=[(name, f"{base}/-/tree/{quote(name, safe='/')}") for name in branches],
        files=[(path, f"{base}/-/blob/{quote(branch, safe='/')}/{quote(path)}") for path in files],
        commits=commits,
        known_branch=branch in branches,
    )


@router.get("/run/{name}")
async def local_run(request: Request, name: str, identity: CurrentIdentity) -> Response:
    """Where ``https://<app>.<platform domain>`` leads in development: the component's
    local run when it is running, else its page (where Run locally starts it)."""
    ref = EntityRef(kind="component", namespace="default", name=name)
    page = RedirectResponse(component_page_path(ref.name), status_code=303)
    live = live_service(request)
    if settings_of(request).is_production or live.runner is None:
        return page
    state = await to_thread.run_sync(live.runner.state, ref.key)
    if state is not None and state.phase == "running" and state.url:
        return RedirectResponse(state.url, status_code=307)
    return page
