"""Locations: files and URLs, nested Location targets, annotations, placeholders, refresh."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from tests.catalog.conftest import WriteYaml, component, group, location

from goldpath.catalog import (
    ANNOTATION_LOCATION,
    ANNOTATION_ORIGIN_LOCATION,
    CatalogService,
    EntityNotFoundError,
    InvalidLocationError,
    LocationAccessDeniedError,
    LocationExistsError,
    LocationNotFoundError,
    LocationTargetNotFoundError,
)
from goldpath.db import Database
from goldpath.errors import NotFoundError


class DictReader:
    """A UrlReader over an in-memory map of URL -> bytes (what a git host's reader does)."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def can_read(self, url: str) -> bool:
        return url.startswith("https://git.example.com/")

    def read(self, url: str) -> bytes:
        if url not in self.files:
            raise NotFoundError(f"{url} is not in the repository")
        return self.files[url].encode()


def _names(catalog: CatalogService, kind: str) -> set[str]:
    return {e["metadata"]["name"] for e in catalog.query(filters={"kind": kind}, limit=1000).items}


def test_a_file_location_ingests_every_document(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("a"), component("b"), group("team-a"))
    record, entities = sqlite_catalog.add_location("file", str(path))
    assert record.type == "file" and record.target == str(path)
    refs = {f"{e['kind']}:{e['metadata']['name']}".lower() for e in entities}
    assert {"component:a", "component:b", "group:team-a"} <= refs
    assert _names(sqlite_catalog, "component") == {"a", "b"}


def test_registering_creates_a_generated_location_entity(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("a"))
    sqlite_catalog.add_location("file", str(path))
    generated = sqlite_catalog.query(filters={"kind": "location"}).items
    assert len(generated) == 1
    assert generated[0]["metadata"]["name"].startswith("generated-")
    assert generated[0]["spec"] == {"type": "file", "target": str(path)}


def test_nested_locations_are_followed_relative_to_their_file(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml, tmp_path: Path
) -> None:
    write_yaml("teams/team-a.yaml", group("team-a"))
    write_yaml("services/deep/svc.yaml", component("svc"))
    write_yaml("services/all.yaml", location("services", "./deep/svc.yaml"))
    absolute = write_yaml("elsewhere/x.yaml", component("x"))
    root = write_yaml(
        "all.yaml", location("root", "./teams/team-a.yaml", "services/all.yaml", str(absolute))
    )
    sqlite_catalog.add_location("file", str(root))
    assert _names(sqlite_catalog, "component") == {"svc", "x"}
    svc = sqlite_catalog.get_entity("component:svc")
    annotations = svc["metadata"]["annotations"]
    assert annotations[ANNOTATION_LOCATION] == f"file:{tmp_path / 'services/deep/svc.yaml'}"
    assert annotations[ANNOTATION_ORIGIN_LOCATION] == f"file:{root}"


def test_a_location_cycle_is_read_once(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    write_yaml("b.yaml", location("b", "./a.yaml"), component("in-b"))
    root = write_yaml("a.yaml", location("a", "./b.yaml"), component("in-a"))
    record, _ = sqlite_catalog.add_location("file", str(root))
    assert _names(sqlite_catalog, "component") == {"in-a", "in-b"}
    assert sqlite_catalog.get_location(record.id).errors == ()


def test_a_missing_required_nested_target_is_an_error_on_the_location(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    root = write_yaml("all.yaml", location("root", "./missing.yaml"), component("ok"))
    record, _ = sqlite_catalog.add_location("file", str(root))
    assert any("missing.yaml" in e and "does not exist" in e for e in record.errors)
    assert _names(sqlite_catalog, "component") == {"ok"}


def test_an_optional_missing_target_is_not_an_error(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    root = write_yaml("all.yaml", location("root", "./missing.yaml", presence="optional"))
    record, _ = sqlite_catalog.add_location("file", str(root))
    assert record.errors == ()


def test_registering_a_missing_file_fails_and_stores_nothing(
    sqlite_catalog: CatalogService, tmp_path: Path
) -> None:
    with pytest.raises(LocationTargetNotFoundError):
        sqlite_catalog.add_location("file", str(tmp_path / "nope.yaml"))
    assert sqlite_catalog.list_locations() == []


def test_a_location_whose_entities_cannot_be_stored_is_not_registered(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the location's row and its entities are one transaction: a failure while storing
    # the entities leaves no location behind that points at nothing
    from goldpath.catalog import _service

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the database went away")

    monkeypatch.setattr(_service, "store_location_entities", broken)
    path = write_yaml("catalog-info.yaml", component("a"))
    with pytest.raises(RuntimeError, match="went away"):
        sqlite_catalog.add_location("file", str(path))
    assert sqlite_catalog.list_locations() == []
    monkeypatch.undo()
    record, _ = sqlite_catalog.add_location("file", str(path))  # and it can be added again
    assert [loc.id for loc in sqlite_catalog.list_locations()] == [record.id]


def test_an_invalid_entity_is_recorded_while_the_rest_ingests(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    bad = component("-bad-")
    path = write_yaml("catalog-info.yaml", component("good"), bad)
    record, _ = sqlite_catalog.add_location("file", str(path))
    assert _names(sqlite_catalog, "component") == {"good"}
    assert len(record.errors) == 1 and "metadata.name" in record.errors[0]


def test_invalid_yaml_is_an_error_on_the_location(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", text="kind: [unclosed\n")
    record, _ = sqlite_catalog.add_location("file", str(path))
    assert record.errors and "YAML" in record.errors[0]


def test_an_invalid_edit_keeps_the_last_valid_entity_until_it_is_fixed(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("kept"))
    record, _ = sqlite_catalog.add_location("file", str(path))
    write_yaml("catalog-info.yaml", text="kind: [unclosed\n")
    broken = sqlite_catalog.refresh_location(record.id)
    assert broken.errors and "YAML" in broken.errors[0]
    assert _names(sqlite_catalog, "component") == {"kept"}
    write_yaml("catalog-info.yaml", component("renamed"))
    fixed = sqlite_catalog.refresh_location(record.id)
    assert fixed.errors == ()
    assert _names(sqlite_catalog, "component") == {"renamed"}  # a valid read drops the old


def test_placeholders_are_resolved_relative_to_the_entity_file(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml, tmp_path: Path
) -> None:
    (tmp_path / "apis").mkdir()
    (tmp_path / "apis/petstore.oas.yaml").write_text("openapi: 3.0.0\n")
    (tmp_path / "apis/extra.json").write_text(json.dumps({"a": [1, 2]}))
    (tmp_path / "apis/extra.yaml").write_text("b: true\n")
    api = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "API",
        "metadata": {"name": "petstore"},
        "spec": {
            "type": "openapi",
            "lifecycle": "production",
            "owner": "team-a",
            "definition": {"$text": "./petstore.oas.yaml"},
            "extraJson": {"$json": "extra.json"},
            "extraYaml": {"$yaml": "./extra.yaml"},
        },
    }
    sqlite_catalog.add_location("file", str(write_yaml("apis/api.yaml", api)))
    stored = sqlite_catalog.get_entity("api:petstore")
    assert stored["spec"]["definition"] == "openapi: 3.0.0\n"
    assert stored["spec"]["extraJson"] == {"a": [1, 2]}
    assert stored["spec"]["extraYaml"] == {"b": True}
    assert "status" not in stored


def test_an_unresolvable_placeholder_is_an_error_on_that_entity_only(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    api = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "API",
        "metadata": {"name": "broken"},
        "spec": {
            "type": "openapi",
            "lifecycle": "production",
            "owner": "team-a",
            "definition": {"$text": "./nope.yaml"},
        },
    }
    path = write_yaml("catalog-info.yaml", api, component("fine"))
    sqlite_catalog.add_location("file", str(path))
    broken = sqlite_catalog.get_entity("api:broken")
    (item,) = broken["status"]["items"]
    assert item["level"] == "error" and "spec.definition" in item["message"]
    assert "status" not in sqlite_catalog.get_entity("component:fine")


def test_url_locations_are_read_through_a_reader_and_resolve_relative_targets(
    database: Database,
) -> None:
    base = "https://git.example.com/org/repo/-/blob/main"
    reader = DictReader(
        {
            f"{base}/catalog-info.yaml": yaml.safe_dump_all(
                [location("root", "./services/svc.yaml"), component("root-svc")]
            ),
            f"{base}/services/svc.yaml": yaml.safe_dump(component("svc", system="shop")),
        }
    )
    catalog = CatalogService(database, readers=[reader])
    record, _ = catalog.add_location("url", f"{base}/catalog-info.yaml")
    assert record.errors == ()
    svc = catalog.get_entity("component:svc")
    assert svc["metadata"]["annotations"][ANNOTATION_LOCATION] == f"url:{base}/services/svc.yaml"


def test_a_url_of_a_host_nobody_allowed_is_refused(sqlite_catalog: CatalogService) -> None:
    with pytest.raises(LocationAccessDeniedError, match="unknown.example.org"):
        sqlite_catalog.add_location("url", "https://unknown.example.org/x/catalog-info.yaml")
    assert sqlite_catalog.list_locations() == []


def test_a_malformed_location_type_or_url_is_rejected(sqlite_catalog: CatalogService) -> None:
    with pytest.raises(InvalidLocationError) as caught:
        sqlite_catalog.add_location("github", "x")
    assert caught.value.errors[0].field == "type"
    with pytest.raises(InvalidLocationError):
        sqlite_catalog.add_location("url", "ftp://x/y")


def test_registering_the_same_target_twice_is_a_conflict(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("a"))
    catalog.add_location("file", str(path))
    with pytest.raises(LocationExistsError):
        catalog.add_location("file", str(path))


def test_a_dry_run_writes_nothing(catalog: CatalogService, write_yaml: WriteYaml) -> None:
    path = write_yaml("catalog-info.yaml", component("a", owner="team-x"))
    record, entities = catalog.add_location("file", str(path), dry_run=True)
    assert {e["metadata"]["name"] for e in entities if e["kind"] == "Component"} == {"a"}
    component_a = next(e for e in entities if e["kind"] == "Component")
    assert {"type": "ownedBy", "targetRef": "group:default/team-x"} in component_a["relations"]
    assert catalog.list_locations() == []
    assert catalog.query().total_items == 0


def test_refresh_adds_updates_and_deletes_orphans(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("stays"), component("goes"))
    record, _ = catalog.add_location("file", str(path))
    uid = catalog.get_entity("component:stays")["metadata"]["uid"]
    etag = catalog.get_entity("component:stays")["metadata"]["etag"]
    write_yaml("catalog-info.yaml", component("stays", lifecycle="deprecated"), component("new"))
    catalog.refresh()
    assert _names(catalog, "component") == {"stays", "new"}
    stays = catalog.get_entity("component:stays")
    assert stays["metadata"]["uid"] == uid
    assert stays["metadata"]["etag"] != etag
    assert stays["spec"]["lifecycle"] == "deprecated"
    with pytest.raises(EntityNotFoundError):
        catalog.get_entity("component:goes")
    assert catalog.get_location(record.id).refreshed_at is not None


def test_unchanged_entities_keep_their_etag_across_refreshes(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("a"))
    catalog.add_location("file", str(path))
    before = catalog.get_entity("component:a")["metadata"]["etag"]
    catalog.refresh("component:a")
    assert catalog.get_entity("component:a")["metadata"]["etag"] == before


def test_a_ref_claimed_by_two_locations_is_an_error_on_the_second(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    first = write_yaml("one.yaml", component("shared", lifecycle="production"))
    second = write_yaml("two.yaml", component("shared", lifecycle="experimental"), component("own"))
    first_record, _ = catalog.add_location("file", str(first))
    second_record, _ = catalog.add_location("file", str(second))
    assert catalog.get_entity("component:shared")["spec"]["lifecycle"] == "production"
    assert catalog.get_location(first_record.id).errors == ()
    errors = catalog.get_location(second_record.id).errors
    assert any("component:default/shared" in e for e in errors)
    assert _names(catalog, "component") == {"shared", "own"}


def test_removing_a_location_removes_its_entities_only(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    one = write_yaml("one.yaml", component("a"))
    two = write_yaml("two.yaml", component("b"))
    record, _ = catalog.add_location("file", str(one))
    catalog.add_location("file", str(two))
    catalog.remove_location(record.id)
    assert _names(catalog, "component") == {"b"}
    with pytest.raises(LocationNotFoundError):
        catalog.get_location(record.id)
    with pytest.raises(LocationNotFoundError):
        catalog.remove_location(record.id)


def test_the_location_of_an_entity_can_be_looked_up(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    path = write_yaml("catalog-info.yaml", component("a"))
    record, _ = catalog.add_location("file", str(path))
    assert catalog.get_location_by_entity("component:a").id == record.id
    assert catalog.get_location_by_target("file", str(path)).id == record.id


def test_ensure_location_is_idempotent(catalog: CatalogService, write_yaml: WriteYaml) -> None:
    path = write_yaml("catalog-info.yaml", component("a"))
    first = catalog.ensure_location("file", str(path))
    second = catalog.ensure_location("file", str(path))
    assert first.id == second.id
    assert len(catalog.list_locations()) == 1


def test_a_refresh_of_unchanged_files_skips_processing(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml, monkeypatch: pytest.MonkeyPatch
) -> None:
    import goldpath.catalog._service as service_module

    path = write_yaml("catalog-info.yaml", component("a"))
    sqlite_catalog.add_location("file", str(path))
    calls: list[object] = []
    real = service_module.process_location

    def counting(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(service_module, "process_location", counting)
    sqlite_catalog.refresh()
    assert calls == []
    write_yaml("catalog-info.yaml", component("a"), component("b"))
    sqlite_catalog.refresh()
    assert len(calls) == 1
    assert sqlite_catalog.find_entity("component:b") is not None


def test_a_changed_placeholder_file_is_picked_up(
    sqlite_catalog: CatalogService, write_yaml: WriteYaml, tmp_path: Path
) -> None:
    (tmp_path / "api.oas.yaml").write_text("openapi: 3.0.0\n")
    api = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "API",
        "metadata": {"name": "petstore"},
        "spec": {
            "type": "openapi",
            "lifecycle": "production",
            "owner": "team-a",
            "definition": {"$text": "./api.oas.yaml"},
        },
    }
    sqlite_catalog.add_location("file", str(write_yaml("catalog-info.yaml", api)))
    (tmp_path / "api.oas.yaml").write_text("openapi: 3.1.0\n")
    sqlite_catalog.refresh()
    assert sqlite_catalog.get_entity("api:petstore")["spec"]["definition"] == "openapi: 3.1.0\n"


def test_a_refused_ref_is_claimed_once_the_first_location_is_gone(
    catalog: CatalogService, write_yaml: WriteYaml
) -> None:
    first = write_yaml("one.yaml", component("shared", lifecycle="production"))
    second = write_yaml("two.yaml", component("shared", lifecycle="experimental"))
    first_record, _ = catalog.add_location("file", str(first))
    second_record, _ = catalog.add_location("file", str(second))
    catalog.remove_location(first_record.id)
    catalog.refresh()
    assert catalog.get_entity("component:shared")["spec"]["lifecycle"] == "experimental"
    assert catalog.get_location(second_record.id).errors == ()
