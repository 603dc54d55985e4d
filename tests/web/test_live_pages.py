"""The live panels on a component page, the status JSON, and the Run locally / Stop forms."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.live._doubles import (
    ArgoCdState,
    GitLabJobSpec,
    GitLabPipelineSpec,
    GitLabState,
    PrometheusState,
    argocd_application,
    fake_argocd,
    fake_gitlab_pipelines,
    fake_prometheus,
)
from tests.live._tiny_app import push_tiny_app
from tests.live.conftest import ARGOCD_TOKEN, GITLAB_TOKEN
from tests.providers.git._server import serve
from tests.web.conftest import csrf_from, make_client, sign_in_guest

from goldpath.config import Settings, load_settings
from goldpath.runtime import Runtime

PAGE = "/catalog/default/component/tiny"
STATUS = "/api/goldpath/v1/entities/component/default/tiny/status"


def _dead_url() -> str:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


def _settings(home: Path, **overrides: Any) -> Settings:
    options: dict[str, Any] = {
        "home": home,
        "catalog": {"refresh_enabled": False},
        "scaffolder": {"workers": 0},
        "live": {"prometheus_binary": "", "npm_cache": str(home.parent / "npm-cache")},
    }
    options.update(overrides)
    return load_settings(**options)


# The tiny service belongs to team-a; the guest joins it, so it may run it (local.run).
TEAM_A = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a}
spec: {type: team, children: [], members: [guest]}
"""


def _portal(settings: Settings, workdir: Path) -> Iterator[tuple[TestClient, Runtime]]:
    for client, runtime in make_client(settings, seed=True):
        host = runtime.git_hosts.local
        push_tiny_app(host, workdir)
        runtime.catalog.add_location(
            "url", host.contents_url("apps", "tiny", "main") + "/catalog-info.yaml"
        )
        (workdir / "team-a.yaml").write_text(TEAM_A, encoding="utf-8")
        runtime.catalog.add_location("file", str(workdir / "team-a.yaml"))
        sign_in_guest(client)
        yield client, runtime


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _panel(html: str, name: str) -> str:
    match = re.search(rf'data-testid="panel-{name}".*?</section>', html, re.S)
    assert match is not None, f"no {name} panel"
    return _text(match.group(0))


def test_with_every_backend_down_the_page_renders_each_panel_saying_why(tmp_path: Path) -> None:
    dead = _dead_url()
    settings = _settings(
        tmp_path / "home",
        argocd={"url": dead, "token": ARGOCD_TOKEN},
        prometheus={"url": dead},
        integrations={
            "gitlab": [{"host": "gitlab.example.com", "token": GITLAB_TOKEN, "api_base_url": dead}]
        },
    )
    for client, _ in _portal(settings, tmp_path):
        page = client.get(PAGE)
        assert page.status_code == 200
        assert "Unreachable" in _panel(page.text, "deployment")
        assert "Argo CD at" in _panel(page.text, "deployment")
        assert "GitLab gitlab.example.com could not be reached" in _panel(page.text, "pipeline")
        assert "Prometheus at" in _panel(page.text, "metrics")
        assert "No log lines yet" in _panel(page.text, "logs")
        body = client.get(STATUS).json()
        assert {body[k]["state"] for k in ("deployment", "pipeline", "metrics")} == {"unreachable"}
        assert body["runtime"]["state"] == "stopped"


def test_without_configuration_the_panels_say_what_to_configure(tmp_path: Path) -> None:
    for client, _ in _portal(_settings(tmp_path / "home"), tmp_path):
        page = client.get(PAGE)
        assert "Not configured Argo CD is not configured (argocd.url)" in _panel(
            page.text, "deployment"
        )
        assert "prometheus.url" in _panel(page.text, "metrics")
        # The local git host has no CI: the Pipeline panel shows its last commit instead.
        assert "tiny service" in _panel(page.text, "pipeline")


def test_the_panels_show_what_the_backends_answer_with_one_read_each(tmp_path: Path) -> None:
    argo = ArgoCdState(token=ARGOCD_TOKEN)
    argo.applications["tiny"] = argocd_application(
        "tiny", sync="OutOfSync", health="Progressing", revision="c0ffee" + "0" * 34
    )
    gitlab = GitLabState(token=GITLAB_TOKEN)
    gitlab.projects["apps/tiny"] = GitLabPipelineSpec(
        id=512,
        status="running",
        jobs=[GitLabJobSpec("eslint", "lint", "success"), GitLabJobSpec("jest", "test", "running")],
    )
    prom = PrometheusState(
        values={
            "requestsPerSecond": 12.5,
            "errorRatio": 0.04,
            "clientErrorRatio": 0.25,
            "latencyP95Seconds": 0.0123,
        }
    )
    with (
        serve(lambda _: fake_argocd(argo)) as argo_url,
        serve(lambda _: fake_gitlab_pipelines(gitlab)) as gitlab_url,
        serve(lambda _: fake_prometheus(prom)) as prom_url,
    ):
        settings = _settings(
            tmp_path / "home",
            argocd={"url": argo_url, "token": ARGOCD_TOKEN},
            prometheus={"url": prom_url},
            integrations={
                "gitlab": [
                    {
                        "host": "gitlab.example.com",
                        "token": GITLAB_TOKEN,
                        "api_base_url": f"{gitlab_url}/api/v4",
                    }
                ]
            },
        )
        for client, _ in _portal(settings, tmp_path):
            page = client.get(PAGE + "?range=6h")
            body = client.get(STATUS + "?range=6h").json()
    assert argo.violations == [] and gitlab.violations == []
    assert page.status_code == 200
    deployment = _panel(page.text, "deployment")
    assert (
        "OutOfSync" in deployment and "Progressing" in deployment and "c0ffee000000" in deployment
    )
    pipeline = _panel(page.text, "pipeline")
    assert "Pipeline #512" in pipeline and "lint success" in pipeline and "test running" in pipeline
    metrics = _panel(page.text, "metrics")
    assert (
        "12.5 req/s" in metrics
        and "4.0 %" in metrics
        and "25 %" in metrics
        and "12.3 ms" in metrics
    )
    assert page.text.count('role="img" aria-labelledby="plot-') == 3
    assert '<title id="plot-rps-t">Requests per second</title>' in page.text
    assert "time, last 6 hours" in page.text
    assert 'aria-current="true">6 hours</a>' in page.text
    # The page and its JSON twin cost each backend one read (GitLab's: pipeline, then jobs).
    assert len(argo.requests) == 1 and len(gitlab.requests) == 2 and len(prom.queries) == 1
    assert body["deployment"]["syncStatus"] == "OutOfSync"
    assert body["metrics"]["requestsPerSecond"] == 12.5
    assert body["metrics"]["range"] == "6h" and len(body["metrics"]["series"]["errorRatio"]) == 61


