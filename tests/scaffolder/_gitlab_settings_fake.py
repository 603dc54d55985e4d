"""A fake of the slice of GitLab's REST API v4 that gitlab:project:configure uses.

Written from GitLab's API documentation, and strict about request shapes: a request the
real API would refuse is refused here the same way (400 with GitLab's message shape), and
every request body is kept for assertions.

- Project-level CI/CD variables (``/projects/:id/variables``): ``key`` only letters, digits
  and ``_``, at most 255; ``value`` required; ``variable_type`` ``env_var`` or ``file``;
  ``protected``/``masked``/``raw`` booleans; a masked value must be one line of at least 8
  characters of the Base64 alphabet plus ``@:.~`` (400 ``{"message": {"value": ["is
  invalid"]}}``); a taken key is 400 ``{"message": {"key": ["(KEY) has already been
  taken"]}}``; ``GET``/``PUT``/``DELETE /variables/:key`` (404 ``Variable Not Found``,
  DELETE answers 204).
- Protected branches (``/projects/:id/protected_branches``): ``name`` required; access
  levels 0, 30, 40 or 60; ``allow_force_push`` boolean; an already protected branch is
  409 ``Protected branch 'main' already exists``; ``DELETE /:name`` answers 204.
- Project access tokens (``/projects/:id/access_tokens``): ``name`` and ``scopes``
  required, scopes from the documented list, ``access_level`` 10/20/30/40/50,
  ``expires_at`` a ``YYYY-MM-DD`` date at most 365 days ahead; the value is returned once
  on create; ``DELETE /:token_id`` revokes (204), a list shows ``revoked``/``active``.
- A group's projects (``GET /groups/:id/projects``): the group's own projects (not its
  subgroups'), ``per_page`` at most 100, the next page in a ``Link: <...>; rel="next"``
  header; 404 ``Group Not Found`` for a group that holds no project.

Projects are addressed by id or URL-encoded path; ``PRIVATE-TOKEN`` authenticates (401).
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

_KEY = re.compile(r"^[A-Za-z0-9_]{1,255}$")
_MASKABLE = re.compile(r"^[A-Za-z0-9+/=@:.~_-]{8,}$")
_LEVELS = {0, 30, 40, 60}
_TOKEN_LEVELS = {10, 20, 30, 40, 50}
_SCOPES = {
    "api",
    "read_api",
    "read_registry",
    "write_registry",
    "read_repository",
    "write_repository",
    "create_runner",
    "manage_runner",
    "ai_features",
    "k8s_proxy",
    "self_rotate",
}
_VARIABLE_FIELDS = {
    "key",
    "value",
    "description",
    "variable_type",
    "protected",
    "masked",
    "masked_and_hidden",
    "raw",
    "environment_scope",
}


@dataclass
class FakeToken:
    """One project access token."""

    id: int
    name: str
    scopes: list[str]
    access_level: int
    expires_at: str
    token: str
    revoked: bool = False


@dataclass
class FakeGitLabSettings:
    """What the fake holds per project path, and every request it saw."""

    token: str
    projects: dict[str, int] = field(default_factory=dict)
    variables: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    protected: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    tokens: dict[str, list[FakeToken]] = field(default_factory=dict)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    fail_on: set[str] = field(default_factory=set)
    fail_once: set[str] = field(default_factory=set)
    """Like fail_on, for the first matching request only (a transient failure)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(501))

    known: Callable[[str], int | None] | None = None
    """Projects another fake holds (path -> id), e.g. the projects API's fake."""

    def add_project(self, path: str, project_id: int | None = None) -> None:
        """A project the fake knows (id assigned)."""
        self.projects[path] = project_id if project_id is not None else next(self.ids)
        self.variables[path] = {}
        self.protected[path] = {}
        self.tokens[path] = []

    def resolve(self, key: str) -> str | None:
        """The project path for an id or path, learning projects the other fake made."""
        if self.known is not None and not key.isdigit() and key not in self.projects:
            found = self.known(key)
            if found is not None:
                self.add_project(key, found)
        if key.isdigit():
            return next((p for p, i in self.projects.items() if i == int(key)), None)
        return key if key in self.projects else None

    def active_tokens(self, path: str) -> list[FakeToken]:
        """The project's tokens that are not revoked."""
        return [t for t in self.tokens[path] if not t.revoked]


def _bad(message: Any, status: int = 400) -> JSONResponse:
    return JSONResponse({"message": message}, status_code=status)


