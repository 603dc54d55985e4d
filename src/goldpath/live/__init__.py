"""A component alive: deployment, pipeline, RED metrics, logs; and (development) running it.

``LiveService.status`` reads the four panels of a component page, each failing soft;
``LocalRunner`` runs a component from the local git host as a supervised child process,
next to one local Prometheus that scrapes what runs.
"""

from goldpath.live._cache import TtlCache
from goldpath.live._component import ComponentFacts, LocalRepo, component_facts
from goldpath.live._logs import LEVELS, LogLine, parse_log_line, tail_lines
from goldpath.live._metrics import (
    RANGES,
    SERIES,
    MetricsStatus,
    combined_query,
    label_value,
    metrics_from_series,
    red_queries,
)
from goldpath.live._prometheus import LocalPrometheus, prometheus_config, target_group
from goldpath.live._runner import LocalRunner, RunTarget
from goldpath.live._state import AppFiles, RunState
from goldpath.live._status import (
    CommitInfo,
    ComponentStatus,
    DeploymentStatus,
    LiveService,
    PipelineStatus,
    RuntimeStatus,
    Unavailable,
)
from goldpath.live.errors import (
    AlreadyRunningError,
    LocalRunError,
    NotRunnableError,
    NotRunningError,
)

__all__ = [
    "LEVELS",
    "RANGES",
    "SERIES",
    "AlreadyRunningError",
    "AppFiles",
    "CommitInfo",
    "ComponentFacts",
    "ComponentStatus",
    "DeploymentStatus",
    "LiveService",
    "LocalPrometheus",
    "LocalRepo",
    "LocalRunError",
    "LocalRunner",
    "LogLine",
    "MetricsStatus",
    "NotRunnableError",
    "NotRunningError",
    "PipelineStatus",
    "RunState",
    "RunTarget",
    "RuntimeStatus",
    "TtlCache",
    "Unavailable",
    "combined_query",
    "component_facts",
    "label_value",
    "metrics_from_series",
    "parse_log_line",
    "prometheus_config",
    "red_queries",
    "tail_lines",
    "target_group",
]
