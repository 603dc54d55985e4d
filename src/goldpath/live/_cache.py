"""A small time-to-live cache whose concurrent misses on one key make one call."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any, TypeVar

__all__ = ["TtlCache"]

T = TypeVar("T")


@dataclass
class _Entry:
    expires: float
    value: Any


class TtlCache:
    """Remembers each key's answer for ``ttl`` seconds; a failure is an answer too.

    Callers that miss the same key at the same time wait for the first one's call instead
    of making their own, so a page view and a JSON request arriving together, or several
    panels asking for one backend, cost that backend one call.
    """

    def __init__(self, ttl: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._entries: dict[Hashable, _Entry] = {}
        self._locks: dict[Hashable, threading.Lock] = {}
        self._guard = threading.Lock()

    def _fresh(self, key: Hashable) -> _Entry | None:
        entry = self._entries.get(key)
        if entry is not None and entry.expires > self._clock():
            return entry
        return None

    def get(self, key: Hashable, load: Callable[[], T]) -> T:
        """The cached answer for ``key``, else ``load()``'s; a cached exception is re-raised."""
        with self._guard:
            entry = self._fresh(key)
            if entry is None:
                lock = self._locks.setdefault(key, threading.Lock())
        if entry is not None:
            result: T = self._unwrap(entry)
            return result
        with lock:
            with self._guard:
                entry = self._fresh(key)
            if entry is None:
                try:
                    value: Any = load()
                except Exception as exc:  # remembered so a failing backend is not hammered
                    value = _Failure(exc)
                entry = _Entry(self._clock() + self.ttl, value)
                with self._guard:
                    self._entries[key] = entry
                    self._prune()
        loaded: T = self._unwrap(entry)
        return loaded

    def _prune(self) -> None:
        now = self._clock()
        # Locks stay: one per key ever asked for (components x backends), and dropping one
        # while a caller waits on it would let a second call through.
        for stale in [k for k, e in self._entries.items() if e.expires <= now]:
            del self._entries[stale]

    @staticmethod
    def _unwrap(entry: _Entry) -> Any:  # the caller's T: stored by get() for this key
        if isinstance(entry.value, _Failure):
            raise entry.value.exc
        return entry.value

    def clear(self) -> None:
        """Forget every answer."""
        with self._guard:
            self._entries.clear()


@dataclass(frozen=True)
class _Failure:
    exc: Exception
