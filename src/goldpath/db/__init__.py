"""Database: engine, sessions, declarative Base and Alembic migrations."""

from goldpath.db._database import Base, Database, normalise_url
from goldpath.db._listener import PostgresListener
from goldpath.db._time import as_utc, utc_now
from goldpath.db.errors import DatabaseError

__all__ = [
    "Base",
    "Database",
    "DatabaseError",
    "PostgresListener",
    "as_utc",
    "normalise_url",
    "utc_now",
]