def _check_variable(data: dict[str, Any], *, creating: bool) -> JSONResponse | None:
    unknown = sorted(set(data) - _VARIABLE_FIELDS)
    if unknown:
        return _bad({"error": f"unknown attributes {unknown}"})
    if creating and ("key" not in data or "value" not in data):
        return _bad("400 Bad request - key and value are missing")
    if creating and not _KEY.match(str(data["key"])):
        return _bad({"key": ["can contain only letters, digits and '_'."]})
    if not isinstance(data.get("value", ""), str):
        return _bad({"value": ["is invalid"]})
    if data.get("variable_type", "env_var") not in ("env_var", "file"):
        return _bad("variable_type does not have a valid value")
    for flag in ("protected", "masked", "raw"):
        if flag in data and not isinstance(data[flag], bool):
            return _bad(f"{flag} is invalid")
    if data.get("masked") and not _MASKABLE.match(str(data.get("value", ""))):
        return _bad({"value": ["is invalid"]})
    return None


def _public_variable(variable: dict[str, Any]) -> dict[str, Any]:
    return {
        "variable_type": "env_var",
        "protected": False,
        "masked": False,
        "raw": False,
        "environment_scope": "*",
        "description": None,
        **variable,
    }


def _token_json(token: FakeToken, *, with_value: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": token.id,
        "name": token.name,
        "revoked": token.revoked,
        "active": not token.revoked,
        "scopes": token.scopes,
        "access_level": token.access_level,
        "expires_at": token.expires_at,
        "user_id": 9000 + token.id,
        "created_at": datetime.now(UTC).isoformat(),
    }
    if with_value:
        data["token"] = token.token
    return data


