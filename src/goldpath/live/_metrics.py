"""RED figures of a service from Prometheus: the PromQL (pure) and what its answer means.

The golden paths' services count ``http_requests_total`` and time
``http_request_duration_seconds`` (a histogram), labelled ``method``, ``route`` and
``status_code``; Prometheus adds ``job``. Errors are 5xx answers, as the app's
``AppHighErrorRatio`` alert and dashboard count them; 4xx answers are shown apart.

A page view asks Prometheus once: one ``query_range`` whose four expressions are joined
with ``or`` and told apart by a ``series`` label. The figures "now" are each series' point
at the end of the range, so they are exactly an instant query at that time.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from goldpath.providers._prometheus import Series

__all__ = [
    "RANGES",
    "SERIES",
    "MetricsStatus",
    "RangeKey",
    "combined_query",
    "label_value",
    "metrics_from_series",
    "red_queries",
]

RangeKey = Literal["1h", "6h", "24h"]
# range -> (length in seconds, step in seconds): 61 points each.
RANGES: dict[str, tuple[int, int]] = {"1h": (3600, 60), "6h": (21600, 360), "24h": (86400, 1440)}
SERIES = ("requestsPerSecond", "errorRatio", "clientErrorRatio", "latencyP95Seconds")
_SERIES_LABEL = "series"


def label_value(text: str) -> str:
    """``text`` as a PromQL double-quoted string literal."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def red_queries(job: str, window: str) -> dict[str, str]:
    """The PromQL of each RED figure of the service whose ``job`` label is ``job``."""
    selector = f"job={label_value(job)}"
    total = f"sum(rate(http_requests_total{{{selector}}}[{window}]))"

    def share(status_class: str) -> str:
        matcher = f'{selector},status_code=~"{status_class}"'
        part = f"sum(rate(http_requests_total{{{matcher}}}[{window}]))"
        # No 5xx series at all means none failed: 0, not "no data", when there was traffic.
        return f"({part} or vector(0)) / {total}"

    return {
        "requestsPerSecond": total,
        "errorRatio": share("5.."),
        "clientErrorRatio": share("4.."),
        "latencyP95Seconds": "histogram_quantile(0.95, sum by (le) "
        f"(rate(http_request_duration_seconds_bucket{{{selector}}}[{window}])))",
    }


def combined_query(job: str, window: str) -> str:
    """All RED figures in one expression, each series labelled ``series="<name>"``."""
    return " or ".join(
        f'label_replace({expression}, "{_SERIES_LABEL}", "{name}", "", "")'
        for name, expression in red_queries(job, window).items()
    )


Point = tuple[float, float | None]


@dataclass(frozen=True, slots=True)
class MetricsStatus:
    """The RED figures now and over a range, as one query answered them."""

    job: str
    window: str
    range_key: str
    at: float
    step: int
    now: Mapping[str, float | None]
    series: Mapping[str, tuple[Point, ...]]
    source: str

    @property
    def has_traffic(self) -> bool:
        """Whether any request was counted in the range."""
        return any(v for _, v in self.series.get("requestsPerSecond", ()) if v)

    def as_dict(self) -> dict[str, Any]:
        """The ``metrics`` member of the status JSON."""
        return {
            "job": self.job,
            "window": self.window,
            "range": self.range_key,
            "at": self.at,
            "step": self.step,
            "source": self.source,
            **{name: self.now.get(name) for name in SERIES},
            "series": {name: [[t, v] for t, v in points] for name, points in self.series.items()},
        }


def _grid(start: float, step: int, count: int) -> list[float]:
    return [start + i * step for i in range(count)]


def metrics_from_series(
    found: Iterable[Series],
    *,
    job: str,
    window: str,
    range_key: str,
    at: float,
    source: str,
) -> MetricsStatus:
    """Read a combined query's answer: each named series on the range's full grid (None
    where Prometheus had no point), and its value at ``at``."""
    length, step = RANGES[range_key]
    count = length // step + 1
    grid = _grid(at - length, step, count)
    by_name: dict[str, dict[int, float | None]] = {}
    for series in found:
        name = series.labels.get(_SERIES_LABEL)
        if name not in SERIES:
            continue
        slots = by_name.setdefault(name, {})
        for t, value in series.points:
            index = round((t - grid[0]) / step)
            if 0 <= index < count and math.isclose(t, grid[index], abs_tol=0.01):
                slots[index] = value
    series_out: dict[str, tuple[Point, ...]] = {}
    now: dict[str, float | None] = {}
    for name in SERIES:
        slots = by_name.get(name, {})
        series_out[name] = tuple((grid[i], slots.get(i)) for i in range(count))
        now[name] = slots.get(count - 1)
    return MetricsStatus(
        job=job,
        window=window,
        range_key=range_key,
        at=at,
        step=step,
        now=now,
        series=series_out,
        source=source,
    )
