"""Database errors."""

from __future__ import annotations

from goldpath.errors import ProviderError

__all__ = ["DatabaseError"]


class DatabaseError(ProviderError):
    """The database could not be reached or migrated."""
