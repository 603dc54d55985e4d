"""The database: one engine, short sessions, migrations applied on start."""

from __future__ import annotations

import ast
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from goldpath.db.errors import DatabaseError
from goldpath.redaction import redact_text

__all__ = ["Base", "Database", "normalise_url"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"


def _literal_assignments(path: Path) -> dict[str, object]:
    """The module-level ``name = <literal>`` assignments of a migration file."""
    found: dict[str, object] = {}
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    found[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    return found


def script_heads() -> frozenset[str]:
    """The head revisions the migration files declare (read without importing Alembic)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS_DIR.glob("*.py"):
        values = _literal_assignments(path)
        revisions.add(str(values["revision"]))
        down = values.get("down_revision")
        if isinstance(down, str):
            parents.add(down)
        elif isinstance(down, (tuple, list)):
            parents.update(str(d) for d in down)
    return frozenset(revisions - parents)


class Base(DeclarativeBase):
    """Declarative base for every goldpath table."""


def normalise_url(url: str) -> str:
    """Pick psycopg 3 for PostgreSQL URLs that name no driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


class Database:
    """An engine plus a session factory for one database URL."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self.is_postgresql = parsed.get_backend_name() == "postgresql"
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.is_sqlite:
            database = parsed.database or ""
            if database in ("", ":memory:"):
                kwargs["poolclass"] = StaticPool
            else:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 15}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=10, max_overflow=10)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._migrate_lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block succeeds and rolls back when it raises."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def applied_heads(self) -> frozenset[str]:
        """The revisions recorded in the database's ``alembic_version`` table."""
        with self.engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return frozenset()
            rows = connection.execute(text("SELECT version_num FROM alembic_version"))
            return frozenset(str(row[0]) for row in rows)

    def migrate(self) -> None:
        """Apply every package's Alembic migrations (``upgrade heads``).

        A database already at the files' heads is left alone without importing Alembic,
        which would otherwise cost every start-up a few hundred milliseconds.
        """
        try:
            if self.applied_heads() == script_heads():
                return
        except OperationalError as exc:
            raise DatabaseError(
                f"cannot reach the database: {exc.orig}", url=self.shown_url
            ) from exc
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("path_separator", "os")
        with self._migrate_lock:
            try:
                with self.engine.begin() as connection:
                    config.attributes["connection"] = connection
                    command.upgrade(config, "heads")
            except OperationalError as exc:
                raise DatabaseError(
                    f"cannot migrate the database: {exc.orig}", url=self.shown_url
                ) from exc

    @property
    def shown_url(self) -> str:
        """The URL with its credentials hidden (the one redaction rule), fit for logs and errors."""
        return redact_text(self.url, urls=True)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
