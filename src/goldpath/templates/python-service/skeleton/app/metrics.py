"""Prometheus metrics: process defaults plus the RED metrics every golden path exports.

The names, labels, help texts and buckets are the Node.js path's, so the platform's
dashboards and alert rules read every service the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)

UNMATCHED_ROUTE = "unmatched"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LABEL_NAMES = ("method", "route", "status_code")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
CONTENT_TYPE = CONTENT_TYPE_LATEST

# prometheus_client adds a `_created` series to every counter; the Node.js path has none.
disable_created_metrics()  # type: ignore[no-untyped-call]


def route_label(scope: Mapping[str, Any]) -> str:
    """The route template that matched, or one shared value for unknown paths."""
    route = scope.get("route")
    template = getattr(route, "path_format", None)
    return template if isinstance(template, str) else UNMATCHED_ROUTE


def method_label(method: str) -> str:
    """The request method, with anything unusual folded into OTHER (bounded cardinality)."""
    return method if method in KNOWN_METHODS else "OTHER"


class Metrics:
    """A registry of its own (process defaults + RED metrics), so tests never share one."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
        self.requests = Counter(
            "http_requests",
            "HTTP requests served, by method, route template and status code.",
            LABEL_NAMES,
            registry=self.registry,
        )
        self.duration = Histogram(
            "http_request_duration_seconds",
            "HTTP request duration in seconds, by method, route template and status code.",
            LABEL_NAMES,
            buckets=BUCKETS,
            registry=self.registry,
        )

    def observe(self, *, method: str, route: str, status_code: int, seconds: float) -> None:
        """Count one finished request and record how long it took."""
        labels = (method_label(method), route, str(status_code))
        self.requests.labels(*labels).inc()
        self.duration.labels(*labels).observe(seconds)

    def exposition(self) -> bytes:
        """The registry in Prometheus' text format."""
        return generate_latest(self.registry)
