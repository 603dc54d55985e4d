"""Backstage's own example catalog ingests with every relation and its reverse."""

from __future__ import annotations

import pytest
from tests.catalog.conftest import EXAMPLES

from goldpath.catalog import REVERSE, CatalogService


@pytest.fixture
def examples(catalog: CatalogService) -> CatalogService:
    for target in ("all.yaml", "acme/org.yaml"):
        record, _ = catalog.add_location("file", str(EXAMPLES / target))
        assert record.errors == (), record.errors
    return catalog


def _kinds(catalog: CatalogService) -> dict[str, int]:
    return {f["value"]: f["count"] for f in catalog.facets(["kind"])["kind"]}


def test_every_example_entity_is_ingested(examples: CatalogService) -> None:
    assert _kinds(examples) == {
        "API": 4,
        "Component": 12,
        "Domain": 3,
        "Group": 8,
        "Location": 9,
        "Resource": 1,
        "System": 3,
        "User": 17,
    }


def test_every_relation_has_its_reverse_on_the_other_entity(examples: CatalogService) -> None:
    entities = examples.query(limit=1000).items
    by_ref = {
        f"{e['kind']}:{e['metadata']['namespace']}/{e['metadata']['name']}".lower(): e
        for e in entities
    }
    checked = 0
    for ref, entity in by_ref.items():
        for relation in entity["relations"]:
            target = by_ref.get(relation["targetRef"])
            if target is None:
                continue  # Backstage keeps relations to entities that do not exist (yet)
            reverse = {"type": REVERSE[relation["type"]], "targetRef": ref}
            assert reverse in target["relations"], (ref, relation)
            checked += 1
    assert checked > 100


def test_relations_match_the_specs(examples: CatalogService) -> None:
    def rels(ref: str) -> set[tuple[str, str]]:
        return {(r["type"], r["targetRef"]) for r in examples.get_entity(ref)["relations"]}

    assert rels("component:artist-lookup") == {
        ("ownedBy", "group:default/team-a"),
        ("partOf", "system:default/artist-engagement-portal"),
        ("dependsOn", "resource:default/artists-db"),
        # www-artist lists it (with an explicit kind) under consumesApis
        ("apiConsumedBy", "component:default/www-artist"),
    }
    assert ("hasPart", "component:default/artist-lookup") in rels("system:artist-engagement-portal")
    assert ("partOf", "domain:default/artists") in rels("system:artist-engagement-portal")
    assert ("dependencyOf", "component:default/artist-lookup") in rels("resource:artists-db")
    assert ("apiConsumedBy", "component:default/wayback-search") in rels("api:wayback-archive")
    assert ("providesApi", "api:default/petstore") in rels("component:petstore")
    assert ("ownedBy", "user:default/guest") in rels("component:shuffle-api")
    assert rels("group:infrastructure") == {
        ("childOf", "group:default/acme-corp"),
        ("parentOf", "group:default/backstage"),
        ("parentOf", "group:default/boxoffice"),
    }
    assert ("memberOf", "group:default/team-a") in rels("user:development/guest")
    assert ("hasMember", "user:development/guest") in rels("group:team-a")
    assert ("ownerOf", "component:alternative/different-namespace") in rels("group:team-a")


def test_nested_locations_are_annotated_with_their_file_and_origin(
    examples: CatalogService,
) -> None:
    entity = examples.get_entity("component:artist-lookup")
    annotations = entity["metadata"]["annotations"]
    assert annotations["backstage.io/managed-by-location"] == (
        f"file:{EXAMPLES / 'components/artist-lookup-component.yaml'}"
    )
    assert annotations["backstage.io/managed-by-origin-location"] == f"file:{EXAMPLES / 'all.yaml'}"
    assert annotations["buildkite.com/project-slug"] == "nutrien/digital-k8s"


def test_unreachable_remote_definitions_are_errors_on_those_apis_only(
    examples: CatalogService,
) -> None:
    assert "status" in examples.get_entity("api:wayback-archive")
    assert "status" in examples.get_entity("api:wayback-search")
    assert "status" not in examples.get_entity("api:petstore")
    assert examples.get_entity("api:petstore")["spec"]["definition"].startswith('openapi: "3.0.0"')


def test_queries_answer_like_backstage(examples: CatalogService) -> None:
    team_a = examples.query(
        filters={"kind": "component", "relations.ownedBy": "group:default/team-a"}, limit=100
    )
    assert sorted(e["metadata"]["name"] for e in team_a.items) == [
        "artist-lookup",
        "different-namespace",
        "wayback-archive",
        "wayback-search",
        "www-artist",
    ]
    users_or_groups = examples.query(filters=[{"kind": "user"}, {"kind": "group"}], limit=1)
    assert users_or_groups.total_items == 25 and users_or_groups.next_cursor
