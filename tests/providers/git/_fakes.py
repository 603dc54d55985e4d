"""Fakes of GitLab's and GitHub's REST APIs, written from their API documentation.

GitLab (docs.gitlab.com/ee/api): ``GET /namespaces/:id`` (id or URL-encoded path),
``POST /projects`` (400 ``{"message": {"name": ["has already been taken"], ...}}`` when
taken), ``GET /projects/:id`` (id or URL-encoded path), ``DELETE /projects/:id`` (202),
``GET /projects/:id/repository/files/:file_path/raw?ref=``; ``PRIVATE-TOKEN`` header,
401 ``{"message": "401 Unauthorized"}``.

GitHub (docs.github.com/rest/repos): ``GET /user``, ``POST /user/repos``,
``POST /orgs/{org}/repos`` (422 "name already exists on this account"),
``GET /repos/{owner}/{repo}``, ``DELETE /repos/{owner}/{repo}`` (204),
``GET /repos/{owner}/{repo}/contents/{path}?ref=`` (raw with
``Accept: application/vnd.github.raw+json``); ``Authorization: Bearer``, 401
``{"message": "Bad credentials"}``.

Both serve their repositories over git's smart HTTP (``git http-backend``, pushes allowed)
behind HTTP Basic authentication whose password is the token, as the real hosts do.
"""

from __future__ import annotations

import base64
import itertools
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from goldpath.providers.git import clean_git_env, serve_git_http
from goldpath.providers.git._smart_http import GIT_PATH


@dataclass
class FakeProject:
    """One repository the fake host holds."""

    id: int
    namespace: str
    path: str
    description: str
    visibility: str


@dataclass
class FakeHostState:
    """What a fake host holds, and every request it saw (for assertions)."""

    root: Path
    token: str
    projects: dict[str, FakeProject] = field(default_factory=dict)
    namespaces: dict[str, int] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    auth_headers_seen: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def init_bare(self, full_path: str) -> None:
        """Create the bare repository behind a new project."""
        target = self.root / f"{full_path}.git"
        target.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            ["git", "init", "--quiet", "--bare", str(target)],
            check=True,
            env=clean_git_env(),
        )

    def read_blob(self, full_path: str, ref: str, file_path: str) -> bytes | None:
        """A file of a repository at a ref, or None when there is no such file."""
        result = subprocess.run(
            [
                "git",
                "--git-dir",
                str(self.root / f"{full_path}.git"),
                "cat-file",
                "blob",
                f"{ref}:{file_path}",
            ],
            capture_output=True,
            env=clean_git_env(),
        )
        return result.stdout if result.returncode == 0 else None

    def remove_bare(self, full_path: str) -> None:
        """Remove the bare repository of a deleted project."""
        shutil.rmtree(self.root / f"{full_path}.git", ignore_errors=True)


async def _git(request: Request, state: FakeHostState, path: str) -> Response:
    header = request.headers.get("authorization", "")
    state.auth_headers_seen.append(header)
    user = ""
    if header.startswith("Basic "):
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        if password != state.token:
            user = ""
    if not user:
        return PlainTextResponse(
            "HTTP Basic: Access denied",
            status_code=401,
            headers={"WWW-Authenticate": 'Basic realm="fake"'},
        )
    answer = await serve_git_http(
        project_root=state.root,
        path=path,
        method=request.method,
        query_string=request.url.query,
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
        remote_user=user,
        allow_push=True,
    )
    return StreamingResponse(answer.body, status_code=answer.status, headers=dict(answer.headers))


# -- GitLab ---------------------------------------------------------------------------------


def _gitlab_project_json(state: FakeHostState, base: str, project: FakeProject) -> dict[str, Any]:
    full = f"{project.namespace}/{project.path}"
    return {
        "id": project.id,
        "name": project.path,
        "path": project.path,
        "path_with_namespace": full,
        "description": project.description,
        "visibility": project.visibility,
        "default_branch": None,
        "namespace": {"id": state.namespaces[project.namespace], "full_path": project.namespace},
        "http_url_to_repo": f"{base}/{full}.git",
        "web_url": f"{base}/{full}",
    }


