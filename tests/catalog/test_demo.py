"""Demo data: a small living organisation, loaded idempotently."""

from __future__ import annotations

from goldpath.config import Settings
from goldpath.demo import DEMO_LOCATION, seed_demo
from goldpath.runtime import Runtime


def test_the_demo_organisation_loads_without_problems(settings: Settings) -> None:
    runtime = Runtime(settings)
    runtime.prepare()
    record = seed_demo(runtime.catalog)
    assert record.errors == ()
    catalog = runtime.catalog
    kinds = {f["value"] for f in catalog.facets(["kind"])["kind"]}
    assert {"Group", "User", "System", "Domain", "Component", "API", "Resource"} <= kinds
    for entity in catalog.query(limit=1000).items:
        assert "status" not in entity, entity["metadata"]["name"]
    runtime.stop()


def test_seeding_twice_changes_nothing(settings: Settings) -> None:
    runtime = Runtime(settings)
    runtime.prepare()
    first = seed_demo(runtime.catalog)
    uids = {e["metadata"]["uid"] for e in runtime.catalog.query(limit=1000).items}
    second = seed_demo(runtime.catalog)
    assert first.id == second.id
    assert {e["metadata"]["uid"] for e in runtime.catalog.query(limit=1000).items} == uids
    assert [loc.target for loc in runtime.catalog.list_locations()].count(str(DEMO_LOCATION)) == 1
    runtime.stop()


def test_the_guest_user_belongs_to_a_team_that_owns_things(settings: Settings) -> None:
    runtime = Runtime(settings)
    runtime.prepare()
    seed_demo(runtime.catalog)
    guest = runtime.catalog.get_entity("user:default/guest")
    teams = [r["targetRef"] for r in guest["relations"] if r["type"] == "memberOf"]
    assert teams
    owned = runtime.catalog.query(filters={"relations.ownedBy": teams[0]})
    assert owned.total_items > 0
    runtime.stop()