def settings_routes(state: FakeGitLabSettings) -> list[Route]:
    """The routes of the variables, protected branches and access tokens APIs."""

    def project_of(request: Request) -> str | None:
        return state.resolve(request.path_params["project"])

    async def guard(request: Request) -> tuple[str | None, Any, Response | None]:
        body: Any = None
        if request.method in ("POST", "PUT"):
            body = await request.json()
        state.requests.append((request.method, request.url.path, body))
        if request.headers.get("private-token") != state.token:
            return None, body, _bad("401 Unauthorized", 401)
        project = project_of(request)
        if project is None:
            return None, body, _bad("404 Project Not Found", 404)
        for marker in state.fail_on:
            if marker in f"{request.method} {request.url.path}":
                return None, body, _bad("500 Internal Server Error", 500)
        for marker in list(state.fail_once):
            if marker in f"{request.method} {request.url.path}":
                state.fail_once.discard(marker)
                return None, body, _bad("500 Internal Server Error", 500)
        return project, body, None

    async def variables(request: Request) -> Response:
        project, body, refused = await guard(request)
        if refused is not None:
            return refused
        assert project is not None
        held = state.variables[project]
        if request.method == "GET":
            return JSONResponse([_public_variable(v) for v in held.values()])
        problem = _check_variable(body, creating=True)
        if problem is not None:
            return problem
        with state.lock:
            if body["key"] in held:
                return _bad({"key": [f"({body['key']}) has already been taken"]})
            held[body["key"]] = dict(body)
        return JSONResponse(_public_variable(held[body["key"]]), status_code=201)

    async def variable(request: Request) -> Response:
        project, body, refused = await guard(request)
        if refused is not None:
            return refused
        assert project is not None
        held = state.variables[project]
        key = request.path_params["key"]
        if key not in held:
            return _bad("404 Variable Not Found", 404)
        if request.method == "GET":
            return JSONResponse(_public_variable(held[key]))
        if request.method == "DELETE":
            with state.lock:
                del held[key]
            return Response(status_code=204)
        problem = _check_variable(body, creating=False)
        if problem is not None:
            return problem
        with state.lock:
            held[key] = {**held[key], **body, "key": key}
        return JSONResponse(_public_variable(held[key]))

    async def protected_branches(request: Request) -> Response:
        project, body, refused = await guard(request)
        if refused is not None:
            return refused
        assert project is not None
        held = state.protected[project]
        if request.method == "GET":
            return JSONResponse(list(held.values()))
        name = body.get("name")
        if not isinstance(name, str) or not name:
            return _bad("400 Bad request - name is missing")
        for level_key in ("push_access_level", "merge_access_level", "unprotect_access_level"):
            if level_key in body and body[level_key] not in _LEVELS:
                return _bad(f"{level_key} does not have a valid value")
        if "allow_force_push" in body and not isinstance(body["allow_force_push"], bool):
            return _bad("allow_force_push is invalid")
        with state.lock:
            if name in held:
                return _bad(f"Protected branch '{name}' already exists", 409)
            held[name] = {
                "id": next(state.ids),
                "name": name,
                "push_access_levels": [{"access_level": body.get("push_access_level", 40)}],
                "merge_access_levels": [{"access_level": body.get("merge_access_level", 40)}],
                "allow_force_push": body.get("allow_force_push", False),
            }
        return JSONResponse(held[name], status_code=201)

    async def protected_branch(request: Request) -> Response:
        project, _, refused = await guard(request)
        if refused is not None:
            return refused
        assert project is not None
        held = state.protected[project]
        name = request.path_params["name"]
        if name not in held:
            return _bad("404 Not found", 404)
        if request.method == "DELETE":
            with state.lock:
                del held[name]
            return Response(status_code=204)
        return JSONResponse(held[name])

    async def access_tokens(request: Request) -> Response:
        project, body, refused = await guard(request)
        if refused is not None:
            return refused
        assert project is not None
        if request.method == "GET":
            return JSONResponse([_token_json(t) for t in state.tokens[project]])
        name, scopes = body.get("name"), body.get("scopes")
        if not isinstance(name, str) or not name:
            return _bad("400 Bad request - name is missing")
        if not isinstance(scopes, list) or not scopes or not set(scopes) <= _SCOPES:
            return _bad("scopes does not have a valid value")
        level = body.get("access_level", 40)
        if level not in _TOKEN_LEVELS:
            return _bad("access_level does not have a valid value")
        try:
            expires = date.fromisoformat(str(body.get("expires_at")))
        except ValueError:
            return _bad("expires_at is missing or invalid")
        if expires > date.today() + timedelta(days=365) or expires <= date.today():
            return _bad({"expires_at": ["must be in the future and at most 365 days ahead"]})
        token = FakeToken(
            id=next(state.ids),
            name=name,
            scopes=list(scopes),
            access_level=level,
            expires_at=expires.isoformat(),
            token="glpat-" + secrets.token_urlsafe(15),
        )
        with state.lock:
            state.tokens[project].append(token)
        return JSONResponse(_token_json(token, with_value=True), status_code=201)

    async def access_token(request: Request) -> Response:
        project, _, refused = await guard(request)
        if refused is not None:
            return refused
        assert project is not None
        token_id = int(request.path_params["token_id"])
        found = next((t for t in state.tokens[project] if t.id == token_id), None)
        if found is None or found.revoked:
            return _bad("404 Not Found", 404)
        if request.method == "DELETE":
            found.revoked = True
            return Response(status_code=204)
        return JSONResponse(_token_json(found))

    async def group_projects(request: Request) -> Response:
        # GET /groups/:id/projects: the group's own projects (include_subgroups=false), a
        # page at a time (per_page at most 100), the next page in a Link header as GitLab
        # paginates offset lists.
        state.requests.append(("GET", request.url.path, None))
        if request.headers.get("private-token") != state.token:
            return _bad("401 Unauthorized", 401)
        group = request.path_params["group"]
        if "GET /groups" in state.fail_on:
            return _bad("500 Internal Server Error", 500)
        paths = sorted(p for p in state.projects if p.rpartition("/")[0] == group)
        if not paths and not any(p.startswith(f"{group}/") for p in state.projects):
            return _bad("404 Group Not Found", 404)
        per_page = min(int(request.query_params.get("per_page", 20)), 100)
        page = int(request.query_params.get("page", 1))
        chunk = paths[(page - 1) * per_page : page * per_page]
        headers = {}
        if page * per_page < len(paths):
            following = request.url.include_query_params(page=page + 1, per_page=per_page)
            headers["Link"] = f'<{following}>; rel="next"'
        body = [{"id": state.projects[p], "path_with_namespace": p,
                 "path": p.rpartition("/")[2]} for p in chunk]
        return JSONResponse(body, headers=headers)

    api = "/api/v4/projects/{project:path}"
    return [
        Route("/api/v4/groups/{group:path}/projects", group_projects, methods=["GET"]),
        Route(f"{api}/variables/{{key}}", variable, methods=["GET", "PUT", "DELETE"]),
        Route(f"{api}/variables", variables, methods=["GET", "POST"]),
        Route(f"{api}/protected_branches/{{name}}", protected_branch, methods=["GET", "DELETE"]),
        Route(f"{api}/protected_branches", protected_branches, methods=["GET", "POST"]),
        Route(f"{api}/access_tokens/{{token_id:int}}", access_token, methods=["GET", "DELETE"]),
        Route(f"{api}/access_tokens", access_tokens, methods=["GET", "POST"]),
    ]


def fake_gitlab_settings(state: FakeGitLabSettings) -> Starlette:
    """An ASGI app serving the variables, protected branches and access tokens APIs."""
    return Starlette(routes=settings_routes(state))
