"""Each golden path's service, running for real: probes, RED metrics, JSON logs, SIGTERM.

The Node.js service runs with ``npm start``; the Python service as its image runs it,
``python -m app`` from a venv holding requirements.lock alone.
"""

from __future__ import annotations

import json
import signal

import httpx
import pytest

from tests.templates._tools import RunningService, metric_samples

pytestmark = pytest.mark.slow


@pytest.fixture(params=["running_service", "running_python_service"], ids=["nodejs", "python"])
def running(request: pytest.FixtureRequest) -> RunningService:
    service: RunningService = request.getfixturevalue(request.param)
    return service


def test_service_answers_liveness_and_readiness(running: RunningService) -> None:
    with httpx.Client(base_url=running.base_url, timeout=10) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


def test_service_exports_red_metrics_with_status_codes_including_404(
    running: RunningService,
) -> None:
    with httpx.Client(base_url=running.base_url, timeout=10) as client:
        assert client.get("/").status_code == 200
        assert client.get("/").status_code == 200
        assert client.get("/no-such-page").status_code == 404
        samples = metric_samples(client.get("/metrics").text)
    ok = {"method": "GET", "route": "/", "status_code": "200"}
    missing = {"method": "GET", "route": "unmatched", "status_code": "404"}
    assert samples["http_requests_total", frozenset(ok.items())] == 2
    assert samples["http_requests_total", frozenset(missing.items())] == 1
    assert samples["http_request_duration_seconds_count", frozenset(missing.items())] == 1
    first_bucket = frozenset({**ok, "le": "0.005"}.items())
    assert ("http_request_duration_seconds_bucket", first_bucket) in samples


def test_service_logs_json_lines_with_request_ids(running: RunningService) -> None:
    with httpx.Client(base_url=running.base_url, timeout=10) as client:
        client.get("/", headers={"X-Request-Id": "probe-1"})
    entry = running.wait_for(lambda e: e.get("requestId") == "probe-1")
    assert entry["level"] == "info"
    assert entry["service"] == "orders-api"
    for line in running.lines:
        assert isinstance(json.loads(line), dict)


def test_sigterm_stops_the_service_with_exit_code_zero(running: RunningService) -> None:
    with httpx.Client(base_url=running.base_url, timeout=10) as client:
        assert client.get("/").status_code == 200
    running.process.send_signal(signal.SIGTERM)
    # Generous: the service itself gives up on in-flight requests after 8 s.
    assert running.process.wait(timeout=60) == 0
    running.drain()
    messages = [json.loads(line)["msg"] for line in running.lines]
    assert "server closed" in messages
