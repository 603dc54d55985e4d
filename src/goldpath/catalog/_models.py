"""Value types the catalog hands out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict

__all__ = ["FacetCount", "LocationRecord", "QueryResult"]


class FacetCount(TypedDict):
    """One value of a facet and how many matching entities have it (Backstage's shape)."""

    value: str
    count: int


@dataclass(frozen=True, slots=True)
class LocationRecord:
    """A registered location and what its last refresh found wrong."""

    id: str
    type: str
    target: str
    origin: str = "api"
    errors: tuple[str, ...] = ()
    created_at: datetime | None = None
    refreshed_at: datetime | None = None
    conflicts: tuple[str, ...] = ()
    """Refs this location describes that another location provides already (when added)."""

    @property
    def key(self) -> str:
        """Backstage's ``type:target`` form."""
        return f"{self.type}:{self.target}"

    def as_dict(self) -> dict[str, str]:
        """Backstage's Location shape: ``{id, type, target}``."""
        return {"id": self.id, "type": self.type, "target": self.target}


@dataclass(frozen=True, slots=True)
class QueryResult:
    """One page of a query, with cursors to the pages around it."""

    items: list[dict[str, Any]]
    total_items: int
    next_cursor: str | None = None
    prev_cursor: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Backstage's by-query response: ``{items, totalItems, pageInfo}``."""
        page_info: dict[str, str] = {}
        if self.next_cursor:
            page_info["nextCursor"] = self.next_cursor
        if self.prev_cursor:
            page_info["prevCursor"] = self.prev_cursor
        return {"items": self.items, "totalItems": self.total_items, "pageInfo": page_info}
