"""Database: engine, sessions, declarative Base and Alembic migrations."""

from goldpath.db._database import Base, Database, normalise_url
from goldpath.db.errors import DatabaseError

__all__ = ["Base", "Database", "DatabaseError", "normalise_url"]
