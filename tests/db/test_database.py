"""The database layer on SQLite and a real PostgreSQL server."""

from __future__ import annotations

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


def test_safe_url_hides_the_password() -> None:
    db = Database("postgresql://app:hunter2@db.example.com/goldpath")
    assert "hunter2" not in db.safe_url
