"""`Memo`: a bounded, thread-safe memory of a pure function's results, least recent dropped.

GitOps validation sees the same text again and again: the platform repo holds every app's
entry and is validated at each enrolment, and a base is read through every overlay. A
verdict or a parse of text seen before is taken from here instead of being worked out
again, and a git object read before (its sha names its content) is not read again.
Values are shared between callers, so they must never be changed by one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

__all__ = ["Memo"]

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Memo(Generic[K, V]):
    """At most ``size`` results of ``compute``, by key; the least recently used go first.

    With ``weight`` (a value's cost, bytes say) and ``budget``, the remembered values'
    weights also stay within the budget.
    """

    def __init__(
        self, size: int, *, weight: Callable[[V], int] | None = None, budget: int | None = None
    ) -> None:
        if size < 1:
            raise ValueError("a Memo holds at least one result")
        if (weight is None) != (budget is None):
            raise ValueError("a Memo's weight and budget go together")
        self.size = size
        self.budget = budget
        self._weight = weight
        self._lock = threading.Lock()
        self._values: OrderedDict[K, V] = OrderedDict()
        self._weights: dict[K, int] = {}
        self._total = 0

    def get(
        self, key: K, compute: Callable[[], V], *, keep: Callable[[V], bool] | None = None
    ) -> V:
        """The remembered value of ``key``, or ``compute()`` remembered (outside the lock:
        two threads may compute the same key at once, and both get an equal value).
        A computed value ``keep`` says no to, or heavier than the whole budget, is
        returned without being remembered."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key]
        value = compute()
        if keep is not None and not keep(value):
            return value
        weight = self._weight(value) if self._weight is not None else 0
        if self.budget is not None and weight > self.budget:
            return value
        with self._lock:
            self._total += weight - self._weights.get(key, 0)
            self._values[key] = value
            self._weights[key] = weight
            self._values.move_to_end(key)
            while len(self._values) > self.size or (
                self.budget is not None and self._total > self.budget
            ):
                oldest, _ = self._values.popitem(last=False)
                self._total -= self._weights.pop(oldest)
        return value

    @property
    def weight(self) -> int:
        """The remembered values' total weight (0 without a ``weight``)."""
        with self._lock:
            return self._total

    def __len__(self) -> int:
        with self._lock:
            return len(self._values)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._values.clear()
            self._weights.clear()
            self._total = 0
