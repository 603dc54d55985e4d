"""Doubles of Argo CD's and GitLab's REST APIs, checked against their published contracts.

Every response a double serves is validated first (see data/README.md for where each
contract comes from): one that does not validate is recorded in ``violations`` and answered
with a 500, so a double that drifts from the real service fails the test using it.

Argo CD: ``GET /api/v1/applications/{name}`` with ``Authorization: Bearer <token>``; 401
``{"error", "code": 16, "message"}`` for a bad token, 404 (gRPC code 5) for an unknown
application. GitLab: ``GET /api/v4/projects/:id/pipelines/latest`` (403 when the latest
commit has no pipeline, as documented) and ``GET /api/v4/projects/:id/pipelines/:id/jobs``
with ``PRIVATE-TOKEN``; 401 ``{"message": "401 Unauthorized"}``, 404 for an unknown project.
"""

from __future__ import annotations

import copy
import json
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from jsonschema import Draft4Validator, FormatChecker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DATA = Path(__file__).resolve().parent / "data"
TimeFormat = Literal["rfc3339", "protobuf"]


def _strict(node: Any) -> Any:
    """Forbid properties a definition does not name (the swagger document allows them)."""
    if isinstance(node, dict):
        node = {k: _strict(v) for k, v in node.items()}
        if node.get("type") == "object" and "properties" in node:
            node.setdefault("additionalProperties", False)
        return node
    if isinstance(node, list):
        return [_strict(v) for v in node]
    return node


@cache
def argocd_application_validator(time_format: TimeFormat = "protobuf") -> Draft4Validator:
    """A validator of ``v1alpha1Application`` from the extract, strict about extra properties;
    for ``rfc3339``, ``v1Time`` also accepts the RFC 3339 text the API server writes."""
    schema = json.loads((DATA / "argocd-application.schema.json").read_text(encoding="utf-8"))
    schema = _strict(schema)
    if time_format == "rfc3339":
        documented = schema["definitions"]["v1Time"]
        schema["definitions"]["v1Time"] = {
            "anyOf": [documented, {"type": "string", "format": "date-time"}]
        }
    return Draft4Validator(schema, format_checker=FormatChecker())


@cache
def gitlab_validator(name: Literal["pipeline", "job"]) -> Draft4Validator:
    """A validator of GitLab's documented pipeline or job shape."""
    schema = json.loads((DATA / f"gitlab-{name}.schema.json").read_text(encoding="utf-8"))
    return Draft4Validator(schema, format_checker=FormatChecker())


def _problems(validator: Draft4Validator, body: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message}"
        for e in validator.iter_errors(body)
    ]


# -- Argo CD ------------------------------------------------------------------------------


def kube_time(moment: datetime, time_format: TimeFormat) -> Any:
    """A ``metav1.Time`` as the API server writes it, or in the swagger's protobuf form."""
    if time_format == "rfc3339":
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"seconds": str(int(moment.timestamp())), "nanos": 0}


