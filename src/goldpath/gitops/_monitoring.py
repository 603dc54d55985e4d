"""Monitoring of one app: ServiceMonitor and PrometheusRule (RED alerts, restarts, target down)."""

from __future__ import annotations

from typing import Any

from goldpath.gitops._names import dashboard_uid, namespace_name, selector_labels
from goldpath.gitops._spec import AppSpec
from goldpath.gitops._workload import metadata
from goldpath.gitops._yaml import Manifest

__all__ = [
    "ALERT_NAMES",
    "alert_rules",
    "namespace_matcher",
    "prometheus_rule",
    "rule_group",
    "service_monitor",
]

ALERT_NAMES = ("AppHighErrorRatio", "AppHighLatencyP95", "AppFrequentRestarts", "AppTargetDown")


def namespace_matcher(spec: AppSpec, environment: str | None = None) -> str:
    """PromQL label matcher for the namespace of the app (or of one environment)."""
    return f'namespace="{namespace_name(spec.name, environment)}"'


def service_monitor(spec: AppSpec) -> Manifest:
    """ServiceMonitor scraping the Service's ``metrics`` port."""
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": metadata(spec, spec.name),
        "spec": {
            "selector": {"matchLabels": selector_labels(spec)},
            "endpoints": [
                {
                    "port": "metrics",
                    "path": spec.metrics_path,
                    "interval": "30s",
                    "scrapeTimeout": "10s",
                }
            ],
        },
    }


def alert_rules(spec: AppSpec, environment: str | None = None) -> list[dict[str, Any]]:
    """The app's alerting rules for one namespace, thresholds from the spec."""
    t = spec.alerts
    job = f'job="{spec.name}"'
    ns = namespace_matcher(spec, environment)
    window = "5m"
    for_ = f"{t.for_minutes}m"
    labels = {"app": spec.name, "team": spec.team}
    if environment is not None:
        labels["environment"] = environment
    dashboard = f"{spec.platform.grafana_url}/d/{dashboard_uid(spec.name)}"

    def rule(alert: str, expr: str, severity: str, summary: str, description: str,
             duration: str | None = for_) -> dict[str, Any]:
        body: dict[str, Any] = {
            "alert": alert,
            "expr": expr,
            "labels": {**labels, "severity": severity},
            "annotations": {
                "summary": summary,
                "description": description,
                "dashboard": dashboard,
            },
        }
        if duration is not None:
            body["for"] = duration
        return body

    return [
        rule(
            "AppHighErrorRatio",
            f'sum by (namespace) (rate(http_requests_total{{{job},{ns},status_code=~"5.."}}'
            f"[{window}])) / sum by (namespace) (rate(http_requests_total{{{job},{ns}}}"
            f"[{window}])) > {t.error_ratio:g}",
            "critical",
            f"{spec.name}: more than {t.error_ratio:.0%} of requests fail with 5xx",
            "The 5xx share of {{ $labels.namespace }} is {{ $value | humanizePercentage }}.",
        ),
        rule(
            "AppHighLatencyP95",
            "histogram_quantile(0.95, sum by (namespace, le) "
            f"(rate(http_request_duration_seconds_bucket{{{job},{ns}}}[{window}]))) "
            f"> {t.latency_p95_seconds:g}",
            "warning",
            f"{spec.name}: p95 latency above {t.latency_p95_seconds:g}s",
            "p95 latency in {{ $labels.namespace }} is {{ $value | humanizeDuration }}.",
        ),
        rule(
            "AppFrequentRestarts",
            f'sum by (namespace, pod) (increase(kube_pod_container_status_restarts_total'
            f'{{{ns},container="{spec.name}"}}[1h])) > {t.restarts_per_hour}',
            "warning",
            f"{spec.name}: containers restart more than {t.restarts_per_hour} times an hour",
            f"{{{{ $labels.pod }}}} in {{{{ $labels.namespace }}}} restarted more than "
            f"{t.restarts_per_hour} times in the last hour.",
            duration=None,
        ),
        rule(
            "AppTargetDown",
            f"up{{{job},{ns}}} == 0",
            "critical",
            f"{spec.name}: a scrape target is down",
            "{{ $labels.instance }} in {{ $labels.namespace }} has not answered scrapes.",
        ),
    ]


def rule_group(spec: AppSpec, environment: str | None = None) -> dict[str, Any]:
    """The app's rule group, as both PrometheusRule and promtool expect it."""
    return {
        "name": f"{namespace_name(spec.name, environment)}.rules",
        "rules": alert_rules(spec, environment),
    }


def prometheus_rule(spec: AppSpec, environment: str | None = None) -> Manifest:
    """PrometheusRule holding the app's rule group for one namespace."""
    meta = metadata(spec, f"{spec.name}-alerts")
    meta["namespace"] = namespace_name(spec.name, environment)
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": meta,
        "spec": {"groups": [rule_group(spec, environment)]},
    }
