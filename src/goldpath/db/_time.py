"""Times as the database hands them back: every time goldpath stores is UTC, and SQLite
returns them without their offset even for timezone-aware columns."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

__all__ = ["as_utc", "utc_now"]


def utc_now() -> datetime:
    """Now, in UTC, with its offset."""
    return datetime.now(UTC)


@overload
def as_utc(value: datetime) -> datetime: ...


@overload
def as_utc(value: None) -> None: ...


def as_utc(value: datetime | None) -> datetime | None:
    """``value`` with its UTC offset (a stored time without one is read as UTC)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
