"""The database layer on SQLite and a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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


@pytest.mark.postgres
def test_a_read_opens_no_transaction_on_postgresql(postgres_url: str) -> None:
    # no transaction open after the statement: no BEGIN went before it and no COMMIT or
    # ROLLBACK has to follow it (one round trip, the statement itself)
    from psycopg.pq import TransactionStatus

    db = Database(postgres_url)
    try:
        with db.read() as connection:
            assert connection.execute(text("SELECT 41 + 1")).scalar_one() == 42
            raw = connection.connection.dbapi_connection
            assert raw is not None
            assert raw.info.transaction_status == TransactionStatus.IDLE
        with db.session() as session:  # sessions keep their transaction
            session.execute(text("SELECT 1"))
            raw = session.connection().connection.dbapi_connection
            assert raw is not None
            assert raw.info.transaction_status == TransactionStatus.INTRANS
    finally:
        db.dispose()


def _backend_pid(db: Database) -> int:
    with db.read() as connection:
        return int(connection.execute(text("SELECT pg_backend_pid()")).scalar_one())


@pytest.mark.postgres
def test_a_pooled_connection_the_server_dropped_while_idle_is_replaced(
    postgres_url: str, postgres_admin_url: str
) -> None:
    from sqlalchemy import create_engine

    db = Database(postgres_url, ping_after_idle_seconds=0)
    admin = create_engine(postgres_admin_url, isolation_level="AUTOCOMMIT")
    try:
        pid = _backend_pid(db)
        with admin.connect() as connection:  # a restart or a proxy's idle timeout
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        assert _backend_pid(db) != pid
    finally:
        admin.dispose()
        db.dispose()


@pytest.mark.postgres
def test_only_a_connection_idle_past_the_limit_is_pinged(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    pings: list[object] = []
    busy = Database(postgres_url, ping_after_idle_seconds=3600)
    idle = Database(postgres_url, ping_after_idle_seconds=0)
    try:
        for db in (busy, idle):
            dialect = db.engine.dialect

            def counted(raw: object, db: Database = db, ping: Any = dialect.do_ping) -> bool:
                pings.append(db)
                return bool(ping(raw))

            monkeypatch.setattr(dialect, "do_ping", counted)
            for _ in range(3):
                _backend_pid(db)
        # a fresh connection is not pinged; a reused one only when it idled past the limit
        assert pings == [idle, idle]
    finally:
        busy.dispose()
        idle.dispose()
