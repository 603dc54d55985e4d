"""The push-listener seam: what runs after a push to the local git host was accepted."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from goldpath.gitserver._push import Push

__all__ = ["PushListener", "PushListeners"]

log = logging.getLogger(__name__)

PushListener = Callable[[Push], None]
"""Called once per accepted push, after the refs moved and the push was recorded."""


class PushListeners:
    """Everyone who reacts to an accepted push (the catalog; later fleet and scorecards).

    The composition root (``runtime.py``, ``Runtime.push_listeners``) builds this once and
    adds each subscriber; the git server calls ``notify`` after every accepted push, off
    the request's event loop. Listeners run in the order they were added, each on its own:
    one that raises is logged and the others still run; a push is never undone by a
    listener.
    """

    def __init__(self) -> None:
        self._listeners: list[tuple[str, PushListener]] = []
        self._lock = threading.Lock()

    def add(self, listener: PushListener, *, name: str | None = None) -> None:
        """Subscribe ``listener`` to every accepted push; ``name`` labels it in logs."""
        label = name or getattr(listener, "__qualname__", None) or repr(listener)
        with self._lock:
            self._listeners.append((label, listener))

    @property
    def names(self) -> tuple[str, ...]:
        """The subscribers' labels, in the order they run."""
        with self._lock:
            return tuple(label for label, _ in self._listeners)

    def notify(self, push: Push) -> None:
        """Call every listener with ``push``; a failing listener is logged, not raised."""
        with self._lock:
            listeners = list(self._listeners)
        for label, listener in listeners:
            try:
                listener(push)
            except Exception:  # one subscriber's trouble must not hide the push from others
                log.exception("push listener %s failed for %s", label, push.full_name)
