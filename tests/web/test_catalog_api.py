"""The catalog REST API answers in Backstage's shapes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.web.conftest import make_client, with_admin_groups

from goldpath.config import Settings

EXAMPLES = Path(__file__).parents[1] / "catalog" / "data" / "backstage-examples"
API = "/api/catalog"


def _component(name: str, **spec: Any) -> dict[str, Any]:
    body = {"type": "service", "lifecycle": "production", "owner": "team-a", **spec}
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name},
        "spec": body,
    }


@pytest.fixture
def empty_portal(settings: Settings) -> Iterator[TestClient]:
    """An empty development portal; API calls without a session act as the guest."""
    settings.catalog.file_roots = [*(settings.catalog.file_roots or []), EXAMPLES]
    for client, _runtime in make_client(settings, seed=False):
        yield client


@pytest.fixture
def examples(empty_portal: TestClient) -> TestClient:
    for target in ("all.yaml", "acme/org.yaml"):
        response = empty_portal.post(
            f"{API}/locations", json={"type": "file", "target": str(EXAMPLES / target)}
        )
        assert response.status_code == 201, response.text
    return empty_portal


def _names(body: dict[str, Any]) -> list[str]:
    return [item["metadata"]["name"] for item in body["items"]]


def test_by_query_returns_items_total_and_page_info(examples: TestClient) -> None:
    response = examples.get(
        f"{API}/entities/by-query", params={"filter": "kind=component", "limit": 5}
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"items", "totalItems", "pageInfo"}
    assert body["totalItems"] == 12 and len(body["items"]) == 5
    assert "nextCursor" in body["pageInfo"] and "prevCursor" not in body["pageInfo"]


def test_by_query_filters_and_within_or_across(examples: TestClient) -> None:
    anded = examples.get(
        f"{API}/entities/by-query",
        params={"filter": "kind=component,spec.type=website", "limit": 100},
    ).json()
    assert sorted(_names(anded)) == ["example", "queue-proxy", "www-artist"]
    ored = examples.get(
        f"{API}/entities/by-query",
        params=[("filter", "kind=domain"), ("filter", "kind=resource"), ("limit", "100")],
    ).json()
    assert sorted(_names(ored)) == ["artists", "artists-db", "audio", "playback"]


def test_by_query_existence_and_relation_filters(examples: TestClient) -> None:
    security = examples.get(
        f"{API}/entities/by-query", params={"filter": "metadata.annotations.myorg.org/security"}
    ).json()
    assert _names(security) == ["wayback-search"]
    owned = examples.get(
        f"{API}/entities/by-query",
        params={"filter": "kind=system,relations.ownedBy=group:default/team-c"},
    ).json()
    assert _names(owned) == ["audio-playback"]


def test_by_query_fields_order_and_full_text(examples: TestClient) -> None:
    body = examples.get(
        f"{API}/entities/by-query",
        params=[
            ("filter", "kind=group"),
            ("fields", "metadata.name,kind"),
            ("orderField", "metadata.name,desc"),
            ("limit", "2"),
        ],
    ).json()
    assert body["items"] == [
        {"kind": "Group", "metadata": {"name": "team-d"}},
        {"kind": "Group", "metadata": {"name": "team-c"}},
    ]
    text = examples.get(
        f"{API}/entities/by-query",
        params={
            "fullTextFilterTerm": "WAYBACK",
            "fullTextFilterFields": "metadata.name",
            "filter": "kind=api",
        },
    ).json()
    assert sorted(_names(text)) == ["wayback-archive", "wayback-search"]


def test_by_query_cursors_page_forwards_and_back(examples: TestClient) -> None:
    params = {"filter": "kind=user", "limit": 4, "orderField": "metadata.name,asc"}
    first = examples.get(f"{API}/entities/by-query", params=params).json()
    second = examples.get(
        f"{API}/entities/by-query", params={"cursor": first["pageInfo"]["nextCursor"], "limit": 4}
    ).json()
    assert second["totalItems"] == 17
    assert not set(_names(first)) & set(_names(second))
    back = examples.get(
        f"{API}/entities/by-query", params={"cursor": second["pageInfo"]["prevCursor"], "limit": 4}
    ).json()
    assert _names(back) == _names(first)


def test_a_bad_cursor_is_a_400(examples: TestClient) -> None:
    response = examples.get(f"{API}/entities/by-query", params={"cursor": "garbage"})
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InvalidQueryError"


def test_by_name_finds_an_entity_and_404s_otherwise(examples: TestClient) -> None:
    found = examples.get(f"{API}/entities/by-name/component/alternative/different-namespace")
    assert found.status_code == 200
    entity = found.json()
    assert entity["metadata"]["uid"] and entity["metadata"]["etag"]
    assert {"type": "ownedBy", "targetRef": "group:default/team-a"} in entity["relations"]
    missing = examples.get(f"{API}/entities/by-name/component/default/nope")
    assert missing.status_code == 404
    assert missing.json()["error"]["name"] == "EntityNotFoundError"


def test_by_refs_answers_in_order_with_nulls(examples: TestClient) -> None:
    response = examples.post(
        f"{API}/entities/by-refs",
        json={
            "entityRefs": ["group:default/team-a", "component:default/nope", "api:petstore"],
            "fields": ["metadata.name"],
        },
    )
    assert response.status_code == 200
    assert response.json() == {
        "items": [{"metadata": {"name": "team-a"}}, None, {"metadata": {"name": "petstore"}}]
    }


def _uid(client: TestClient, path: str) -> str:
    return str(client.get(f"{API}/entities/by-name/{path}").json()["metadata"]["uid"])


def test_by_uid_get_and_delete(examples: TestClient) -> None:
    # The guest is in team-a in Backstage's examples, so it deletes team-a's API.
    uid = _uid(examples, "api/default/wayback-search")
    assert (
        examples.get(f"{API}/entities/by-uid/{uid}").json()["metadata"]["name"] == "wayback-search"
    )
    assert examples.delete(f"{API}/entities/by-uid/{uid}").status_code == 204
    assert examples.get(f"{API}/entities/by-uid/{uid}").status_code == 404
    assert examples.delete(f"{API}/entities/by-uid/{uid}").status_code == 404


def test_deleting_another_teams_entity_is_refused_naming_the_permission(
    examples: TestClient,
) -> None:
    uid = _uid(examples, "api/default/petstore")  # team-c's
    refused = examples.delete(f"{API}/entities/by-uid/{uid}")
    assert refused.status_code == 403
    error = refused.json()["error"]
    assert error["name"] == "NotAllowedError"
    assert error["permission"] == "catalog.entity.delete"
    assert error["rule"] == "default:deny"
    assert "group:default/team-c" in error["message"]
    assert examples.get(f"{API}/entities/by-uid/{uid}").status_code == 200


def test_locations_list_get_and_delete(examples: TestClient) -> None:
    listed = examples.get(f"{API}/locations").json()
    # other packages (the scaffolder's built-in templates) may register locations too
    assert {item["data"]["target"] for item in listed} >= {
        str(EXAMPLES / "all.yaml"),
        str(EXAMPLES / "acme/org.yaml"),
    }
    location = next(i["data"] for i in listed if i["data"]["target"].endswith("org.yaml"))
    assert examples.get(f"{API}/locations/{location['id']}").json() == location
    by_entity = examples.get(f"{API}/locations/by-entity/group/default/team-a").json()
    assert by_entity == location
    assert examples.delete(f"{API}/locations/{location['id']}").status_code == 204
    assert examples.get(f"{API}/entities/by-name/group/default/team-a").status_code == 404
    assert examples.get(f"{API}/locations/{location['id']}").status_code == 404


def test_post_location_201_then_409(empty_portal: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(yaml.safe_dump(_component("svc")))
    created = empty_portal.post(f"{API}/locations", json={"type": "file", "target": str(path)})
    assert created.status_code == 201
    body = created.json()
    assert body["location"]["target"] == str(path)
    assert "component" in {e["kind"].lower() for e in body["entities"]}
    again = empty_portal.post(f"{API}/locations", json={"type": "file", "target": str(path)})
    assert again.status_code == 409
    assert again.json()["error"]["name"] == "LocationExistsError"


def test_post_location_dry_run_writes_nothing(empty_portal: TestClient, tmp_path: Path) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(yaml.safe_dump(_component("svc")))
    response = empty_portal.post(
        f"{API}/locations", params={"dryRun": "true"}, json={"type": "file", "target": str(path)}
    )
    assert response.status_code == 201
    assert response.json()["exists"] is False
    assert any(e["metadata"]["name"] == "svc" for e in response.json()["entities"])
    targets = [i["data"]["target"] for i in empty_portal.get(f"{API}/locations").json()]
    assert str(path) not in targets
    assert empty_portal.get(f"{API}/entities/by-name/component/default/svc").status_code == 404


def test_post_location_with_a_bad_type_is_a_400(empty_portal: TestClient) -> None:
    response = empty_portal.post(f"{API}/locations", json={"type": "github", "target": "x"})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == "type"


def test_entity_facets(examples: TestClient) -> None:
    response = examples.get(
        f"{API}/entity-facets", params=[("facet", "spec.lifecycle"), ("filter", "kind=component")]
    )
    assert response.status_code == 200
    facets = {f["value"]: f["count"] for f in response.json()["facets"]["spec.lifecycle"]}
    assert facets == {"production": 8, "experimental": 4}


# The guest as a member of team-a, the group that owns _component()s.
_GUEST_IN_TEAM_A = [
    {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Group",
        "metadata": {"name": "team-a"},
        "spec": {"type": "team", "children": []},
    },
    {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "User",
        "metadata": {"name": "guest"},
        "spec": {"memberOf": ["team-a"]},
    },
]


@pytest.fixture
def team_a_admin_portal(settings: Settings) -> Iterator[TestClient]:
    """An empty development portal whose platform admins are team-a."""
    for client, _runtime in make_client(
        with_admin_groups(settings, "group:default/team-a"), seed=False
    ):
        yield client


def test_refresh_everything_or_one_entity(team_a_admin_portal: TestClient, tmp_path: Path) -> None:
    # Refreshing every location is a platform admin's act; the guest is one here (team-a).
    portal = team_a_admin_portal
    path = tmp_path / "catalog-info.yaml"
    path.write_text(yaml.safe_dump_all([*_GUEST_IN_TEAM_A, _component("before")]))
    portal.post(f"{API}/locations", json={"type": "file", "target": str(path)})
    path.write_text(
        yaml.safe_dump_all([*_GUEST_IN_TEAM_A, _component("before"), _component("after")])
    )
    assert portal.post(f"{API}/refresh").status_code == 200
    assert portal.get(f"{API}/entities/by-name/component/default/after").status_code == 200
    path.write_text(yaml.safe_dump_all([*_GUEST_IN_TEAM_A, _component("third")]))
    response = portal.post(f"{API}/refresh", json={"entityRef": "component:default/after"})
    assert response.status_code == 200
    assert portal.get(f"{API}/entities/by-name/component/default/third").status_code == 200
    assert portal.get(f"{API}/entities/by-name/component/default/after").status_code == 404


def test_refreshing_everything_is_for_platform_admins(
    empty_portal: TestClient, tmp_path: Path
) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(yaml.safe_dump_all([*_GUEST_IN_TEAM_A, _component("mine")]))
    empty_portal.post(f"{API}/locations", json={"type": "file", "target": str(path)})
    refused = empty_portal.post(f"{API}/refresh")
    assert refused.status_code == 403
    assert refused.json()["error"]["permission"] == "catalog.entity.refresh"
    # ...while the owner refreshes what it owns.
    mine = empty_portal.post(f"{API}/refresh", json={"entityRef": "component:default/mine"})
    assert mine.status_code == 200


def test_validate_entity_accepts_a_valid_one(empty_portal: TestClient) -> None:
    response = empty_portal.post(
        f"{API}/validate-entity", json={"entity": _component("ok"), "location": "url:x"}
    )
    assert response.status_code == 200


def test_validate_entity_400_lists_every_error(empty_portal: TestClient) -> None:
    bad = _component("-bad-")
    bad["metadata"]["tags"] = ["Upper"]
    del bad["spec"]["lifecycle"]
    response = empty_portal.post(f"{API}/validate-entity", json={"entity": bad, "location": "x"})
    assert response.status_code == 400
    errors = response.json()["error"]["errors"]
    assert {(e["field"], e["rule"]) for e in errors} == {
        ("metadata.name", "pattern"),
        ("metadata.tags[0]", "pattern"),
        ("spec.lifecycle", "required"),
    }


def test_the_catalog_api_is_in_the_openapi_document(empty_portal: TestClient) -> None:
    paths = empty_portal.get("/api/openapi.json").json()["paths"]
    for path in (
        "/api/catalog/entities/by-query",
        "/api/catalog/locations",
        "/api/catalog/entity-facets",
        "/api/catalog/validate-entity",
    ):
        assert path in paths
