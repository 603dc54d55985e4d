"""The database: one engine, short sessions, migrations applied on start."""

from __future__ import annotations

import ast
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool

from goldpath.db.errors import DatabaseError
from goldpath.redaction import redact_text

__all__ = ["Base", "Database", "normalise_url"]

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
# A pooled PostgreSQL connection idle longer than this is pinged before it is handed out
# (the server may have restarted or a proxy dropped it meanwhile); one in steady use is
# not, so a read costs no round trip beyond its own statement.
PING_AFTER_IDLE_SECONDS = 1.0
_IDLE_SINCE = "goldpath.idle_since"


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


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Ping a pooled connection at checkout only when it sat idle past ``idle_seconds``.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: one more round trip for each
    short read. A dead connection found here is replaced by the pool (DisconnectionError);
    one that dies while in use fails that statement and the pool discards its siblings.
    """
    dialect = engine.dialect

    def checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    def checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError(f"pooled connection is gone: {exc}") from exc

    event.listen(engine, "checkin", checkin)
    event.listen(engine, "checkout", checkout)


class Database:
    """An engine plus a session factory for one database URL."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        ping_after_idle_seconds: float = PING_AFTER_IDLE_SECONDS,
    ) -> None:
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
            # last in, first out: the connection just used is reused (no ping needed),
            # the rest stay idle and are pinged when next needed
            kwargs.update(pool_size=10, max_overflow=10, pool_use_lifo=True)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            self._reads = self.engine
        else:
            _ping_when_idle(self.engine, ping_after_idle_seconds)
            # a single statement is its own transaction: no BEGIN / COMMIT round trips
            self._reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
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

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for ONE read-only statement (what a page or API read asks).

        On PostgreSQL it runs in autocommit: the statement is its own transaction, with the
        same snapshot a BEGIN / SELECT / COMMIT would give, in one round trip instead of
        three. Two statements that must agree with each other belong in ``session()``.
        """
        with self._reads.connect() as connection:
            yield connection

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
