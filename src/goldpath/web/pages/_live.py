"""The live panels of a component page (Deployment, Pipeline, Metrics, Logs) and the
development-only Run locally / Stop forms."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse, Response

from goldpath.catalog import EntityRef
from goldpath.errors import GoldpathError
from goldpath.live import (
    RANGES,
    ComponentStatus,
    DeploymentStatus,
    MetricsStatus,
    PipelineStatus,
    RuntimeStatus,
    Unavailable,
)
from goldpath.web._deps import catalog_service, live_service, settings_of
from goldpath.web._permissions import authorize, entity_from_path
from goldpath.web.auth import CurrentIdentity
from goldpath.web.pages._plots import Plot, format_value, plot
from goldpath.web.pages._views import entity_href, entity_ref_of, safe_url

__all__ = ["LivePanels", "RangeLink", "Stat", "live_panels", "router", "tone"]

router = APIRouter(include_in_schema=False)

_RANGE_LABELS = {"1h": "1 hour", "6h": "6 hours", "24h": "24 hours"}
_GOOD = {"synced", "healthy", "success", "running", "passed"}
_BAD = {"outofsync", "degraded", "failed", "missing", "error", "canceled"}


@dataclass(frozen=True, slots=True)
class RangeLink:
    """One choice of the plotted range."""

    key: str
    label: str
    href: str
    active: bool


@dataclass(frozen=True, slots=True)
class Stat:
    """A headline figure of the Metrics panel."""

    label: str
    value: str
    hint: str


@dataclass(frozen=True, slots=True)
class LivePanels:
    """What ``_live_panels.html`` shows."""

    status: ComponentStatus
    range_key: str
    ranges: tuple[RangeLink, ...]
    stats: tuple[Stat, ...]
    plots: tuple[Plot, ...]
    show_runner: bool
    can_run: bool
    run_blocked: str | None
    run_action: str
    stop_action: str
    refresh: bool

    @property
    def deployment(self) -> DeploymentStatus | None:
        """The Argo CD application, when Argo CD answered."""
        value = self.status.deployment
        return value if isinstance(value, DeploymentStatus) else None

    @property
    def pipeline(self) -> PipelineStatus | None:
        """The latest pipeline (or local commit), when it could be read."""
        value = self.status.pipeline
        return value if isinstance(value, PipelineStatus) else None

    @property
    def metrics(self) -> MetricsStatus | None:
        """The RED figures, when Prometheus answered."""
        value = self.status.metrics
        return value if isinstance(value, MetricsStatus) else None

    @property
    def runtime(self) -> RuntimeStatus | None:
        """The local run, when the runner answered."""
        value = self.status.runtime
        return value if isinstance(value, RuntimeStatus) else None

    def why(self, panel: str) -> Unavailable | None:
        """Why ``panel`` (deployment, pipeline, metrics, runtime) has no data, or None."""
        value = getattr(self.status, panel)
        return value if isinstance(value, Unavailable) else None

    @staticmethod
    def tone(value: str | None) -> str:
        """``ok``, ``bad`` or ``neutral``: the colour of a status word."""
        return tone(value)

    @staticmethod
    def link(url: object) -> str | None:
        """A URL a remote system (Argo CD, GitLab) or the runner reported, when a link to it
        is safe (the portal's one rule, ``safe_url``), else None."""
        return safe_url(url)


def tone(value: str | None) -> str:
    """``ok``, ``bad`` or ``neutral``: the colour of a status word."""
    key = (value or "").lower().replace(" ", "").replace("_", "")
    if key in _GOOD:
        return "ok"
    if key in _BAD:
        return "bad"
    return "neutral"


def _stats(metrics: MetricsStatus) -> tuple[Stat, ...]:
    window = metrics.window
    now = metrics.now
    return (
        Stat("Requests", format_value(now.get("requestsPerSecond"), "rps"), f"rate over {window}"),
        Stat("Errors (5xx)", format_value(now.get("errorRatio"), "ratio"), "share of requests"),
        Stat(
            "Client errors (4xx)",
            format_value(now.get("clientErrorRatio"), "ratio"),
            "share of requests",
        ),
        Stat("Latency p95", format_value(now.get("latencyP95Seconds"), "seconds"), window),
    )


def _plots(metrics: MetricsStatus) -> tuple[Plot, ...]:
    key = metrics.range_key
    return (
        plot(
            "plot-rps",
            metrics.series["requestsPerSecond"],
            title="Requests per second",
            unit="rps",
            range_key=key,
        ),
        plot(
            "plot-errors",
            metrics.series["errorRatio"],
            title="Error ratio (5xx)",
            unit="ratio",
            range_key=key,
        ),
        plot(
            "plot-latency",
            metrics.series["latencyP95Seconds"],
            title="Latency p95",
            unit="seconds",
            range_key=key,
        ),
    )


def live_panels(request: Request, entity: Mapping[str, Any], range_key: str) -> LivePanels | None:
    """The panels of a Component page (None for other kinds)."""
    if str(entity.get("kind", "")).lower() != "component":
        return None
    live = live_service(request)
    range_key = range_key if range_key in RANGES else "1h"
    status = live.status(entity, range_key=range_key)
    href = entity_href(entity_ref_of(entity))
    metrics = status.metrics if isinstance(status.metrics, MetricsStatus) else None
    show_runner = not settings_of(request).is_production and live.runner is not None
    run_blocked: str | None = None
    if show_runner:
        try:
            live.run_target(entity)
        except GoldpathError as exc:
            run_blocked = exc.message
        if run_blocked is None and shutil.which("npm") is None:
            run_blocked = "npm is not installed on this machine"
    runtime_status = status.runtime if isinstance(status.runtime, RuntimeStatus) else None
    return LivePanels(
        status=status,
        range_key=range_key,
        ranges=tuple(
            RangeLink(key, _RANGE_LABELS[key], f"{href}?range={key}#live", key == range_key)
            for key in RANGES
        ),
        stats=_stats(metrics) if metrics else (),
        plots=_plots(metrics) if metrics else (),
        show_runner=show_runner,
        can_run=show_runner and run_blocked is None,
        run_blocked=run_blocked,
        run_action=f"{href}/run",
        stop_action=f"{href}/stop",
        refresh=runtime_status is not None and runtime_status.state == "starting",
    )


def _entity(request: Request, namespace: str, kind: str, name: str) -> dict[str, Any]:
    return catalog_service(request).get_entity(EntityRef(kind=kind, namespace=namespace, name=name))


@router.post(
    "/catalog/{namespace}/{kind}/{name}/run",
    dependencies=[authorize("local.run", resource=entity_from_path)],
)
async def run_locally(
    request: Request, namespace: str, kind: str, name: str, identity: CurrentIdentity
) -> Response:
    """The Run locally button: start the component, then show its page while it starts."""
    entity = await to_thread.run_sync(_entity, request, namespace, kind, name)
    await to_thread.run_sync(live_service(request).run, entity)
    return RedirectResponse(entity_href(entity_ref_of(entity)) + "#live", status_code=303)


@router.post(
    "/catalog/{namespace}/{kind}/{name}/stop",
    dependencies=[authorize("local.run", resource=entity_from_path)],
)
async def stop_locally(
    request: Request, namespace: str, kind: str, name: str, identity: CurrentIdentity
) -> Response:
    """The Stop button: end the component's local run."""
    entity = await to_thread.run_sync(_entity, request, namespace, kind, name)
    await to_thread.run_sync(live_service(request).stop, entity)
    return RedirectResponse(entity_href(entity_ref_of(entity)) + "#live", status_code=303)