def test_a_link_a_backend_reports_is_shown_only_when_safe(tmp_path: Path) -> None:
    gitlab = GitLabState(token=GITLAB_TOKEN)
    gitlab.projects["apps/tiny"] = GitLabPipelineSpec(
        id=512, status="failed", jobs=[], web_url="javascript:alert(document.cookie)"
    )
    with serve(lambda _: fake_gitlab_pipelines(gitlab)) as gitlab_url:
        settings = _settings(
            tmp_path / "home",
            integrations={
                "gitlab": [
                    {
                        "host": "gitlab.example.com",
                        "token": GITLAB_TOKEN,
                        "api_base_url": f"{gitlab_url}/api/v4",
                    }
                ]
            },
        )
        for client, _ in _portal(settings, tmp_path):
            page = client.get(PAGE)
    assert page.status_code == 200
    assert "Pipeline #512" in _panel(page.text, "pipeline")
    assert "javascript:" not in page.text


def test_the_status_of_an_unknown_entity_is_404(tmp_path: Path) -> None:
    for client, _ in _portal(_settings(tmp_path / "home"), tmp_path):
        response = client.get("/api/goldpath/v1/entities/component/default/ghost/status")
        assert response.status_code == 404
        assert response.json()["error"]["name"] == "EntityNotFoundError"


def test_only_components_on_the_local_host_offer_run_locally(tmp_path: Path) -> None:
    for client, _ in _portal(_settings(tmp_path / "home"), tmp_path):
        assert 'data-testid="run-locally"' in client.get(PAGE).text
        other = client.get("/catalog/default/component/orders-service").text
        assert 'data-testid="panel-logs"' in other
        assert 'data-testid="run-locally"' not in other
        assert "no repository on the local git host" in other
        assert 'data-testid="live-panels"' not in client.get("/catalog/default/group/team-a").text


def test_running_locally_is_for_the_components_owners(tmp_path: Path) -> None:
    for client, runtime in _portal(_settings(tmp_path / "home"), tmp_path):
        runtime.catalog.remove_location(
            runtime.catalog.get_location_by_target("file", str(tmp_path / "team-a.yaml")).id
        )
        page = client.get(PAGE).text
        assert 'data-testid="run-locally"' not in page
        assert 'data-denied="local.run"' in page and "group:default/team-a" in page
        refused = client.post(PAGE + "/run", data={"csrf_token": csrf_from(page)})
        assert refused.status_code == 403
        api = TestClient(client.app).post(
            "/api/goldpath/v1/entities/component/default/tiny/run"
        )
        assert api.status_code == 403 and api.json()["error"]["permission"] == "local.run"


def test_run_locally_needs_a_session_and_its_form_token(tmp_path: Path) -> None:
    for client, _ in _portal(_settings(tmp_path / "home"), tmp_path):
        assert client.post(PAGE + "/run").status_code == 403  # no CSRF token
        client.cookies.clear()
        response = client.post(PAGE + "/run", follow_redirects=False)
        assert response.status_code == 303 and "/sign-in" in response.headers["location"]


@pytest.mark.skipif(shutil.which("npm") is None, reason="npm is not installed on this machine")
def test_run_locally_then_stop_from_the_page(tmp_path: Path) -> None:
    for client, runtime in _portal(_settings(tmp_path / "home"), tmp_path):
        page = client.get(PAGE)
        response = client.post(
            PAGE + "/run", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
        )
        assert response.status_code == 303 and response.headers["location"] == PAGE + "#live"
        assert runtime.live.runner is not None
        state = runtime.live.runner.wait_until_settled("default/tiny", timeout=120)
        assert state is not None and state.phase == "running", state
        page = client.get(PAGE)
        assert 'data-testid="runtime-url"' in page.text and state.url in page.text
        assert client.get(STATUS).json()["runtime"]["url"] == state.url
        response = client.post(
            PAGE + "/stop", data={"csrf_token": csrf_from(page.text)}, follow_redirects=False
        )
        assert response.status_code == 303
        assert client.get(STATUS).json()["runtime"]["state"] == "stopped"
