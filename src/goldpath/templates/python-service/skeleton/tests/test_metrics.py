"""Prometheus metrics: process defaults and RED metrics by method, route template and status."""

from __future__ import annotations

from fastapi import APIRouter

from tests.helpers import Built, build, series


def test_metrics_serves_prometheus_text_with_process_metrics(built: Built) -> None:
    response = built.client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert "process_cpu_seconds_total" in response.text
    assert "python_info" in response.text


def test_requests_are_counted_by_method_route_template_and_status_code(built: Built) -> None:
    built.client.get("/")
    built.client.get("/")
    text = built.client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/",status_code="200"} 2.0' in series(
        text, "http_requests_total"
    )


def test_request_durations_land_in_a_histogram_with_the_same_labels(built: Built) -> None:
    built.client.get("/healthz")
    text = built.client.get("/metrics").text
    assert (
        'http_request_duration_seconds_count{method="GET",route="/healthz",status_code="200"} 1.0'
        in series(text, "http_request_duration_seconds_count")
    )
    buckets = series(text, "http_request_duration_seconds_bucket")
    assert any('le="0.005"' in line and 'route="/healthz"' in line for line in buckets)


def test_counters_have_no_created_series(built: Built) -> None:
    built.client.get("/")
    assert "_created" not in built.client.get("/metrics").text


def test_unknown_paths_share_one_route_label_so_cardinality_stays_bounded(built: Built) -> None:
    for path in ("/a", "/b/c", "/d?e=f"):
        built.client.get(path)
    text = built.client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="unmatched",status_code="404"} 3.0' in series(
        text, "http_requests_total"
    )
    assert 'route="/a"' not in text


def test_parameterised_routes_are_labelled_by_their_template_not_the_path() -> None:
    router = APIRouter()

    @router.get("/items/{item_id}")
    def item(item_id: int) -> dict[str, int]:
        return {"id": item_id}

    client = build(router=router).client
    client.get("/items/1")
    client.get("/items/2")
    text = client.get("/metrics").text
    assert (
        'http_requests_total{method="GET",route="/items/{item_id}",status_code="200"} 2.0'
        in series(text, "http_requests_total")
    )


def test_unusual_methods_are_folded_into_other(built: Built) -> None:
    built.client.request("PROPFIND", "/")
    text = built.client.get("/metrics").text
    assert any('method="OTHER"' in line for line in series(text, "http_requests_total"))


def test_failed_requests_are_counted_as_500() -> None:
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("boom")

    client = build(router=router).client
    client.get("/boom")
    text = client.get("/metrics").text
    assert 'http_requests_total{method="GET",route="/boom",status_code="500"} 1.0' in series(
        text, "http_requests_total"
    )
