"""The live status of a component: each panel reads its backend, or says why it cannot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.config import Settings, load_settings
from goldpath.live import (
    DeploymentStatus,
    LiveService,
    MetricsStatus,
    NotRunnableError,
    PipelineStatus,
    RuntimeStatus,
    Unavailable,
)
from goldpath.runtime import Runtime
from tests.live._doubles import (
    ArgoCdState,
    GitLabJobSpec,
    GitLabPipelineSpec,
    GitLabState,
    PrometheusState,
    argocd_application,
    fake_prometheus,
)
from tests.live.conftest import ARGOCD_TOKEN, GITLAB_TOKEN
from tests.providers.git._server import serve


def component(name: str = "orders", **annotations: str) -> dict[str, Any]:
    """A Component entity annotated the way goldpath's golden paths annotate theirs."""
    defaults = {
        "gitlab.com/project-slug": f"apps/{name}",
        "argocd/app-name": name,
        "backstage.io/kubernetes-id": name,
        "backstage.io/source-location": f"url:https://gitlab.example.com/apps/{name}/",
    }
    defaults.update(annotations)
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {
            "name": name,
            "namespace": "default",
            "annotations": {k: v for k, v in defaults.items() if v},
        },
        "spec": {"type": "service", "lifecycle": "production", "owner": "group:default/team-a"},
    }


def _settings(home: Path, **overrides: Any) -> Settings:
    options: dict[str, Any] = {
        "home": home,
        "catalog": {"refresh_enabled": False},
        "scaffolder": {"workers": 0},
        "live": {"prometheus_binary": ""},
    }
    options.update(overrides)
    return load_settings(**options)


def _service(settings: Settings) -> LiveService:
    return Runtime(settings).live


def _backends(
    argocd_url: str | None, gitlab_url: str | None, prometheus_url: str | None
) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if argocd_url:
        overrides["argocd"] = {"url": argocd_url, "token": ARGOCD_TOKEN}
    if gitlab_url:
        overrides["integrations"] = {
            "gitlab": [
                {
                    "host": "gitlab.example.com",
                    "token": GITLAB_TOKEN,
                    "api_base_url": f"{gitlab_url}/api/v4",
                }
            ]
        }
    if prometheus_url:
        overrides["prometheus"] = {"url": prometheus_url}
    return overrides


@pytest.fixture
def prometheus() -> Iterator[tuple[PrometheusState, str]]:
    """A Prometheus double answering range queries with constant series."""
    state = PrometheusState(
        values={
            "requestsPerSecond": 4.5,
            "errorRatio": 0.02,
            "clientErrorRatio": 0.1,
            "latencyP95Seconds": 0.031,
        }
    )
    with serve(lambda _base: fake_prometheus(state)) as base_url:
        yield state, base_url


def test_every_panel_reads_its_backend(
    tmp_path: Path,
    argocd: tuple[ArgoCdState, str],
    gitlab: tuple[GitLabState, str],
    prometheus: tuple[PrometheusState, str],
) -> None:
    argo_state, argo_url = argocd
    gitlab_state, gitlab_url = gitlab
    prom_state, prom_url = prometheus
    argo_state.applications["orders"] = argocd_application(
        "orders", sync="Synced", health="Healthy"
    )
    gitlab_state.projects["apps/orders"] = GitLabPipelineSpec(
        id=41, status="success", jobs=[GitLabJobSpec("eslint", "lint", "success")]
    )
    live = _service(_settings(tmp_path, **_backends(argo_url, gitlab_url, prom_url)))
    status = live.status(component(), range_key="6h")
    assert isinstance(status.deployment, DeploymentStatus)
    assert status.deployment.application.health_status == "Healthy"
    assert status.deployment.url == "https://argocd.example.com/applications/orders"
    assert isinstance(status.pipeline, PipelineStatus) and status.pipeline.pipeline is not None
    assert [s.name for s in status.pipeline.pipeline.stages] == ["lint"]
    assert isinstance(status.metrics, MetricsStatus)
    assert status.metrics.now == {
        "requestsPerSecond": 4.5,
        "errorRatio": 0.02,
        "clientErrorRatio": 0.1,
        "latencyP95Seconds": 0.031,
    }
    assert len(status.metrics.series["requestsPerSecond"]) == 61
    assert prom_state.queries and 'job="orders"' in prom_state.queries[0]
    assert isinstance(status.runtime, RuntimeStatus) and status.runtime.state == "stopped"
    body = status.as_dict()
    assert body["metrics"]["requestsPerSecond"] == 4.5
    assert body["pipeline"]["latest"]["stages"] == [{"name": "lint", "status": "success"}]
    assert body["deployment"]["syncStatus"] == "Synced"


def test_with_every_backend_down_each_panel_says_why(tmp_path: Path, dead_url: str) -> None:
    live = _service(_settings(tmp_path, **_backends(dead_url, dead_url, dead_url)))
    body = live.status(component()).as_dict()
    for panel, service in (
        ("deployment", "Argo CD"),
        ("pipeline", "GitLab"),
        ("metrics", "Prometheus"),
    ):
        assert body[panel]["state"] == "unreachable", body[panel]
        assert service in body[panel]["reason"]
    assert body["runtime"]["state"] == "stopped"


