"""The whole live story with the real things: a real Create, Run locally in the browser, a
real Prometheus scraping the real generated service, and the panels against PromQL.

One generated service and one Prometheus serve every test here (module scope). Argo CD is
the schema-checked double of tests/live; the local git host reports the last commit.
Set GOLDPATH_LIVE_SCREENSHOT=<path.png> to keep the component page's screenshot (that is how
docs/images/live-component.png is made).
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser.conftest import LiveServer, run_live_server, sign_in_as_guest
from tests.live._doubles import ArgoCdState, argocd_application, fake_argocd
from tests.live.conftest import ARGOCD_TOKEN
from tests.providers.git._server import serve

pytestmark = [pytest.mark.slow, pytest.mark.browser, pytest.mark.xdist_group("live-service")]

NAME = "live-demo"
KEY = f"default/{NAME}"
PAGE = f"/catalog/default/component/{NAME}"
STATUS = f"/api/goldpath/v1/entities/component/default/{NAME}/status"
WINDOW = "1m"
SCRAPE_SECONDS = 2
# Read at import: the suite clears GOLDPATH_* variables while tests run.
SCREENSHOT = os.environ.get("GOLDPATH_LIVE_SCREENSHOT")


@dataclass
class LivePortal:
    """The portal, the Argo CD double and the local Prometheus."""

    server: LiveServer
    argocd: ArgoCdState
    prometheus_url: str

    def service_url(self) -> str:
        """The running service's URL; started again (and scraped once) if a test stopped it,
        so no test depends on running before the one that presses Stop."""
        runner = self.server.runtime.live.runner
        assert runner is not None
        state = runner.state(KEY)
        if state is None or state.phase != "running":
            runner.run(self.server.runtime.live.run_target(self.entity()))
            state = runner.wait_until_settled(KEY, timeout=900)
        assert state is not None and state.phase == "running" and state.url, state
        instance = f'up{{job="{NAME}",instance="127.0.0.1:{state.port}"}} == 1'
        _wait(lambda: _promql(self.prometheus_url, instance, time.time()), 60, "a scrape")
        return state.url

    def entity(self) -> dict[str, Any]:
        """The created Component."""
        return self.server.runtime.catalog.get_entity(f"component:default/{NAME}")


def _shared_npm_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The same cache tests/templates fills: under xdist, the parent of every worker's basetemp.
    base = tmp_path_factory.getbasetemp()
    root = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    cache = root / "npm-cache"
    cache.mkdir(exist_ok=True)
    return cache


def _wait(predicate: Any, timeout: float, what: str, step: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(step)


def _promql(prometheus_url: str, query: str, at: float) -> list[dict[str, Any]]:
    body = httpx.get(
        f"{prometheus_url}/api/v1/query", params={"query": query, "time": f"{at:.3f}"}, timeout=10
    ).json()
    assert body["status"] == "success", body
    result: list[dict[str, Any]] = body["data"]["result"]
    return result


@pytest.fixture(scope="module")
def live_portal(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[LivePortal]:
    """Create the service, press Run locally, wait until Prometheus scrapes it."""
    for tool in ("npm", "prometheus"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian package {tool})")
    argocd = ArgoCdState(token=ARGOCD_TOKEN)
    argocd.applications[NAME] = argocd_application(NAME, sync="Synced", health="Healthy")
    home = tmp_path_factory.mktemp("live-home")
    with (
        serve(lambda _base: fake_argocd(argocd)) as argocd_url,
        run_live_server(
            home,
            argocd={"url": argocd_url, "token": ARGOCD_TOKEN},
            live={
                "npm_cache": str(_shared_npm_cache(tmp_path_factory)),
                "rate_window": WINDOW,
                "scrape_interval_seconds": SCRAPE_SECONDS,
                "cache_ttl_seconds": 60,
                "install_timeout_seconds": 900,
            },
        ) as server,
    ):
        created = httpx.post(
            server.url("/api/scaffolder/v2/tasks"),
            json={
                "templateRef": "template:default/nodejs-service",
                "values": {
                    "name": NAME,
                    "description": "Serves the live panels' screenshot",
                    # the guest's team in the demo: its members may run it locally
                    "owner": "group:default/storefront-team",
                },
            },
            timeout=30,
        )
        assert created.status_code == 201, created.text
        task_url = server.url(f"/api/scaffolder/v2/tasks/{created.json()['id']}")
        task = _wait(
            lambda: (t := httpx.get(task_url).json())["status"] in ("completed", "failed") and t,
            120,
            "the Create",
        )
        assert task["status"] == "completed", task

        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        sign_in_as_guest(page, server, PAGE)
        page.get_by_test_id("run-locally").click()
        page.wait_for_url(server.url(PAGE) + "#live")
        context.close()
        runner = server.runtime.live.runner
        assert runner is not None
        state = runner.wait_until_settled(KEY, timeout=900)
        assert state is not None and state.phase == "running", state
        prometheus = server.runtime.live.prometheus
        assert prometheus is not None
        prometheus_url = _wait(prometheus.url, 60, "the local Prometheus")
        portal = LivePortal(server, argocd, prometheus_url)
        portal.service_url()  # scraped once before any traffic
        yield portal
    assert argocd.violations == []


@pytest.fixture(scope="module")
def status_after_traffic(live_portal: LivePortal) -> dict[str, Any]:
    """Send traffic (200s and 404s) across a few scrapes, then read the status JSON once."""
    with httpx.Client(base_url=live_portal.service_url(), timeout=10) as client:
        for burst in range(3):
            for _ in range(30):
                assert client.get("/").status_code == 200
            for _ in range(10):
                assert client.get("/no-such-route").status_code == 404
            if burst < 2:
                time.sleep(SCRAPE_SECONDS * 1.5)
    time.sleep(SCRAPE_SECONDS * 2.5)  # the last burst scraped, twice
    body: dict[str, Any] = httpx.get(live_portal.server.url(STATUS), timeout=30).json()
    return body


def test_the_status_numbers_are_prometheus_own_answers(
    live_portal: LivePortal, status_after_traffic: dict[str, Any]
) -> None:
    metrics = status_after_traffic["metrics"]
    assert "state" not in metrics, metrics
    at = metrics["at"]
    job = f'job="{NAME}"'
    total = f"sum(rate(http_requests_total{{{job}}}[{WINDOW}]))"

    def one(query: str) -> float:
        result = _promql(live_portal.prometheus_url, query, at)
        assert len(result) == 1, (query, result)
        return float(result[0]["value"][1])

    rps = one(total)
    assert rps > 0
    assert metrics["requestsPerSecond"] == pytest.approx(rps, rel=1e-9)
    client_errors = one(
        f'sum(rate(http_requests_total{{{job},status_code=~"4.."}}[{WINDOW}])) / {total}'
    )
    assert 0 < client_errors < 1
    assert metrics["clientErrorRatio"] == pytest.approx(client_errors, rel=1e-9)
    # The generated service answered no 5xx: Prometheus has no such series, the ratio is 0.
    assert (
        _promql(live_portal.prometheus_url, f'http_requests_total{{{job},status_code=~"5.."}}', at)
        == []
    )
    assert metrics["errorRatio"] == 0
    buckets = f"rate(http_request_duration_seconds_bucket{{{job}}}[{WINDOW}])"
    p95 = one(f"histogram_quantile(0.95, sum by (le) ({buckets}))")
    assert p95 > 0
    assert metrics["latencyP95Seconds"] == pytest.approx(p95, rel=1e-9)
    assert metrics["series"]["requestsPerSecond"][-1] == [at, metrics["requestsPerSecond"]]


def test_the_other_panels_of_the_running_service(
    live_portal: LivePortal, status_after_traffic: dict[str, Any]
) -> None:
    body = status_after_traffic
    assert (
        body["deployment"]["syncStatus"] == "Synced" and body["deployment"]["health"] == "Healthy"
    )
    assert body["pipeline"]["source"] == "local"
    assert body["pipeline"]["lastCommit"]["title"] == f"chore: scaffold {NAME} from nodejs-service"
    runtime = body["runtime"]
    assert runtime["state"] == "running" and runtime["url"].startswith("http://127.0.0.1:")
    requests = [line["request"] for line in runtime["logs"] if line["request"]]
    assert any(r.startswith("GET / 200") for r in requests)
    assert any(r.startswith("GET /no-such-route 404") for r in requests)


def test_the_component_page_shows_all_four_panels(
    live_portal: LivePortal, status_after_traffic: dict[str, Any], page: Any, tmp_path: Path
) -> None:
    server = live_portal.server
    url = live_portal.service_url()
    for path, status in (("/", 200), ("/no-such-route", 404)):  # this run's own log lines
        assert httpx.get(url + path, timeout=10).status_code == status
    sign_in_as_guest(page, server, PAGE)
    page.set_viewport_size({"width": 1280, "height": 2000})
    for panel in ("deployment", "pipeline", "metrics", "logs"):
        assert page.get_by_test_id(f"panel-{panel}").is_visible()
    assert page.get_by_test_id("sync-status").inner_text() == "Synced"
    assert page.get_by_test_id("runtime-state").inner_text() == "Running"
    stats = page.get_by_test_id("metric-stats").inner_text()
    assert "req/s" in stats and "%" in stats and "ms" in stats
    for plot in ("plot-rps", "plot-errors", "plot-latency"):
        svg = page.get_by_test_id(plot).locator("svg")
        assert svg.get_attribute("role") == "img"
        assert page.get_by_test_id(plot).locator("path.line").count() == 1
    assert page.locator(".log-warn").count() >= 1 and page.locator(".log-info").count() >= 1
    target = Path(SCREENSHOT or tmp_path / "live-component.png")
    target.parent.mkdir(parents=True, exist_ok=True)
    page.locator("#live").scroll_into_view_if_needed()
    page.set_viewport_size({"width": 1280, "height": 1500})
    page.locator("main").screenshot(path=str(target))
    assert target.stat().st_size > 10_000


def test_stop_from_the_page_ends_the_service(live_portal: LivePortal, page: Any) -> None:
    server = live_portal.server
    url = live_portal.service_url()
    sign_in_as_guest(page, server, PAGE)
    page.get_by_test_id("stop-locally").click()
    page.wait_for_url(server.url(PAGE) + "#live")
    assert page.get_by_test_id("runtime-state").inner_text() == "Stopped"
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/healthz", timeout=2)
