"""Both golden paths export the same RED metrics, so dashboards and alerts read either.

The same requests go to a running Node.js service and a running Python service; their
``/metrics`` must agree on every RED family's type, help, samples, label names, buckets
and the series the requests produced, and hold every metric the platform's rendered
dashboard and alert rules query.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

import httpx
import pytest

from goldpath.gitops import AppSpec, render_app
from tests.templates._tools import RunningService, parse_sample

pytestmark = pytest.mark.slow

RED_FAMILIES = ("http_requests_total", "http_request_duration_seconds")


@dataclass
class Family:
    """One metric family of a Prometheus text exposition."""

    type: str = ""
    help: str = ""
    samples: dict[str, list[dict[str, str]]] = field(default_factory=lambda: defaultdict(list))


def _parse(text: str) -> dict[str, Family]:
    families: dict[str, Family] = defaultdict(Family)
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_text = line[len("# HELP ") :].partition(" ")
            families[name].help = help_text
        elif line.startswith("# TYPE "):
            name, _, kind = line[len("# TYPE ") :].partition(" ")
            families[name].type = kind
        elif line and not line.startswith("#"):
            sample, labels, _ = parse_sample(line)
            family = next((f for f in RED_FAMILIES if sample.startswith(f)), sample)
            families[family].samples[sample].append(labels)
    return families


def _exercise(service: RunningService) -> dict[str, Family]:
    with httpx.Client(base_url=service.base_url, timeout=10) as client:
        for path in ("/", "/", "/no-such-page", "/healthz", "/readyz"):
            client.get(path)
        return _parse(client.get("/metrics").text)


def _series(family: Family, sample: str) -> set[tuple[tuple[str, str], ...]]:
    return {tuple(sorted(labels.items())) for labels in family.samples[sample]}


def _queried_metrics() -> set[str]:
    """The http_* metrics the platform's rendered dashboard and alert rules query."""
    spec = AppSpec(name="orders-api", owner="team-orders", gitops_repo_url="https://g/o.git")
    return {
        name
        for text in render_app(spec).values()
        for name in re.findall(r"\b(http_[a-z_]+)\b", text)
    }


@pytest.fixture
def both(
    running_service: RunningService, running_python_service: RunningService
) -> tuple[dict[str, Family], dict[str, Family]]:
    return _exercise(running_service), _exercise(running_python_service)


def test_red_families_have_the_same_type_help_samples_labels_and_buckets(
    both: tuple[dict[str, Family], dict[str, Family]],
) -> None:
    node, python = both
    for name in RED_FAMILIES:
        assert (node[name].type, node[name].help) == (python[name].type, python[name].help), name
        assert set(node[name].samples) == set(python[name].samples), name
        for sample in node[name].samples:
            node_keys = {frozenset(labels) for labels in node[name].samples[sample]}
            python_keys = {frozenset(labels) for labels in python[name].samples[sample]}
            assert node_keys == python_keys, sample
    buckets = "http_request_duration_seconds_bucket"
    node_le = {labels["le"] for labels in node["http_request_duration_seconds"].samples[buckets]}
    python_le = {
        labels["le"] for labels in python["http_request_duration_seconds"].samples[buckets]
    }
    assert {float(le) for le in node_le} == {float(le) for le in python_le}


def test_the_same_requests_produce_the_same_series(
    both: tuple[dict[str, Family], dict[str, Family]],
) -> None:
    node, python = both
    requests = "http_requests_total"
    assert _series(node[requests], requests) == _series(python[requests], requests)
    routes = {labels["route"] for labels in python[requests].samples[requests]}
    assert routes == {"/", "unmatched", "/healthz", "/readyz"}


def test_every_metric_the_dashboard_and_alerts_query_is_exported_by_both(
    both: tuple[dict[str, Family], dict[str, Family]],
) -> None:
    queried = _queried_metrics()
    assert queried, "the rendered dashboard and alert rules query no http_* metric"
    for exported in both:
        samples = {sample for family in exported.values() for sample in family.samples}
        assert queried <= samples
