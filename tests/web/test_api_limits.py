"""API hardening (issue 11): bounded paging and bodies, refused reads, no silent answers."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.web.conftest import make_client

from goldpath.config import Settings

API = "/api/catalog"


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    settings.server.max_body_bytes = 64 * 1024
    for client, _runtime in make_client(settings, seed=True):
        yield client


def _field(answer: object) -> list[str]:
    body = answer.json()  # type: ignore[attr-defined]
    return [e["field"] for e in body["error"].get("errors", [])]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        (f"{API}/entities", {"offset": 10**30}, "query.offset"),
        (f"{API}/entities", {"limit": 10**30}, "query.limit"),
        (f"{API}/entities", {"offset": -1}, "query.offset"),
        (f"{API}/entities/by-query", {"limit": 10**30}, "query.limit"),
        ("/api/scaffolder/v2/tasks", {"offset": 10**30}, "query.offset"),
    ],
)
def test_huge_paging_values_are_a_400_naming_the_field(
    api: TestClient, path: str, params: dict[str, int], field: str
) -> None:
    answer = api.get(path, params=params)
    assert answer.status_code == 400, answer.text
    assert field in _field(answer)


def test_by_refs_takes_a_bounded_number_of_refs(api: TestClient) -> None:
    refs = [f"component:default/c{i}" for i in range(1001)]
    answer = api.post(f"{API}/entities/by-refs", json={"entityRefs": refs})
    assert answer.status_code == 400
    assert any("entityRefs" in field for field in _field(answer))
    assert api.post(f"{API}/entities/by-refs", json={"entityRefs": refs[:1000]}).status_code == 200


def test_a_body_past_the_limit_is_a_413(api: TestClient) -> None:
    big = {"entity": {"kind": "Component", "metadata": {"name": "x" * 70_000}}}
    answer = api.post(f"{API}/validate-entity", json=big)
    assert answer.status_code == 413
    assert "server.max_body_bytes" in answer.json()["error"]["message"]


def test_a_streamed_body_past_the_limit_is_a_413(api: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"entity": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    answer = api.post(
        f"{API}/validate-entity", content=chunks(), headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413


def test_refresh_with_a_null_body_is_refused_not_ignored(api: TestClient) -> None:
    answer = api.post(
        f"{API}/refresh", content=b"null", headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400
    assert _field(answer) == ["body"]
    # an object body gets past the check (refreshing everything is then an admin's call)
    everything = api.post(f"{API}/refresh", json={})
    assert everything.status_code == 403
    assert everything.json()["error"]["permission"] == "catalog.entity.refresh"


def test_health_answers_whatever_bearer_token_comes_with_it(api: TestClient) -> None:
    answer = api.get("/healthz", headers={"Authorization": "Bearer gp_not_a_token"})
    assert answer.status_code == 200
    refused = api.get(f"{API}/entities", headers={"Authorization": "Bearer gp_not_a_token"})
    assert refused.status_code == 401


@pytest.mark.parametrize("target", ["/etc/passwd", "/proc/self/environ", "/dev/zero"])
def test_registering_a_server_file_is_a_403_naming_it(api: TestClient, target: str) -> None:
    answer = api.post(f"{API}/locations", json={"type": "file", "target": target})
    assert answer.status_code == 403, answer.text
    assert target in answer.json()["error"]["message"]
    for dry_run in ("true", "false"):
        again = api.post(
            f"{API}/locations",
            params={"dryRun": dry_run},
            json={"type": "file", "target": target},
        )
        assert again.status_code == 403
    locations = [loc["data"]["target"] for loc in api.get(f"{API}/locations").json()]
    assert target not in locations


def test_a_placeholder_cannot_read_the_server_environment(
    api: TestClient, settings: Settings, tmp_path: Path
) -> None:
    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "API",
        "metadata": {"name": "environ"},
        "spec": {
            "type": "openapi",
            "lifecycle": "production",
            "owner": "team-a",
            "definition": {"$text": "/proc/self/environ"},
        },
    }
    path = tmp_path / "api.yaml"
    path.write_text(yaml.safe_dump(entity))
    answer = api.post(f"{API}/locations", json={"type": "file", "target": str(path)})
    assert answer.status_code == 201, answer.text
    stored = api.get(f"{API}/entities/by-name/api/default/environ").json()
    assert stored["spec"]["definition"] == {"$text": "/proc/self/environ"}
    assert "GOLDPATH" not in repr(stored) and "PATH=" not in repr(stored)
    assert stored["status"]["items"][0]["level"] == "error"