def argocd_application(
    name: str,
    *,
    sync: str = "Synced",
    health: str = "Healthy",
    health_message: str | None = None,
    revision: str = "9f1c2d3e4b5a69788796a5b4c3d2e1f00a1b2c3d",
    finished_at: datetime | None = None,
    phase: str = "Succeeded",
    time_format: TimeFormat = "rfc3339",
    with_operation_state: bool = True,
) -> dict[str, Any]:
    """An Application as ``GET /api/v1/applications/{name}`` answers it for a goldpath app."""
    finished = finished_at or datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    started = finished - timedelta(seconds=14)
    t = lambda moment: kube_time(moment, time_format)  # noqa: E731
    source = {
        "repoURL": f"https://gitlab.example.com/gitops/{name}.git",
        "path": "overlays/prod",
        "targetRevision": "main",
    }
    health_status: dict[str, Any] = {"status": health}
    if health_message:
        health_status["message"] = health_message
    status: dict[str, Any] = {
        "resources": [
            {
                "group": "apps",
                "version": "v1",
                "kind": "Deployment",
                "namespace": name,
                "name": name,
                "status": sync,
                "health": {"status": health},
            },
            {"version": "v1", "kind": "Service", "namespace": name, "name": name, "status": sync},
        ],
        "sync": {
            "status": sync,
            "comparedTo": {
                "source": source,
                "destination": {"server": "https://kubernetes.default.svc", "namespace": name},
            },
            "revision": revision,
        },
        "health": health_status,
        "history": [
            {
                "revision": revision,
                "deployedAt": t(finished),
                "id": "3",
                "source": source,
                "deployStartedAt": t(started),
            }
        ],
        "reconciledAt": t(finished + timedelta(minutes=2)),
        "sourceType": "Kustomize",
        "summary": {
            "externalURLs": [f"https://{name}.apps.example.com/"],
            "images": [f"111122223333.dkr.ecr.us-east-2.amazonaws.com/{name}:{revision[:12]}"],
        },
    }
    if with_operation_state:
        status["operationState"] = {
            "operation": {
                "sync": {"revision": revision, "syncStrategy": {"hook": {}}},
                "initiatedBy": {"automated": True},
                "retry": {"limit": "5"},
            },
            "phase": phase,
            "message": "successfully synced (all tasks run)"
            if phase == "Succeeded"
            else "one or more objects failed to apply",
            "syncResult": {
                "resources": [
                    {
                        "group": "apps",
                        "version": "v1",
                        "kind": "Deployment",
                        "namespace": name,
                        "name": name,
                        "status": "Synced",
                        "message": f"deployment.apps/{name} configured",
                        "hookPhase": "Running",
                        "syncPhase": "Sync",
                    }
                ],
                "revision": revision,
                "source": source,
            },
            "startedAt": t(started),
            "finishedAt": t(finished),
        }
    return {
        "metadata": {
            "name": name,
            "namespace": "argocd",
            "uid": "8f9f0d5e-6a1b-4c2d-9e3f-0a1b2c3d4e5f",
            "resourceVersion": "48213",
            "generation": "17",
            "creationTimestamp": t(finished - timedelta(days=3)),
            "labels": {"app.kubernetes.io/managed-by": "goldpath"},
        },
        "spec": {
            "source": source,
            "destination": {"server": "https://kubernetes.default.svc", "namespace": name},
            "project": "default",
            "syncPolicy": {
                "automated": {"prune": True, "selfHeal": True},
                "syncOptions": ["CreateNamespace=false"],
            },
        },
        "status": status,
    }


@dataclass
class ArgoCdState:
    """The applications an Argo CD double holds, and what it saw."""

    token: str
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)
    time_format: TimeFormat = "rfc3339"
    requests: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _grpc_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message, "code": code, "message": message}, status_code=status)


def fake_argocd(state: ArgoCdState) -> Starlette:
    """An Argo CD API server holding ``state.applications``."""

    async def application(request: Request) -> Response:
        name = request.path_params["name"]
        with state.lock:
            state.requests.append(request.url.path)
            state.authorizations.append(request.headers.get("authorization", ""))
        if request.headers.get("authorization") != f"Bearer {state.token}":
            return _grpc_error(401, 16, "no session information")
        body = state.applications.get(name)
        if body is None:
            return _grpc_error(404, 5, f'applications.argoproj.io "{name}" not found')
        problems = _problems(argocd_application_validator(state.time_format), body)
        if problems:
            state.violations.extend(problems)
            return _grpc_error(500, 13, "the double's answer broke the contract")
        return JSONResponse(copy.deepcopy(body))

    return Starlette(routes=[Route("/api/v1/applications/{name}", application)])


# -- GitLab -------------------------------------------------------------------------------

_GITLAB_USER = {
    "id": 1,
    "username": "root",
    "name": "Administrator",
    "state": "active",
    "avatar_url": "https://www.gravatar.com/avatar/e64c7d89f26bd1972efa854d13d7dd61",
    "web_url": "https://gitlab.example.com/root",
}
_DETAILED = {
    "failed": ("status_failed", "failed", "failed", "failed"),
    "running": ("status_running", "running", "running", "running"),
    "success": ("status_success", "passed", "passed", "success"),
}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class GitLabJobSpec:
    """One job of a pipeline in the double."""

    name: str
    stage: str
    status: str
    allow_failure: bool = False


