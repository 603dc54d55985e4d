"""The RED PromQL and the reading of Prometheus' range answers (pure)."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from goldpath.live import (
    RANGES,
    SERIES,
    combined_query,
    label_value,
    metrics_from_series,
    red_queries,
)
from goldpath.providers._prometheus import Series, series_from_json


def test_the_queries_select_the_job_and_count_5xx_as_errors() -> None:
    queries = red_queries("orders-api", "5m")
    assert queries["requestsPerSecond"] == 'sum(rate(http_requests_total{job="orders-api"}[5m]))'
    assert 'status_code=~"5.."' in queries["errorRatio"]
    assert 'status_code=~"4.."' in queries["clientErrorRatio"]
    assert queries["latencyP95Seconds"].startswith("histogram_quantile(0.95, sum by (le)")
    assert "http_request_duration_seconds_bucket" in queries["latencyP95Seconds"]


def test_the_combined_query_labels_every_series() -> None:
    query = combined_query("orders-api", "1m")
    assert [m for m in re.findall(r'"series", "(\w+)"', query)] == list(SERIES)


def _unescape(literal: str) -> str:
    assert literal[0] == literal[-1] == '"'
    return re.sub(r"\\(.)", lambda m: {"n": "\n"}.get(m.group(1), m.group(1)), literal[1:-1])


@given(st.text())
def test_a_label_value_round_trips_through_promql_quoting(text: str) -> None:
    literal = label_value(text)
    assert _unescape(literal) == text
    assert '"' not in re.sub(r"\\.", "", literal[1:-1])


def _answer(points: dict[str, list[tuple[float, str]]]) -> dict[str, object]:
    return {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {"metric": {"series": name}, "values": [[t, v] for t, v in values]}
                for name, values in points.items()
            ],
        },
    }


def test_now_is_the_point_at_the_end_of_the_range_and_nan_is_no_data() -> None:
    at = 1_700_000_000.0
    found = series_from_json(
        _answer(
            {
                "requestsPerSecond": [(at - 120, "2"), (at - 60, "1.5"), (at, "3.25")],
                "errorRatio": [(at - 60, "0.1"), (at, "NaN")],
                "latencyP95Seconds": [(at - 60, "0.02")],
            }
        )
    )
    metrics = metrics_from_series(found, job="j", window="1m", range_key="1h", at=at, source="p")
    assert metrics.now["requestsPerSecond"] == 3.25
    assert metrics.now["errorRatio"] is None
    assert metrics.now["latencyP95Seconds"] is None  # no point at the end: nothing now
    assert metrics.now["clientErrorRatio"] is None
    assert metrics.series["latencyP95Seconds"][-2] == (at - 60, 0.02)
    assert metrics.as_dict()["requestsPerSecond"] == 3.25


@given(
    st.sampled_from(sorted(RANGES)),
    st.floats(1e9, 2e9),
    st.lists(st.tuples(st.integers(0, 60), st.floats(0, 1e6)), max_size=80),
)
def test_every_series_lies_on_the_full_grid_of_the_range(
    range_key: str, at: float, samples: list[tuple[int, float]]
) -> None:
    length, step = RANGES[range_key]
    points = [(at - length + i * step, f"{v!r}") for i, v in samples]
    found = [
        Series(
            labels={"series": "requestsPerSecond"}, points=tuple((t, float(v)) for t, v in points)
        )
    ]
    metrics = metrics_from_series(
        found, job="j", window="5m", range_key=range_key, at=at, source="p"
    )
    for name in SERIES:
        grid = [t for t, _ in metrics.series[name]]
        assert len(grid) == length // step + 1
        assert grid[-1] == at
        assert all(abs((b - a) - step) < 1e-6 for a, b in zip(grid, grid[1:], strict=False))
    last = {i: v for i, v in samples}
    assert metrics.now["requestsPerSecond"] == last.get(60)
