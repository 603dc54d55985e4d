"""The app's Grafana dashboard (RED plus saturation), built with grafana-foundation-sdk.

Targets Grafana 10.1 (grafana-foundation-sdk ``1769699998!10.1.0``).
"""

from __future__ import annotations

import json
from typing import Any

from grafana_foundation_sdk.builders import common as common_builders
from grafana_foundation_sdk.builders import dashboard as dash
from grafana_foundation_sdk.builders import prometheus, timeseries
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.models import common
from grafana_foundation_sdk.models.dashboard import DataSourceRef, GridPos, VariableOption

from goldpath.gitops._names import dashboard_tag, dashboard_uid, namespace_name
from goldpath.gitops._spec import ENVIRONMENTS, AppSpec
from goldpath.gitops._workload import metadata

__all__ = ["GRAFANA_VERSION", "dashboard_config_map", "dashboard_json", "dashboard_model"]

GRAFANA_VERSION = "10.1.0"
_DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")


def _panel(
    title: str, *, unit: str, queries: list[tuple[str, str]], pos: tuple[int, int]
) -> timeseries.Panel:
    panel = (
        timeseries.Panel()
        .title(title)
        .unit(unit)
        .datasource(_DATASOURCE)
        .grid_pos(GridPos(h=8, w=12, x=pos[0], y=pos[1]))
        .legend(
            common_builders.VizLegendOptions()
            .display_mode(common.LegendDisplayMode.LIST)
            .placement(common.LegendPlacement.BOTTOM)
            .show_legend(True)
        )
        .tooltip(common_builders.VizTooltipOptions().mode(common.TooltipDisplayMode.MULTI))
    )
    for index, (expr, legend) in enumerate(queries):
        panel = panel.with_target(
            prometheus.Dataquery()
            .expr(expr)
            .legend_format(legend)
            .ref_id(chr(ord("A") + index))
            .datasource(_DATASOURCE)
        )
    return panel


def dashboard_model(spec: AppSpec) -> dict[str, Any]:
    """The dashboard as Grafana's JSON model (a plain dict with sorted keys)."""
    app = spec.name
    sel = f'job="{app}",namespace="$namespace"'
    pods = f'namespace="$namespace",container="{app}"'
    namespaces = (
        [namespace_name(app, env) for env in ENVIRONMENTS if env in spec.environments]
        if spec.environments
        else [namespace_name(app)]
    )
    namespace_var = (
        dash.CustomVariable("namespace")
        .label("Namespace")
        .values(",".join(namespaces))
        .current(VariableOption(selected=True, text=namespaces[0], value=namespaces[0]))
    )
    builder = (
        dash.Dashboard(f"{app} (service)")
        .uid(dashboard_uid(app))
        .tags(["goldpath", dashboard_tag(app), f"team-{spec.team}"])
        .description(f"RED and saturation of {app}, owned by {spec.team}.")
        .editable()
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("browser")
        .with_variable(
            dash.DatasourceVariable("datasource").label("Data source").type("prometheus")
        )
        .with_variable(namespace_var)
        .with_row(dash.Row("Rate, errors, duration"))
        .with_panel(
            _panel(
                "Requests per second",
                unit="reqps",
                queries=[(f"sum by (route) (rate(http_requests_total{{{sel}}}[5m]))", "{{route}}")],
                pos=(0, 1),
            )
        )
        .with_panel(
            _panel(
                "5xx ratio",
                unit="percentunit",
                queries=[
                    (
                        f'sum(rate(http_requests_total{{{sel},status_code=~"5.."}}[5m])) / '
                        f"sum(rate(http_requests_total{{{sel}}}[5m]))",
                        "5xx",
                    )
                ],
                pos=(12, 1),
            )
        )
        .with_panel(
            _panel(
                "Latency",
                unit="s",
                queries=[
                    (
                        f"histogram_quantile({q}, sum by (le) "
                        f"(rate(http_request_duration_seconds_bucket{{{sel}}}[5m])))",
                        f"p{round(q * 100)}",
                    )
                    for q in (0.5, 0.95, 0.99)
                ],
                pos=(0, 9),
            )
        )
        .with_panel(
            _panel(
                "Ready pods",
                unit="none",
                queries=[(f"sum(up{{{sel}}})", "targets up")],
                pos=(12, 9),
            )
        )
        .with_row(dash.Row("Saturation"))
        .with_panel(
            _panel(
                "CPU (share of limit)",
                unit="percentunit",
                queries=[
                    (
                        f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{pods}}}[5m])) / "
                        "sum by (pod) (kube_pod_container_resource_limits"
                        f'{{{pods},resource="cpu"}})',
                        "{{pod}}",
                    )
                ],
                pos=(0, 18),
            )
        )
        .with_panel(
            _panel(
                "Memory (share of limit)",
                unit="percentunit",
                queries=[
                    (
                        f"sum by (pod) (container_memory_working_set_bytes{{{pods}}}) / "
                        "sum by (pod) (kube_pod_container_resource_limits"
                        f'{{{pods},resource="memory"}})',
                        "{{pod}}",
                    )
                ],
                pos=(12, 18),
            )
        )
        .with_panel(
            _panel(
                "Container restarts (1h)",
                unit="none",
                queries=[
                    (
                        "sum by (pod) (increase("
                        f"kube_pod_container_status_restarts_total{{{pods}}}[1h]))",
                        "{{pod}}",
                    )
                ],
                pos=(0, 26),
            )
        )
    )
    encoded = JSONEncoder(sort_keys=True).encode(builder.build())
    model: dict[str, Any] = json.loads(encoded)
    for number, panel in enumerate(model["panels"], start=1):
        panel["id"] = number
    return model


def dashboard_json(spec: AppSpec) -> str:
    """The dashboard as JSON for Grafana's HTTP API (stable bytes for a given spec)."""
    return json.dumps(dashboard_model(spec), indent=2, sort_keys=True) + "\n"


def dashboard_config_map(spec: AppSpec, model_json: str | None = None) -> dict[str, Any]:
    """The dashboard shipped as a ConfigMap for Grafana's sidecar (``grafana_dashboard: "1"``).

    ``model_json`` is `dashboard_json` of the same spec when the caller already has it.
    """
    meta = metadata(spec, f"{spec.name}-dashboard")
    meta["labels"] = dict(sorted({**meta["labels"], "grafana_dashboard": "1"}.items()))
    meta["annotations"] = {"grafana_folder": spec.team}
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": meta,
        "data": {f"{spec.name}.json": model_json or dashboard_json(spec)},
    }
