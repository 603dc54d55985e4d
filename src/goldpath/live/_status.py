"""A component's live status: deployment, pipeline, metrics and runtime, each failing soft.

Every panel reads its own backend (Argo CD, GitLab or the local git host, Prometheus, the
local runner) with a short timeout, all at once, through one TTL cache: a page view and
its JSON twin cost each backend one read. A panel that cannot answer says why instead:
``not-configured`` (nothing to ask, or nothing to ask about) or ``unreachable`` (asked,
and it failed), with a reason a person can act on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar
from urllib.parse import quote

from goldpath.config import GitIntegration, Settings
from goldpath.errors import GoldpathError, NotFoundError
from goldpath.live._cache import TtlCache
from goldpath.live._component import ComponentFacts, LocalRepo, component_facts
from goldpath.live._logs import LogLine, parse_log_line, tail_lines
from goldpath.live._metrics import RANGES, MetricsStatus, combined_query, metrics_from_series
from goldpath.live._prometheus import LocalPrometheus
from goldpath.live._runner import LocalRunner, RunTarget
from goldpath.live.errors import NotRunnableError
from goldpath.providers._argocd import ArgoApplication, ArgoCdClient
from goldpath.providers._gitlab_pipelines import GitLabPipelines, Pipeline
from goldpath.providers._prometheus import PrometheusClient
from goldpath.providers.git import GitHosts, LocalGitHost, run_git

__all__ = [
    "CommitInfo",
    "ComponentStatus",
    "DeploymentStatus",
    "LiveService",
    "PipelineStatus",
    "RuntimeStatus",
    "Unavailable",
]

log = logging.getLogger(__name__)

T = TypeVar("T")
UnavailableState = Literal["not-configured", "unreachable"]


class _NotConfigured(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Why a panel has no data."""

    state: UnavailableState
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """``{"state": ..., "reason": ...}``."""
        return {"state": self.state, "reason": self.reason}


