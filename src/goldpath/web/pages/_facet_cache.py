"""A short-lived cache of catalog facet counts for the filter selects.

Counting every value of five fields over a large catalog costs far more than fetching
one page of the table, and the counts in a filter menu may trail the table by a few
seconds without misleading anyone. The table itself is always read live.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence

from goldpath.catalog import CatalogService, FacetCount

__all__ = ["FacetCache"]

FacetCounts = dict[str, list[FacetCount]]


class FacetCache:
    """Facet counts per (keys, kind), kept for ``ttl_seconds``; at most ``max_entries``."""

    def __init__(
        self,
        ttl_seconds: float = 10.0,
        *,
        max_entries: int = 256,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[tuple[str, ...], str], tuple[float, FacetCounts]] = (
            OrderedDict()
        )

    def __len__(self) -> int:
        return len(self._entries)

    def facets(
        self, catalog: CatalogService, keys: Sequence[str], *, kind: str | None = None
    ) -> FacetCounts:
        """``catalog.facets(keys)`` (scoped to one kind when given), cached for a while."""
        cache_key = (tuple(keys), (kind or "").lower())
        now = self._clock()
        with self._lock:
            hit = self._entries.get(cache_key)
            if hit is not None and now - hit[0] < self._ttl:
                return hit[1]
        counts = catalog.facets(list(keys), filters={"kind": kind} if kind else None)
        with self._lock:
            self._entries[cache_key] = (now, counts)
            self._entries.move_to_end(cache_key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)
        return counts