def test_without_configuration_each_panel_names_what_to_set(tmp_path: Path) -> None:
    live = _service(_settings(tmp_path))
    status = live.status(component(**{"argocd/app-name": "", "gitlab.com/project-slug": ""}))
    assert status.deployment == Unavailable(
        "not-configured", "Argo CD is not configured (argocd.url)"
    )
    assert isinstance(status.pipeline, Unavailable)
    assert "gitlab.com/project-slug" in status.pipeline.reason
    assert isinstance(status.metrics, Unavailable) and "prometheus.url" in status.metrics.reason


def test_an_application_argo_cd_does_not_know_is_not_configured(
    tmp_path: Path, argocd: tuple[ArgoCdState, str]
) -> None:
    _, argo_url = argocd
    live = _service(_settings(tmp_path, **_backends(argo_url, None, None)))
    status = live.status(component("ghost"))
    assert status.deployment == Unavailable("not-configured", "Argo CD has no application ghost")


def test_a_component_without_annotations_has_no_deployment_to_show(
    tmp_path: Path, argocd: tuple[ArgoCdState, str]
) -> None:
    _, argo_url = argocd
    live = _service(_settings(tmp_path, **_backends(argo_url, None, None)))
    status = live.status(component(**{"argocd/app-name": ""}))
    assert status.deployment == Unavailable(
        "not-configured", "the component has no argocd/app-name annotation"
    )


def test_reads_are_cached_so_repeated_views_cost_one_read_per_backend(
    tmp_path: Path, argocd: tuple[ArgoCdState, str], gitlab: tuple[GitLabState, str]
) -> None:
    argo_state, argo_url = argocd
    gitlab_state, gitlab_url = gitlab
    argo_state.applications["orders"] = argocd_application("orders")
    gitlab_state.projects["apps/orders"] = GitLabPipelineSpec(id=7, status="running", jobs=[])
    live = _service(_settings(tmp_path, **_backends(argo_url, gitlab_url, None)))
    for _ in range(3):
        live.status(component())
    assert len(argo_state.requests) == 1
    assert len(gitlab_state.requests) == 2  # the latest pipeline, then its jobs


def test_production_has_no_local_runtime_and_refuses_to_run(tmp_path: Path) -> None:
    settings = load_settings(
        home=tmp_path,
        env="production",
        auth={"session_secret": "x" * 40},
        catalog={"refresh_enabled": False},
        scaffolder={"workers": 0},
    )
    live = _service(settings)
    assert live.status(component()).runtime == Unavailable(
        "not-configured", "services run locally in development only"
    )
    with pytest.raises(NotRunnableError, match="development"):
        live.run_target(component())


_BACKEND = st.sampled_from(["absent", "down", "up"])


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    argo=_BACKEND,
    git=_BACKEND,
    prom=_BACKEND,
    annotated=st.booleans(),
    known=st.booleans(),
)
def test_the_status_always_has_four_panels_each_data_or_a_reason(
    tmp_path_factory: pytest.TempPathFactory,
    argocd: tuple[ArgoCdState, str],
    gitlab: tuple[GitLabState, str],
    prometheus: tuple[PrometheusState, str],
    dead_url: str,
    argo: str,
    git: str,
    prom: str,
    annotated: bool,
    known: bool,
) -> None:
    argo_state, argo_url = argocd
    gitlab_state, gitlab_url = gitlab
    _, prom_url = prometheus
    argo_state.applications.clear()
    gitlab_state.projects.clear()
    if known:
        argo_state.applications["orders"] = argocd_application("orders")
        gitlab_state.projects["apps/orders"] = GitLabPipelineSpec(id=3, status="success", jobs=[])

    def pick(choice: str, url: str) -> str | None:
        return {"absent": None, "down": dead_url, "up": url}[choice]

    live = _service(
        _settings(
            tmp_path_factory.mktemp("home"),
            **_backends(pick(argo, argo_url), pick(git, gitlab_url), pick(prom, prom_url)),
        )
    )
    entity = (
        component()
        if annotated
        else component(**{"argocd/app-name": "", "gitlab.com/project-slug": ""})
    )
    body = live.status(entity).as_dict()
    assert set(body) == {"entityRef", "deployment", "pipeline", "metrics", "runtime"}
    for panel in ("deployment", "pipeline", "metrics", "runtime"):
        value = body[panel]
        if value.get("state") in ("not-configured", "unreachable"):
            assert set(value) == {"state", "reason"} and value["reason"]
    expected_up = annotated and known
    assert ("state" not in body["deployment"]) == (argo == "up" and expected_up)
    assert ("state" not in body["metrics"]) == (prom == "up")
    if "state" not in body["metrics"]:
        assert all(
            isinstance(body["metrics"][k], float) for k in ("requestsPerSecond", "errorRatio")
        )