def _iso(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z") if moment else None


@dataclass(frozen=True, slots=True)
class DeploymentStatus:
    """The component's Argo CD application."""

    application: ArgoApplication
    url: str

    def as_dict(self) -> dict[str, Any]:
        """The ``deployment`` member of the status JSON."""
        app = self.application
        return {
            "application": app.name,
            "syncStatus": app.sync_status,
            "health": app.health_status,
            "healthMessage": app.health_message,
            "revision": app.revision,
            "lastSyncedAt": _iso(app.last_synced_at),
            "operationPhase": app.operation_phase,
            "operationMessage": app.operation_message,
            "images": list(app.images),
            "url": self.url,
        }


@dataclass(frozen=True, slots=True)
class CommitInfo:
    """The tip of a branch of the local git host."""

    sha: str
    title: str
    author: str
    committed_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form."""
        return {
            "sha": self.sha,
            "shortSha": self.sha[:8],
            "title": self.title,
            "author": self.author,
            "committedAt": _iso(self.committed_at),
        }


@dataclass(frozen=True, slots=True)
class PipelineStatus:
    """GitLab's latest pipeline of the default branch, or the local host's last commit."""

    source: Literal["gitlab", "local"]
    repository: str
    url: str
    branch: str | None = None
    pipeline: Pipeline | None = None
    commit: CommitInfo | None = None

    def as_dict(self) -> dict[str, Any]:
        """The ``pipeline`` member of the status JSON."""
        body: dict[str, Any] = {"source": self.source, "repository": self.repository}
        body["url"] = self.url
        if self.source == "local":
            body["branch"] = self.branch
            body["lastCommit"] = self.commit.as_dict() if self.commit else None
            return body
        p = self.pipeline
        body["latest"] = (
            {
                "id": p.id,
                "ref": p.ref,
                "sha": p.sha,
                "status": p.status,
                "url": p.web_url,
                "createdAt": _iso(p.created_at),
                "stages": [{"name": s.name, "status": s.status} for s in p.stages],
            }
            if p is not None
            else None
        )
        return body


@dataclass(frozen=True, slots=True)
class RuntimeStatus:
    """Whether the component runs on this machine, where, and its last log lines."""

    state: Literal["starting", "running", "stopped"]
    url: str | None = None
    pid: int | None = None
    started_at: float | None = None
    detail: str = ""
    error: str | None = None
    logs: tuple[LogLine, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """The ``runtime`` member of the status JSON."""
        return {
            "state": self.state,
            "url": self.url,
            "pid": self.pid,
            "startedAt": (
                _iso(datetime.fromtimestamp(self.started_at, tz=UTC)) if self.started_at else None
            ),
            "detail": self.detail or None,
            "error": self.error,
            "logs": [line.as_dict() for line in self.logs],
        }


Panel = Any  # one of the statuses above, or Unavailable


@dataclass(frozen=True, slots=True)
class ComponentStatus:
    """Everything the live panels show of one component."""

    ref: str
    deployment: DeploymentStatus | Unavailable
    pipeline: PipelineStatus | Unavailable
    metrics: MetricsStatus | Unavailable
    runtime: RuntimeStatus | Unavailable

    def as_dict(self) -> dict[str, Any]:
        """The status JSON: each member is the data, or ``{"state", "reason"}``."""
        return {
            "entityRef": self.ref,
            "deployment": self.deployment.as_dict(),
            "pipeline": self.pipeline.as_dict(),
            "metrics": self.metrics.as_dict(),
            "runtime": self.runtime.as_dict(),
        }


class LiveService:
    """Reads a component's live status; runs it locally in development."""

    def __init__(
        self,
        settings: Settings,
        git_hosts: GitHosts,
        *,
        runner: LocalRunner | None,
        prometheus: LocalPrometheus | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.runner = runner
        self.prometheus = prometheus
        self._hosts = git_hosts
        self._clock = clock
        self._timeout = settings.live.timeout_seconds
        self.cache = TtlCache(settings.live.cache_ttl_seconds)
        self._pool = ThreadPoolExecutor(max_workers=6, thread_name_prefix="goldpath-live")
        self._clients: dict[tuple[str, str], Any] = {}
        self._clients_lock = threading.Lock()

    # -- facts ---------------------------------------------------------------------------

    def facts(self, entity: Mapping[str, Any]) -> ComponentFacts:
        """The names the panels look the component up by."""
        return component_facts(entity, self.settings.platform)

    @property
    def _local(self) -> LocalGitHost:
        return self._hosts.local

    def _integration(self, host: str) -> tuple[str, GitIntegration] | None:
        integrations = self.settings.integrations
        for kind, entries in (("gitlab", integrations.gitlab), ("github", integrations.github)):
            for entry in entries:
                if entry.host.lower() == host:
                    return kind, entry
        return None

    def local_repo(self, facts: ComponentFacts) -> LocalRepo | None:
        """The component's repository on the local git host (development only), else None."""
        if self.settings.is_production:
            return None
        local = self._local
        if facts.managed_by:
            try:
                found = local.parse_contents_url(facts.managed_by)
            except GoldpathError:
                found = None
            if found is not None and local.repo_exists(found.owner, found.repo):
                return LocalRepo(found.owner, found.repo)
        if facts.gitlab_slug and "/" in facts.gitlab_slug:
            if self._integration(facts.git_host) is not None:
                return None
            owner, _, name = facts.gitlab_slug.rpartition("/")
            try:
                if local.repo_exists(owner, name):
                    return LocalRepo(owner, name)
            except GoldpathError:
                return None
        return None

    def run_target(self, entity: Mapping[str, Any]) -> RunTarget:
        """What the runner needs to run the component; NotRunnableError when it cannot."""
        facts = self.facts(entity)
        if self.runner is None or self.settings.is_production:
            raise NotRunnableError(
                "running services locally is a development feature (GOLDPATH_ENV=development)"
            )
        if facts.ref.kind.lower() != "component":
            raise NotRunnableError(f"only components run locally, not a {facts.ref.kind}")
        repo = self.local_repo(facts)
        if repo is None:
            raise NotRunnableError(
                f"{facts.ref.key} has no repository on the local git host; only services "
                "created here (or pushed to it) run locally"
            )
        return RunTarget(key=facts.key, ref=facts.ref.key, repo=repo, job=facts.metrics_job)

    # -- reading -------------------------------------------------------------------------

    def status(self, entity: Mapping[str, Any], *, range_key: str = "1h") -> ComponentStatus:
        """All four panels; the three remote ones are read at the same time."""
        facts = self.facts(entity)
        if range_key not in RANGES:
            range_key = "1h"
        futures: dict[str, Future[Any]] = {
            "deployment": self._pool.submit(self._soft, "Argo CD", self._deployment, facts),
            "pipeline": self._pool.submit(self._soft, "the pipeline", self._pipeline, facts),
            "metrics": self._pool.submit(
                self._soft, "Prometheus", lambda f: self._metrics(f, range_key), facts
            ),
        }
        results: dict[str, Any] = {}
        for name, future in futures.items():
            try:
                results[name] = future.result(timeout=self._timeout * 2 + 1)
            except FutureTimeout:
                results[name] = Unavailable(
                    "unreachable", f"no answer within {self._timeout * 2 + 1:g} s"
                )
        return ComponentStatus(
            ref=facts.ref.key,
            deployment=results["deployment"],
            pipeline=results["pipeline"],
            metrics=results["metrics"],
            runtime=self._soft("the local runner", self.runtime, facts),
        )

    def _soft(
        self, what: str, read: Callable[[ComponentFacts], T], facts: ComponentFacts
    ) -> T | Unavailable:
        try:
            return read(facts)
        except _NotConfigured as exc:
            return Unavailable("not-configured", exc.reason)
        except NotFoundError as exc:
            return Unavailable("not-configured", exc.message)
        except GoldpathError as exc:
            return Unavailable("unreachable", exc.message)
        except Exception as exc:  # a panel fails soft even on a bug; the log keeps it
            log.exception("reading %s of %s failed", what, facts.ref.key)
            return Unavailable("unreachable", f"reading {what} failed ({type(exc).__name__})")

    def _client(self, kind: str, base: str, make: Callable[[], T]) -> T:
        with self._clients_lock:
            if (kind, base) not in self._clients:
                self._clients[(kind, base)] = make()
            client: T = self._clients[(kind, base)]
        return client

    def _deployment(self, facts: ComponentFacts) -> DeploymentStatus:
        endpoint = self.settings.argocd
        if not endpoint.url:
            raise _NotConfigured("Argo CD is not configured (argocd.url)")
        if not facts.argocd_app:
            raise _NotConfigured("the component has no argocd/app-name annotation")
        url, app = endpoint.url, facts.argocd_app
        client = self._client(
            "argocd",
            url,
            lambda: ArgoCdClient(
                url,
                token=endpoint.token.get_secret_value() if endpoint.token else None,
                timeout=self._timeout,
            ),
        )
        application = self.cache.get(("argocd", app), lambda: client.get_application(app))
        link = f"{self.settings.platform.argocd_url.rstrip('/')}/applications/{quote(app, safe='')}"
        return DeploymentStatus(application=application, url=link)

    def _pipeline(self, facts: ComponentFacts) -> PipelineStatus:
        integration = self._integration(facts.git_host)
        if integration is not None and integration[0] == "gitlab" and facts.gitlab_slug:
            return self._gitlab_pipeline(facts, integration[1])
        repo = self.local_repo(facts)
        if repo is not None:
            return self.cache.get(("local-git", repo.full_name), lambda: self._last_commit(repo))
        if integration is not None and integration[0] == "github":
            raise _NotConfigured(
                f"pipelines are read from GitLab; {facts.git_host} is a GitHub integration"
            )
        if not facts.gitlab_slug:
            raise _NotConfigured("the component has no gitlab.com/project-slug annotation")
        raise _NotConfigured(f"no GitLab integration for {facts.git_host} (integrations.gitlab)")

    def _gitlab_pipeline(
        self, facts: ComponentFacts, integration: GitIntegration
    ) -> PipelineStatus:
        slug = facts.gitlab_slug or ""
        client = self._client(
            "gitlab",
            integration.host.lower(),
            lambda: GitLabPipelines(integration, timeout=self._timeout),
        )
        key = ("gitlab", integration.host.lower(), slug)
        pipeline = self.cache.get(key, lambda: client.latest(slug))
        base = (integration.api_base_url or f"https://{integration.host}/api/v4").rstrip("/")
        web = f"{base.removesuffix('/api/v4')}/{slug}/-/pipelines"
        return PipelineStatus(source="gitlab", repository=slug, url=web, pipeline=pipeline)

    def _last_commit(self, repo: LocalRepo) -> PipelineStatus:
        info = self._local.get_repo(repo.owner, repo.name)
        output = run_git(
            [
                "--git-dir",
                str(self._local.repo_path(repo.owner, repo.name)),
                "log",
                "-1",
                "--format=%H%x00%an%x00%cI%x00%s",
                f"refs/heads/{info.default_branch}",
            ]
        ).decode("utf-8", "replace")
        sha, author, when, title = (output.strip("\n").split("\x00") + ["", "", "", ""])[:4]
        try:
            committed = datetime.fromisoformat(when) if when else None
        except ValueError:
            committed = None
        return PipelineStatus(
            source="local",
            repository=repo.full_name,
            url=info.web_url,
            branch=info.default_branch,
            commit=CommitInfo(sha=sha, title=title, author=author, committed_at=committed),
        )

    def prometheus_url(self) -> str:
        """The Prometheus to ask: ``prometheus.url``, else the development portal's own."""
        configured = self.settings.prometheus.url
        if configured:
            return configured
        if self.settings.is_production or self.prometheus is None:
            raise _NotConfigured("Prometheus is not configured (prometheus.url)")
        local = self.prometheus.url()
        if local is not None:
            return local
        if self.prometheus.executable() is None:
            raise _NotConfigured(
                "no Prometheus: set prometheus.url, or install Prometheus (Debian: "
                "apt-get install prometheus) and the development portal runs one"
            )
        if self.runner is None or not self.runner.running():
            raise _NotConfigured(
                "the local Prometheus starts with the first service run locally (Run locally)"
            )
        self.prometheus.ensure_in_background()
        raise _NotConfigured("the local Prometheus is starting; its first figures come shortly")

    def _metrics(self, facts: ComponentFacts, range_key: str) -> MetricsStatus:
        url = self.prometheus_url()
        token = self.settings.prometheus.token if self.settings.prometheus.url else None
        client = self._client(
            "prometheus",
            url,
            lambda: PrometheusClient(
                url, token=token.get_secret_value() if token else None, timeout=self._timeout
            ),
        )
        window = self.settings.live.rate_window
        job = facts.metrics_job

        def read() -> MetricsStatus:
            length, step = RANGES[range_key]
            at = round(self._clock(), 3)
            found = client.query_range(
                combined_query(job, window), start=at - length, end=at, step=step
            )
            return metrics_from_series(
                found, job=job, window=window, range_key=range_key, at=at, source=url
            )

        return self.cache.get(("prometheus", url, job, window, range_key), read)

    def runtime(self, facts: ComponentFacts) -> RuntimeStatus:
        """The local run of the component and its last log lines (development only)."""
        if self.runner is None or self.settings.is_production:
            raise _NotConfigured("services run locally in development only")
        state = self.runner.state(facts.key)
        files = self.runner.files(facts.key)
        logs = tuple(
            parse_log_line(line) for line in tail_lines(files.log, self.settings.live.log_lines)
        )
        if state is None:
            return RuntimeStatus(state="stopped", logs=logs)
        return RuntimeStatus(
            state=state.phase,
            url=state.url if state.phase == "running" else None,
            pid=state.pid if state.phase != "stopped" else None,
            started_at=state.started_at,
            detail=state.detail,
            error=state.error,
            logs=logs,
        )

    # -- running -------------------------------------------------------------------------

    def run(self, entity: Mapping[str, Any]) -> RuntimeStatus:
        """Start the component locally (returns while it starts)."""
        target = self.run_target(entity)
        assert self.runner is not None
        self.runner.run(target)
        return self.runtime(self.facts(entity))

    def stop(self, entity: Mapping[str, Any]) -> RuntimeStatus:
        """Stop the component's local run, whoever started it."""
        facts = self.facts(entity)
        if self.runner is None:
            raise NotRunnableError("services run locally in development only")
        self.runner.request_stop(facts.key)
        return self.runtime(facts)

    def close(self) -> None:
        """Stop the reading threads."""
        self._pool.shutdown(wait=False, cancel_futures=True)
