"""GitLab CI pipelines through python-gitlab: a project's latest pipeline and its stages.

Two documented REST calls: ``GET /projects/:id/pipelines/latest`` (the default branch's when
no ref is given; GitLab answers 403 when the latest commit has no pipeline) and
``GET /projects/:id/pipelines/:pipeline_id/jobs``. python-gitlab loads on first use.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from goldpath.config import GitIntegration
from goldpath.errors import ProviderError
from goldpath.providers._argocd import parse_kube_time

__all__ = [
    "GitLabPipelineError",
    "GitLabPipelines",
    "Pipeline",
    "PipelineStage",
    "stage_status",
]

# Most telling first: one failed job makes its stage failed, one running job running, ...
_PRECEDENCE = (
    "failed",
    "running",
    "pending",
    "canceled",
    "manual",
    "scheduled",
    "success",
    "skipped",
    "created",
)
_WAITING = {"created": "pending", "waiting_for_resource": "pending", "preparing": "pending"}


class GitLabPipelineError(ProviderError):
    """GitLab failed, refused, or could not be reached while reading pipelines."""


@dataclass(frozen=True, slots=True)
class PipelineStage:
    """One stage of a pipeline and the status its jobs add up to."""

    name: str
    status: str


@dataclass(frozen=True, slots=True)
class Pipeline:
    """A pipeline as the portal shows it."""

    id: int
    ref: str
    sha: str
    status: str
    web_url: str
    created_at: datetime | None
    stages: tuple[PipelineStage, ...]


def stage_status(jobs: Iterable[tuple[str, bool]]) -> str:
    """The status of a stage from its jobs' ``(status, allow_failure)``, as GitLab sums them.

    A failed job that may fail counts as a success with warnings; an empty stage is skipped.
    """
    seen: set[str] = set()
    for status, allow_failure in jobs:
        status = _WAITING.get(status, status)
        if status == "failed" and allow_failure:
            status = "success"
        seen.add(status if status in _PRECEDENCE else "pending")
    for status in _PRECEDENCE:
        if status in seen:
            return status
    return "skipped"


def stages_of(jobs: Iterable[Mapping[str, Any]]) -> tuple[PipelineStage, ...]:
    """Jobs grouped by stage, stages in the order their first job was created (lowest id)."""
    by_stage: dict[str, list[tuple[int, str, bool]]] = {}
    for job in jobs:
        stage = job.get("stage")
        if not isinstance(stage, str):
            continue
        job_id = job.get("id")
        by_stage.setdefault(stage, []).append(
            (
                job_id if isinstance(job_id, int) else 0,
                str(job.get("status") or ""),
                bool(job.get("allow_failure")),
            )
        )
    ordered = sorted(by_stage.items(), key=lambda item: min(j[0] for j in item[1]))
    return tuple(
        PipelineStage(name=name, status=stage_status((s, a) for _, s, a in entries))
        for name, entries in ordered
    )


class GitLabPipelines:
    """Pipelines of one GitLab instance (the integration's URL and token)."""

    def __init__(self, integration: GitIntegration, *, timeout: float) -> None:
        host = integration.host.lower()
        api = (integration.api_base_url or f"https://{host}/api/v4").rstrip("/")
        self._host = host
        self._base_url = api.removesuffix("/api/v4")
        self._token = integration.token.get_secret_value() if integration.token else ""
        self._timeout = timeout
        self._client: Any = None

    def _gitlab(self) -> Any:
        if self._client is None:
            import gitlab

            self._client = gitlab.Gitlab(
                url=self._base_url, private_token=self._token or None, timeout=self._timeout
            )
        return self._client

    def _convert(self, exc: Exception, doing: str) -> GitLabPipelineError:
        import gitlab.exceptions
        import requests

        from goldpath.redaction import redact_text

        if isinstance(exc, gitlab.exceptions.GitlabError):
            detail = " ".join(str(exc.error_message).split())
            message = redact_text(detail, [self._token], urls=True)
            return GitLabPipelineError(
                f"GitLab {self._host} answered {exc.response_code} while {doing}: {message}",
                host=self._host,
                status=exc.response_code,
            )
        if isinstance(exc, requests.Timeout):
            return GitLabPipelineError(
                f"GitLab {self._host} did not answer within {self._timeout:g} s while {doing}",
                host=self._host,
            )
        return GitLabPipelineError(
            f"GitLab {self._host} could not be reached while {doing} ({type(exc).__name__})",
            host=self._host,
        )

    def latest(self, project_path: str) -> Pipeline | None:
        """The default branch's latest pipeline with its stages; None when it has none yet."""
        import gitlab.exceptions
        import requests

        try:
            project = self._gitlab().projects.get(project_path, lazy=True)
            try:
                pipeline = project.pipelines.latest()
            except gitlab.exceptions.GitlabHttpError as exc:
                if exc.response_code == 403:
                    return None  # GitLab's documented answer when the commit has no pipeline
                raise
            jobs = pipeline.jobs.list(get_all=True, per_page=100)
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, f"reading the pipelines of {project_path}") from exc
        attrs: Mapping[str, Any] = pipeline.attributes
        return Pipeline(
            id=int(attrs.get("id") or 0),
            ref=str(attrs.get("ref") or ""),
            sha=str(attrs.get("sha") or ""),
            status=str(attrs.get("status") or "unknown"),
            web_url=str(attrs.get("web_url") or ""),
            created_at=parse_kube_time(attrs.get("created_at")),
            stages=stages_of(job.attributes for job in jobs),
        )
