"""The database layer on SQLite and a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from goldpath.db import Database, normalise_url


def test_session_commits_on_success_and_rolls_back_on_error(any_database: Database) -> None:
    with any_database.session() as session:
        session.execute(text("CREATE TABLE probe (n INTEGER)"))
    with any_database.session() as session:
        session.execute(text("INSERT INTO probe VALUES (1)"))
    with pytest.raises(RuntimeError), any_database.session() as session:
        session.execute(text("INSERT INTO probe VALUES (2)"))
        raise RuntimeError("boom")
    with any_database.session() as session:
        assert session.execute(text("SELECT n FROM probe")).scalars().all() == [1]


def test_migrate_twice_is_harmless(any_database: Database) -> None:
    any_database.migrate()
    with any_database.session() as session:
        heads = session.execute(text("SELECT count(*) FROM alembic_version")).scalar_one()
    assert heads >= 0


def test_postgres_urls_use_psycopg3() -> None:
    assert normalise_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalise_url("sqlite:///x.db") == "sqlite:///x.db"


def test_shown_url_hides_the_credentials() -> None:
    db = Database("postgresql://app:hunter2@db.example.com/goldpath")
    assert "hunter2" not in db.shown_url


def test_script_heads_match_alembics_own_reading() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from goldpath.db._database import MIGRATIONS_DIR, script_heads

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert script_heads() == frozenset(ScriptDirectory.from_config(config).get_heads())


def test_migrated_database_is_at_the_script_heads(any_database: Database) -> None:
    from goldpath.db._database import script_heads

    assert any_database.applied_heads() == script_heads()


def test_a_database_behind_the_heads_is_migrated_again(tmp_path: Path) -> None:
    from alembic import command
    from alembic.config import Config

    from goldpath.db._database import MIGRATIONS_DIR, script_heads

    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "catalog_0001")  # an older goldpath's catalog
    assert db.applied_heads() == frozenset({"catalog_0001"})
    db.migrate()
    assert db.applied_heads() == script_heads()
    db.dispose()
