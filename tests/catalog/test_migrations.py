"""The catalog's migrations upgrade a database that already holds entities."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.config import Config
from sqlalchemy import text

from goldpath.db import Database
from goldpath.db._database import MIGRATIONS_DIR


def test_catalog_0002_moves_full_text_out_of_the_entity_rows(any_database: Database) -> None:
    # any_database is fully migrated; step the catalog branch back to 0001 with data in it
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    with any_database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "catalog_0001")
    now = datetime.now(UTC)
    with any_database.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO catalog_locations (id, type, target, origin, created_at)"
                " VALUES ('l1', 'file', '/x.yaml', 'api', :now)"
            ),
            {"now": now},
        )
        connection.execute(
            text(
                "INSERT INTO catalog_entities (uid, entity_ref, kind, namespace, name, etag,"
                " location_id, location_key, search_text, updated_at, body) VALUES ('u1',"
                " 'component:default/a', 'component', 'default', 'a', 'e', 'l1', 'file:/x.yaml',"
                " 'a payments service', :now, '{}')"
            ),
            {"now": now},
        )
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