@dataclass
class GitLabPipelineSpec:
    """A project's latest pipeline in the double (None: the latest commit has none)."""

    id: int
    status: str
    jobs: list[GitLabJobSpec]
    ref: str = "main"
    sha: str = "50f0acb76a40e34a4ff304f7347dcc6587da8a14"
    created_at: datetime = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    web_url: str | None = None  # what GitLab answers as the pipeline's page (its own by default)


@dataclass
class GitLabState:
    """Projects (by full path) and their latest pipelines; what the double saw."""

    token: str
    projects: dict[str, GitLabPipelineSpec | None] = field(default_factory=dict)
    requests: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _pipeline_json(base: str, path: str, project_id: int, p: GitLabPipelineSpec) -> dict[str, Any]:
    icon, text, label, group = _DETAILED.get(
        p.status, ("status_pending", "pending", "pending", "pending")
    )
    finished = p.status in ("success", "failed", "canceled", "skipped")
    return {
        "id": p.id,
        "iid": p.id - 100,
        "project_id": project_id,
        "name": "Build pipeline",
        "sha": p.sha,
        "ref": p.ref,
        "status": p.status,
        "source": "push",
        "created_at": _iso(p.created_at),
        "updated_at": _iso(p.created_at + timedelta(minutes=3)),
        "web_url": p.web_url or f"{base}/{path}/-/pipelines/{p.id}",
        "before_sha": "8a24fb3c5877a6d0b611ca41fc86edc174593e2b",
        "tag": False,
        "yaml_errors": None,
        "user": _GITLAB_USER,
        "started_at": _iso(p.created_at + timedelta(seconds=5)),
        "finished_at": _iso(p.created_at + timedelta(minutes=3)) if finished else None,
        "committed_at": None,
        "duration": 175 if finished else None,
        "queued_duration": 5,
        "coverage": None,
        "detailed_status": {
            "icon": icon,
            "text": text,
            "label": label,
            "group": group,
            "tooltip": label,
            "has_details": False,
            "details_path": f"/{path}/-/pipelines/{p.id}",
            "illustration": None,
            "favicon": f"/assets/ci_favicons/favicon_{icon}.png",
        },
    }


def _job_json(
    base: str, path: str, project_id: int, p: GitLabPipelineSpec, job: GitLabJobSpec, job_id: int
) -> dict[str, Any]:
    done = job.status in ("success", "failed", "canceled", "skipped")
    return {
        "commit": {
            "author_email": "dev@example.com",
            "author_name": "Dev",
            "created_at": _iso(p.created_at - timedelta(minutes=1)),
            "id": p.sha,
            "message": "feat: a change\n",
            "short_id": p.sha[:8],
            "title": "feat: a change",
        },
        "coverage": None,
        "allow_failure": job.allow_failure,
        "created_at": _iso(p.created_at),
        "started_at": _iso(p.created_at + timedelta(seconds=10))
        if job.status != "created"
        else None,
        "finished_at": _iso(p.created_at + timedelta(seconds=40)) if done else None,
        "duration": 30.2 if done else None,
        "queued_duration": 0.4,
        "artifacts_expire_at": None,
        "tag_list": ["docker"],
        "id": job_id,
        "name": job.name,
        "pipeline": {
            "id": p.id,
            "project_id": project_id,
            "ref": p.ref,
            "sha": p.sha,
            "status": p.status,
        },
        "ref": p.ref,
        "artifacts": [],
        "runner": None,
        "stage": job.stage,
        "status": job.status,
        "tag": False,
        "web_url": f"{base}/{path}/-/jobs/{job_id}",
        "project": {"ci_job_token_scope_enabled": False},
        "user": _GITLAB_USER,
    }


