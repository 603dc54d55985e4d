"""A fake of GitLab's merge request and branch APIs, layered on the project fake.

Written from GitLab's REST API v4 documentation (docs.gitlab.com/api/merge_requests and
/api/branches):

- ``POST /projects/:id/repository/branches`` (``branch``, ``ref``): 201 with
  ``{"name", "commit": {"id"}}``; 400 ``{"message": "Branch already exists"}``.
- ``POST /projects/:id/merge_requests`` (``source_branch``, ``target_branch``, ``title``,
  ``description``, ``remove_source_branch``): 201 with ``id``, ``iid``, ``state``
  (``opened``), ``draft`` (a title starting ``Draft:``), ``web_url``; 409 with
  ``{"message": ["Another open merge request already exists for this source branch: !1"]}``.
- ``PUT /projects/:id/merge_requests/:iid/merge``: 200 with ``state: merged`` and
  ``merge_commit_sha``; 405 for a draft or a closed request; 406 ``Branch cannot be
  merged`` when it conflicts.
- ``PUT /projects/:id/merge_requests/:iid`` with ``state_event=close``: 200, ``closed``;
  with ``title``: the new title, and so the draft flag (docs.gitlab.com/user/project/
  merge_requests/drafts: removing the ``Draft:`` prefix marks it ready).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from goldpath.providers.git import GitAuthor, MergeConflictError, Repository, merge_branch
from tests.providers.git._fakes import FakeHostState, FakeProject, fake_gitlab


@dataclass
class FakeMergeRequest:
    """One merge request the fake keeps."""

    iid: int
    project: str
    source_branch: str
    target_branch: str
    title: str
    description: str
    state: str = "opened"
    merge_commit_sha: str | None = None


@dataclass
class FakeMergeRequests:
    """Merge requests per project, and every request body the fake saw."""

    items: list[FakeMergeRequest] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)


def _json(base: str, project: FakeProject, mr: FakeMergeRequest) -> dict[str, Any]:
    full = f"{project.namespace}/{project.path}"
    return {
        "id": 50_000 + mr.iid,
        "iid": mr.iid,
        "project_id": project.id,
        "title": mr.title,
        "description": mr.description,
        "state": mr.state,
        "draft": mr.title.startswith("Draft:"),
        "source_branch": mr.source_branch,
        "target_branch": mr.target_branch,
        "merge_commit_sha": mr.merge_commit_sha,
        "web_url": f"{base}/{full}/-/merge_requests/{mr.iid}",
    }


def fake_gitlab_with_merge_requests(state: FakeHostState, mrs: FakeMergeRequests) -> Starlette:
    """fake_gitlab plus branches and merge requests."""

    def base_of(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    def project_of(request: Request) -> FakeProject | None:
        state.requests.append((request.method, request.url.path))
        if request.headers.get("private-token") != state.token:
            return None
        key = request.path_params["key"]
        if key.isdigit():
            return next((p for p in state.projects.values() if p.id == int(key)), None)
        return state.projects.get(key)

    def repo(project: FakeProject) -> Repository:
        return Repository(state.root / f"{project.namespace}/{project.path}.git")

    def find(project: FakeProject, iid: int) -> FakeMergeRequest | None:
        full = f"{project.namespace}/{project.path}"
        return next((m for m in mrs.items if m.project == full and m.iid == iid), None)

    not_found = JSONResponse({"message": "404 Project Not Found"}, status_code=404)

    async def branches(request: Request) -> Response:
        project = project_of(request)
        if project is None:
            return not_found
        data = await request.json()
        git = repo(project)
        sha = git.resolve(f"refs/heads/{data['ref']}")
        if sha is None:
            return JSONResponse({"message": "Invalid reference name"}, status_code=400)
        if not git.update_branch(f"refs/heads/{data['branch']}", sha, expected=None):
            return JSONResponse({"message": "Branch already exists"}, status_code=400)
        return JSONResponse({"name": data["branch"], "commit": {"id": sha}}, status_code=201)

    async def create(request: Request) -> Response:
        project = project_of(request)
        if project is None:
            return not_found
        data = await request.json()
        mrs.bodies.append(data)
        full = f"{project.namespace}/{project.path}"
        for mr in mrs.items:
            same = mr.project == full and mr.source_branch == data["source_branch"]
            if same and mr.state == "opened":
                return JSONResponse(
                    {
                        "message": [
                            "Another open merge request already exists for this "
                            f"source branch: !{mr.iid}"
                        ]
                    },
                    status_code=409,
                )
        mr = FakeMergeRequest(
            iid=1 + sum(1 for m in mrs.items if m.project == full),
            project=full,
            source_branch=data["source_branch"],
            target_branch=data["target_branch"],
            title=data["title"],
            description=data.get("description", ""),
        )
        mrs.items.append(mr)
        return JSONResponse(_json(base_of(request), project, mr), status_code=201)

    async def merge(request: Request) -> Response:
        project = project_of(request)
        if project is None:
            return not_found
        mr = find(project, int(request.path_params["iid"]))
        if mr is None:
            return JSONResponse({"message": "404 Not found"}, status_code=404)
        if mr.state != "opened" or mr.title.startswith("Draft:"):
            return JSONResponse({"message": "405 Method Not Allowed"}, status_code=405)
        try:
            outcome = merge_branch(
                repo(project),
                source=mr.source_branch,
                target=mr.target_branch,
                message=f"Merge branch '{mr.source_branch}'",
                author=GitAuthor("GitLab", "gitlab@example.com"),
            )
        except MergeConflictError:
            return JSONResponse({"message": "Branch cannot be merged"}, status_code=406)
        mr.state, mr.merge_commit_sha = "merged", outcome.sha
        return JSONResponse(_json(base_of(request), project, mr))

    async def update(request: Request) -> Response:
        project = project_of(request)
        if project is None:
            return not_found
        mr = find(project, int(request.path_params["iid"]))
        if mr is None:
            return JSONResponse({"message": "404 Not found"}, status_code=404)
        data = await request.json()
        mrs.bodies.append(data)
        if data.get("state_event") == "close":
            mr.state = "closed"
        if "title" in data:
            mr.title = data["title"]
        return JSONResponse(_json(base_of(request), project, mr))

    return Starlette(
        routes=[
            Route("/api/v4/projects/{key:path}/repository/branches", branches, methods=["POST"]),
            Route(
                "/api/v4/projects/{key:path}/merge_requests/{iid:int}/merge", merge, methods=["PUT"]
            ),
            Route("/api/v4/projects/{key:path}/merge_requests/{iid:int}", update, methods=["PUT"]),
            Route("/api/v4/projects/{key:path}/merge_requests", create, methods=["POST"]),
            Mount("/", app=fake_gitlab(state)),
        ]
    )