def fake_gitlab(state: FakeHostState) -> Starlette:
    """An ASGI app speaking the slice of GitLab's REST API v4 goldpath uses."""

    def base_of(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    def authorised(request: Request) -> bool:
        state.requests.append((request.method, request.url.path))
        return request.headers.get("private-token") == state.token

    unauthorised = JSONResponse({"message": "401 Unauthorized"}, status_code=401)

    def find(key: str) -> FakeProject | None:
        if key.isdigit():
            return next((p for p in state.projects.values() if p.id == int(key)), None)
        return state.projects.get(key)

    async def namespace(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        key = request.path_params["key"]
        for path, ns_id in state.namespaces.items():
            if key in (path, str(ns_id)):
                return JSONResponse({"id": ns_id, "full_path": path, "kind": "group"})
        return JSONResponse({"message": "404 Namespace Not Found"}, status_code=404)

    async def create(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        data = await request.json()
        ns_id = int(data["namespace_id"])
        ns = next(p for p, i in state.namespaces.items() if i == ns_id)
        path = data.get("path") or data["name"]
        with state.lock:
            if f"{ns}/{path}" in state.projects:
                taken = ["has already been taken"]
                return JSONResponse(
                    {"message": {"name": taken, "path": taken, "project_namespace.name": taken}},
                    status_code=400,
                )
            project = FakeProject(
                id=next(state.ids),
                namespace=ns,
                path=path,
                description=data.get("description", ""),
                visibility=data.get("visibility", "private"),
            )
            state.projects[f"{ns}/{path}"] = project
            state.init_bare(f"{ns}/{path}")
        return JSONResponse(_gitlab_project_json(state, base_of(request), project), 201)

    async def project(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        found = find(request.path_params["key"])
        if found is None:
            return JSONResponse({"message": "404 Project Not Found"}, status_code=404)
        if request.method == "DELETE":
            with state.lock:
                del state.projects[f"{found.namespace}/{found.path}"]
                state.remove_bare(f"{found.namespace}/{found.path}")
            return JSONResponse({"message": "202 Accepted"}, status_code=202)
        return JSONResponse(_gitlab_project_json(state, base_of(request), found))

    async def raw_file(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        found = find(request.path_params["key"])
        ref = request.query_params.get("ref", "HEAD")
        data = None
        if found is not None:
            data = state.read_blob(
                f"{found.namespace}/{found.path}", ref, request.path_params["file"]
            )
        if data is None:
            return JSONResponse({"message": "404 File Not Found"}, status_code=404)
        return Response(data, media_type="text/plain")

    async def git(request: Request) -> Response:
        path = request.path_params["rest"]
        if not GIT_PATH.match(path):
            return PlainTextResponse("not found", status_code=404)
        return await _git(request, state, path)

    return Starlette(
        routes=[
            Route("/api/v4/namespaces/{key:path}", namespace),
            Route("/api/v4/projects/{key:path}/repository/files/{file:path}/raw", raw_file),
            Route("/api/v4/projects", create, methods=["POST"]),
            Route("/api/v4/projects/{key:path}", project, methods=["GET", "DELETE"]),
            Route("/{rest:path}", git, methods=["GET", "POST"]),
        ]
    )


# -- GitHub ---------------------------------------------------------------------------------


def _github_repo_json(base: str, project: FakeProject) -> dict[str, Any]:
    full = f"{project.namespace}/{project.path}"
    return {
        "id": project.id,
        "node_id": f"R_{project.id}",
        "name": project.path,
        "full_name": full,
        "private": project.visibility != "public",
        "visibility": project.visibility,
        "description": project.description,
        "owner": {"login": project.namespace},
        "html_url": f"{base}/{full}",
        "clone_url": f"{base}/{full}.git",
        "default_branch": "main",
    }


def fake_github(state: FakeHostState, *, login: str) -> Starlette:
    """An ASGI app speaking the slice of GitHub's REST API goldpath uses (GHE layout)."""

    def base_of(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    def authorised(request: Request) -> bool:
        state.requests.append((request.method, request.url.path))
        return request.headers.get("authorization") == f"Bearer {state.token}"

    unauthorised = JSONResponse(
        {"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest"},
        status_code=401,
    )

    async def user(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        return JSONResponse({"login": login, "id": 1, "type": "User"})

    async def make(request: Request, owner: str) -> Response:
        data = await request.json()
        name = data["name"]
        visibility = data.get("visibility") or ("private" if data.get("private") else "public")
        with state.lock:
            if f"{owner}/{name}" in state.projects:
                return JSONResponse(
                    {
                        "message": "Repository creation failed.",
                        "errors": [
                            {
                                "resource": "Repository",
                                "code": "custom",
                                "field": "name",
                                "message": "name already exists on this account",
                            }
                        ],
                    },
                    status_code=422,
                )
            project = FakeProject(
                id=next(state.ids),
                namespace=owner,
                path=name,
                description=data.get("description", ""),
                visibility=visibility,
            )
            state.projects[f"{owner}/{name}"] = project
            state.init_bare(f"{owner}/{name}")
        return JSONResponse(_github_repo_json(base_of(request), project), status_code=201)

    async def create_for_user(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        return await make(request, login)

    async def create_in_org(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        org = request.path_params["org"]
        if org not in state.namespaces:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        return await make(request, org)

    async def repo(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        key = f"{request.path_params['owner']}/{request.path_params['repo']}"
        found = state.projects.get(key)
        if found is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        if request.method == "DELETE":
            with state.lock:
                del state.projects[key]
                state.remove_bare(key)
            return Response(status_code=204)
        return JSONResponse(_github_repo_json(base_of(request), found))

    async def contents(request: Request) -> Response:
        if not authorised(request):
            return unauthorised
        key = f"{request.path_params['owner']}/{request.path_params['repo']}"
        ref = request.query_params.get("ref", "HEAD")
        data = None
        if key in state.projects:
            data = state.read_blob(key, ref, request.path_params["path"])
        if data is None:
            return JSONResponse({"message": "Not Found"}, status_code=404)
        if "raw" not in request.headers.get("accept", ""):
            return JSONResponse(
                {"type": "file", "encoding": "base64", "content": base64.b64encode(data).decode()}
            )
        return Response(data, media_type="application/vnd.github.raw")

    async def git(request: Request) -> Response:
        path = request.path_params["rest"]
        if not GIT_PATH.match(path):
            return PlainTextResponse("not found", status_code=404)
        return await _git(request, state, path)

    return Starlette(
        routes=[
            Route("/api/v3/user", user),
            Route("/api/v3/repos/{owner}/{repo}/contents/{path:path}", contents),
            Route("/api/v3/user/repos", create_for_user, methods=["POST"]),
            Route("/api/v3/orgs/{org}/repos", create_in_org, methods=["POST"]),
            Route("/api/v3/repos/{owner}/{repo}", repo, methods=["GET", "DELETE"]),
            Route("/{rest:path}", git, methods=["GET", "POST"]),
        ]
    )
