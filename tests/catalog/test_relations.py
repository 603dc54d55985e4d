"""Relations: computed from specs with Backstage's defaults, always with their reverse."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from tests.catalog.conftest import WriteYaml, component, group

from goldpath.catalog import REVERSE, CatalogService, Relation, compute_relations

names = st.from_regex(r"[a-z][a-z0-9-]{0,10}[a-z0-9]", fullmatch=True)
refs = st.one_of(
    names,
    st.builds(lambda ns, n: f"{ns}/{n}", names, names),
    st.builds(
        lambda k, n: f"{k}:{n}", st.sampled_from(["group", "user", "component", "api"]), names
    ),
)
SPEC_FIELDS: dict[str, dict[str, bool]] = {
    "Component": {
        "owner": False,
        "system": False,
        "subcomponentOf": False,
        "providesApis": True,
        "consumesApis": True,
        "dependsOn": True,
        "dependencyOf": True,
    },
    "API": {"owner": False, "system": False},
    "Resource": {"owner": False, "system": False, "dependsOn": True, "dependencyOf": True},
    "System": {"owner": False, "domain": False},
    "Domain": {"owner": False, "subdomainOf": False},
    "User": {"memberOf": True},
    "Group": {"parent": False, "children": True, "members": True},
}


@st.composite
def entities(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(sorted(SPEC_FIELDS)))
    spec: dict[str, Any] = {}
    for field, is_list in SPEC_FIELDS[kind].items():
        if draw(st.booleans()):
            if is_list:
                if field in ("dependsOn", "dependencyOf"):
                    spec[field] = draw(
                        st.lists(st.builds(lambda n: f"component:{n}", names), max_size=3)
                    )
                else:
                    spec[field] = draw(st.lists(refs, max_size=3))
            else:
                spec[field] = draw(refs)
    namespace = draw(st.sampled_from(["default", "ops"]))
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": kind,
        "metadata": {"name": draw(names), "namespace": namespace},
        "spec": spec,
    }


@given(entities())
def test_every_relation_comes_with_its_reverse(entity: dict[str, Any]) -> None:
    relations, problems = compute_relations(entity)
    assert problems == []
    found = set(relations)
    for relation in relations:
        assert relation.reversed() in found
        assert REVERSE[REVERSE[relation.type]] == relation.type


def test_owner_defaults_to_a_group_in_the_entity_namespace() -> None:
    entity = component("svc", owner="team-a")
    entity["metadata"]["namespace"] = "ops"
    relations, _ = compute_relations(entity)
    assert Relation("component:ops/svc", "ownedBy", "group:ops/team-a") in relations
    assert Relation("group:ops/team-a", "ownerOf", "component:ops/svc") in relations


def test_an_explicit_kind_overrides_the_default() -> None:
    relations, _ = compute_relations(component("svc", owner="user:guest"))
    assert Relation("component:default/svc", "ownedBy", "user:default/guest") in relations


def test_depends_on_without_a_kind_is_reported_naming_the_field() -> None:
    _, problems = compute_relations(component("svc", dependsOn=["db"]))
    assert problems and problems[0].field == "spec.dependsOn[0].kind"


def test_stored_relations_are_stitched_onto_both_ends(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml(
        "catalog-info.yaml",
        group("team-a", children=["team-b"]),
        group("team-b"),
        component("svc", system="shop", providesApis=["pay"]),
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "User",
            "metadata": {"name": "ada"},
            "spec": {"memberOf": ["team-b"]},
        },
    )
    catalog.add_location("file", str(path))
    team_a = {(r["type"], r["targetRef"]) for r in catalog.get_entity("group:team-a")["relations"]}
    assert ("ownerOf", "component:default/svc") in team_a
    assert ("parentOf", "group:default/team-b") in team_a
    team_b = {(r["type"], r["targetRef"]) for r in catalog.get_entity("group:team-b")["relations"]}
    assert team_b == {("childOf", "group:default/team-a"), ("hasMember", "user:default/ada")}
    svc = {(r["type"], r["targetRef"]) for r in catalog.get_entity("component:svc")["relations"]}
    assert svc == {
        ("ownedBy", "group:default/team-a"),
        ("partOf", "system:default/shop"),
        ("providesApi", "api:default/pay"),
    }


def test_spec_owner_follows_backstage_and_skips_the_name_rules() -> None:
    """Backstage's public templates use ``owner: web@example.com``; it must ingest."""
    from goldpath.catalog._relations import compute_relations

    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"type": "website", "lifecycle": "experimental", "owner": "web@example.com"},
    }
    relations, problems = compute_relations(entity)
    assert problems == []
    assert ("ownedBy", "group:default/web@example.com") in {
        (r.type, r.target) for r in relations if r.source == "component:default/web"
    }


def test_spec_ref_with_an_empty_part_is_still_an_error() -> None:
    from goldpath.catalog._relations import compute_relations

    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "web", "namespace": "default"},
        "spec": {"type": "website", "lifecycle": "experimental", "owner": "group:/"},
    }
    _, problems = compute_relations(entity)
    assert [p.field for p in problems][:1] == ["spec.owner.namespace"]