def fake_gitlab_pipelines(state: GitLabState) -> Starlette:
    """A GitLab answering the pipeline endpoints for ``state.projects``."""

    def base_of(request: Request) -> str:
        return f"{request.url.scheme}://{request.url.netloc}"

    def guard(request: Request) -> JSONResponse | None:
        with state.lock:
            state.requests.append(request.url.path)
        if request.headers.get("private-token") != state.token:
            return JSONResponse({"message": "401 Unauthorized"}, status_code=401)
        return None

    def project(request: Request) -> tuple[str, int] | None:
        # ``:id`` is the project's id or its URL-encoded path.
        key = unquote(request.path_params["project"])
        ids = {path: 1000 + index for index, path in enumerate(sorted(state.projects))}
        for path, project_id in ids.items():
            if key in (path, str(project_id)):
                return path, project_id
        return None

    def checked(name: Literal["pipeline", "job"], body: Any) -> list[str]:
        problems = _problems(gitlab_validator(name), body)
        state.violations.extend(problems)
        return problems

    def lookup(request: Request) -> tuple[str, int, GitLabPipelineSpec | None] | Response:
        refused = guard(request)
        if refused is not None:
            return refused
        found = project(request)
        if found is None:
            return JSONResponse({"message": "404 Project Not Found"}, status_code=404)
        path, project_id = found
        return path, project_id, state.projects[path]

    async def latest(request: Request) -> Response:
        found = lookup(request)
        if isinstance(found, Response):
            return found
        path, project_id, spec = found
        if spec is None or request.query_params.get("ref", spec.ref) != spec.ref:
            return JSONResponse({"message": "403 Forbidden"}, status_code=403)
        body = _pipeline_json(base_of(request), path, project_id, spec)
        if checked("pipeline", body):
            return JSONResponse({"message": "500 contract broken"}, status_code=500)
        return JSONResponse(body)

    async def jobs(request: Request) -> Response:
        found = lookup(request)
        if isinstance(found, Response):
            return found
        path, project_id, spec = found
        if spec is None or int(request.path_params["pipeline"]) != spec.id:
            return JSONResponse({"message": "404 Not found"}, status_code=404)
        # Documented order: newest (highest id) first; ids rise in creation (stage) order.
        bodies = [
            _job_json(base_of(request), path, project_id, spec, job, spec.id * 10 + index)
            for index, job in enumerate(spec.jobs)
        ][::-1]
        if any(checked("job", body) for body in bodies):
            return JSONResponse({"message": "500 contract broken"}, status_code=500)
        return JSONResponse(
            bodies,
            headers={
                "X-Page": "1",
                "X-Per-Page": "100",
                "X-Total": str(len(bodies)),
                "X-Total-Pages": "1",
            },
        )

    return Starlette(
        routes=[
            Route("/api/v4/projects/{project:path}/pipelines/latest", latest),
            Route("/api/v4/projects/{project:path}/pipelines/{pipeline:int}/jobs", jobs),
        ]
    )


# -- Prometheus (for page rendering only; the real one is tested in the slow module) ---------


@dataclass
class PrometheusState:
    """What a Prometheus double answers: each named series' value at every step."""

    values: dict[str, float | None] = field(default_factory=dict)
    queries: list[str] = field(default_factory=list)


def fake_prometheus(state: PrometheusState) -> Starlette:
    """``GET /api/v1/query_range`` answering a matrix (Prometheus' documented shape) with a
    constant value per ``series`` label for every step; NaN where the value is None."""

    async def query_range(request: Request) -> Response:
        params = request.query_params
        state.queries.append(params["query"])
        start, end, step = float(params["start"]), float(params["end"]), float(params["step"])
        count = int((end - start) // step) + 1
        result = [
            {
                "metric": {"series": name},
                "values": [
                    [round(start + i * step, 3), "NaN" if value is None else repr(value)]
                    for i in range(count)
                ],
            }
            for name, value in state.values.items()
        ]
        return JSONResponse(
            {"status": "success", "data": {"resultType": "matrix", "result": result}}
        )

    return Starlette(routes=[Route("/api/v1/query_range", query_range)])
