"""The TTL cache: one call per key per TTL, even when many callers miss at once."""

from __future__ import annotations

import threading
import time

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from goldpath.live import TtlCache


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_concurrent_misses_on_one_key_make_one_call() -> None:
    cache = TtlCache(10.0)
    calls = 0
    release = threading.Event()

    def load() -> int:
        nonlocal calls
        calls += 1
        release.wait(5)
        return 42

    results: list[int] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("k", load))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.1)
    release.set()
    for thread in threads:
        thread.join(5)
    assert results == [42] * 8
    assert calls == 1


def test_a_failure_is_remembered_for_the_ttl_too() -> None:
    clock = _Clock()
    cache = TtlCache(10.0, clock=clock)
    calls = 0

    def load() -> int:
        nonlocal calls
        calls += 1
        raise ConnectionError("refused")

    for _ in range(3):
        with pytest.raises(ConnectionError):
            cache.get("k", load)
    assert calls == 1
    clock.now += 10.5
    with pytest.raises(ConnectionError):
        cache.get("k", load)
    assert calls == 2


@given(st.lists(st.tuples(st.sampled_from("abc"), st.floats(0, 30)), max_size=30))
@example([("a", 14.173111349244298), ("a", 10.0)])  # 24.17... - 14.17... < 10.0 in floats
def test_each_key_is_loaded_once_per_ttl_window(steps: list[tuple[str, float]]) -> None:
    clock = _Clock()
    cache = TtlCache(10.0, clock=clock)
    loaded_at: dict[str, list[float]] = {}
    for key, advance in steps:
        clock.now += advance
        cache.get(key, lambda key=key: loaded_at.setdefault(key, []).append(clock.now))
    for times in loaded_at.values():
        # the window ends where the cache's own arithmetic puts it: loaded at + ttl
        assert all(
            later >= earlier + 10.0 for earlier, later in zip(times, times[1:], strict=False)
        )
