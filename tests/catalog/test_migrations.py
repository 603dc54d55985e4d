"""The catalog's migrations upgrade a database that already holds entities."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, inspect, text

from goldpath.db import Database
from goldpath.db._database import MIGRATIONS_DIR


def _step_to(database: Database, revision: str, *, down: bool = True) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        if down:
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)


def _insert_entity(connection: Connection, now: datetime, search_text: str | None = None) -> None:
    """Location l1 and its entity u1; ``search_text`` for the schema before catalog_0002."""
    connection.execute(
        text(
            "INSERT INTO catalog_locations (id, type, target, origin, created_at)"
            " VALUES ('l1', 'file', '/x.yaml', 'api', :now)"
        ),
        {"now": now},
    )
    extra = ("", "") if search_text is None else (", search_text", ", :search_text")
    connection.execute(
        text(
            "INSERT INTO catalog_entities (uid, entity_ref, kind, namespace, name, etag,"
            f" location_id, location_key, updated_at, body{extra[0]}) VALUES ('u1',"
            " 'component:default/a', 'component', 'default', 'a', 'e', 'l1', 'file:/x.yaml',"
            f" :now, '{{}}'{extra[1]})"
        ),
        {"now": now, "search_text": search_text},
    )


def test_catalog_0002_moves_full_text_out_of_the_entity_rows(any_database: Database) -> None:
    # any_database is fully migrated; step the catalog branch back to 0001 with data in it
    _step_to(any_database, "catalog_0001")
    now = datetime.now(UTC)
    with any_database.engine.begin() as connection:
        _insert_entity(connection, now, search_text="a payments service")
        connection.execute(
            text(
                "INSERT INTO catalog_search (entity_uid, key, value) VALUES ('u1', 'kind',"
                " 'component'), ('u1', 'metadata.etag', 'e')"
            )
        )
    any_database.migrate()
    with any_database.engine.connect() as connection:
        assert connection.execute(text("SELECT text FROM catalog_fulltext")).scalar_one() == (
            "a payments service"
        )
        keys = connection.execute(text("SELECT key FROM catalog_search")).scalars().all()
        assert keys == ["kind"]


_DERIVED = {
    "catalog_search": "entity_uid",
    "catalog_relations": "originating_uid",
    "catalog_fulltext": "entity_uid",
}


def _keys_and_indexes(database: Database) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    with database.engine.connect() as connection:
        found = inspect(connection)
        keys = {t: [k["referred_table"] for k in found.get_foreign_keys(t)] for t in _DERIVED}
        indexes = {t: {i["name"] for i in found.get_indexes(t)} for t in _DERIVED}
    return keys, indexes


def test_catalog_0003_drops_the_derived_rows_foreign_keys_and_keeps_rows(
    any_database: Database,
) -> None:
    upgraded_keys, upgraded_indexes = _keys_and_indexes(any_database)
    assert upgraded_keys == {t: [] for t in _DERIVED}
    _step_to(any_database, "catalog_0002")
    keys, indexes = _keys_and_indexes(any_database)
    assert keys == {t: ["catalog_entities"] for t in _DERIVED}
    assert indexes == upgraded_indexes
    now = datetime.now(UTC)
    with any_database.engine.begin() as connection:
        _insert_entity(connection, now)
        connection.execute(
            text("INSERT INTO catalog_search (entity_uid, key, value) VALUES ('u1', 'kind', 'c')")
        )
        connection.execute(
            text(
                "INSERT INTO catalog_relations (originating_uid, source_ref, type, type_key,"
                " target_ref) VALUES ('u1', 'component:default/a', 'ownedBy', 'ownedby',"
                " 'group:default/t')"
            )
        )
        connection.execute(
            text("INSERT INTO catalog_fulltext (entity_uid, text) VALUES ('u1', 'a')")
        )
    any_database.migrate()
    assert _keys_and_indexes(any_database) == (upgraded_keys, upgraded_indexes)
    with any_database.engine.connect() as connection:
        counts = [
            connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
            for table in _DERIVED
        ]
    assert counts == [1, 1, 1]
