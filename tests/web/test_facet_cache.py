"""The facet-count cache behind the catalog filters: fresh for a while, then re-read."""

from __future__ import annotations

from pathlib import Path

from goldpath.runtime import Runtime
from goldpath.web.pages._facet_cache import FacetCache

COMPONENT = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
spec:
  type: {type}
  lifecycle: production
  owner: payments-team
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _register(runtime: Runtime, tmp_path: Path, name: str, type_: str) -> None:
    target = tmp_path / f"{name}.yaml"
    target.write_text(COMPONENT.format(name=name, type=type_))
    runtime.catalog.add_location("file", str(target))


def _types(counts: dict[str, list[dict[str, object]]]) -> set[str]:
    return {str(item["value"]) for item in counts["spec.type"]}


def test_counts_are_reused_until_they_expire(runtime: Runtime, tmp_path: Path) -> None:
    clock = Clock()
    cache = FacetCache(ttl_seconds=10, clock=clock)
    before = cache.facets(runtime.catalog, ["spec.type"], kind="component")
    assert "batch-job" not in _types(before)
    _register(runtime, tmp_path, "nightly", "batch-job")
    clock.now += 9
    assert cache.facets(runtime.catalog, ["spec.type"], kind="component") == before
    clock.now += 2
    assert "batch-job" in _types(cache.facets(runtime.catalog, ["spec.type"], kind="component"))


def test_each_kind_has_its_own_counts(runtime: Runtime) -> None:
    cache = FacetCache(clock=Clock())
    components = cache.facets(runtime.catalog, ["spec.type"], kind="component")
    groups = cache.facets(runtime.catalog, ["spec.type"], kind="group")
    assert "service" in _types(components) and "team" not in _types(components)
    assert "team" in _types(groups)


def test_the_cache_keeps_at_most_its_limit(runtime: Runtime) -> None:
    cache = FacetCache(max_entries=2, clock=Clock())
    for kind in ("component", "group", "user"):
        cache.facets(runtime.catalog, ["spec.type"], kind=kind)
    assert len(cache) == 2
