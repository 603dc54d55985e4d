"""Temporary files under the home, and start-up removal of what dead processes left there.

Every temporary file or folder goldpath makes lives under one tmp root
(``settings.tmp_root``, ``<home>/tmp``). Each process works in a folder of its own there,
``<host>-<pid>-<random>/``, and holds an exclusive ``flock`` on the lock file beside it
for as long as it lives. The kernel drops that lock when the process dies, ``kill -9``
included, so `sweep` can tell a dead process's folder from a live one's for certain,
whatever else shares the home: it removes a folder only when it can take the lock
itself. A folder without a lock file (a process killed between the two ``mkdir``\\s)
is removed once it is older than `ORPHAN_AGE_SECONDS`.
"""

from __future__ import annotations

import fcntl
import logging
import os
import queue
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

__all__ = ["ORPHAN_AGE_SECONDS", "process_scratch", "scratch_dir", "sweep"]

log = logging.getLogger(__name__)

ORPHAN_AGE_SECONDS = 3600.0
_LOCK_SUFFIX = ".lock"
_guard = threading.Lock()
# (tmp root, pid) -> (this process's folder, its open lock file); the lock lives as long
# as the file stays open, that is, as long as the process.
_owned: dict[tuple[Path, int], tuple[Path, IO[bytes]]] = {}


def _host() -> str:
    return "".join(c if c.isalnum() or c in "-." else "-" for c in socket.gethostname())[:40]


def process_scratch(tmp_root: Path) -> Path:
    """This process's own folder under ``tmp_root``, made and locked on first use."""
    root = tmp_root.absolute()
    key = (root, os.getpid())  # a forked child gets a folder (and a lock) of its own
    with _guard:
        owned = _owned.get(key)
        if owned is not None and owned[0].is_dir():
            return owned[0]
        root.mkdir(parents=True, exist_ok=True)
        while True:
            folder = root / f"{_host()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            lock_path = folder.with_name(folder.name + _LOCK_SUFFIX)
            lock = open(lock_path, "ab")  # noqa: SIM115 - kept open: the lock is the file
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                # a sweep may have unlinked the file between open and flock: then retry
                if os.stat(lock_path).st_ino == os.fstat(lock.fileno()).st_ino:
                    break
            except (BlockingIOError, FileNotFoundError):
                pass
            lock.close()
        folder.mkdir()
        _owned[key] = (folder, lock)
        return folder


class _Remover:
    """Removes finished scratch folders on a thread of its own, off the caller's path.

    Deleting a tree of small files costs a Create tens of milliseconds of file-system
    calls; the caller only renames the folder aside (instant) and goes on. A folder the
    thread had no time for (the process died) is inside the process's own scratch
    folder, which the next start-up's `sweep` removes.
    """

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[Path] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def remove(self, folder: Path) -> None:
        """Rename ``folder`` aside and have it deleted in the background."""
        doomed = folder.with_name(f".removing-{folder.name}")
        try:
            os.rename(folder, doomed)
        except OSError:
            shutil.rmtree(folder, ignore_errors=True)
            return
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._run, name="goldpath-scratch-remover", daemon=True
                )
                self._thread.start()
        self._queue.put(doomed)

    def _run(self) -> None:
        while True:
            shutil.rmtree(self._queue.get(), ignore_errors=True)


_remover = _Remover()


@contextmanager
def scratch_dir(tmp_root: Path | None, *, prefix: str) -> Iterator[Path]:
    """A fresh folder in this process's scratch under ``tmp_root``, removed after the block.

    ``tmp_root`` None (library use without settings) falls back to the system's
    temporary folder, and the folder is removed before the block's exit returns.
    """
    if tmp_root is None:
        with tempfile.TemporaryDirectory(prefix=f"goldpath-{prefix}") as system_folder:
            yield Path(system_folder)
        return
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=process_scratch(tmp_root)))
    try:
        yield folder
    finally:
        _remover.remove(folder)


def _remove_if_dead(lock_path: Path, folder: Path) -> bool:
    """Remove ``folder`` and its lock file when no live process holds the lock."""
    try:
        handle = open(lock_path, "rb")  # noqa: SIM115
    except FileNotFoundError:
        return False
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its process is alive
        # Holding the lock while removing: a process that opened the file meanwhile
        # finds it unlinked after its own flock and starts again under a new name.
        shutil.rmtree(folder, ignore_errors=True)
        with suppress(FileNotFoundError):
            lock_path.unlink()
        return True


def _own(path: Path) -> bool:
    return any(folder == path for folder, _lock in _owned.values())


def sweep(tmp_root: Path, *, extra: tuple[Path, ...] = (), now: float | None = None) -> list[Path]:
    """Remove what dead processes left under ``tmp_root``; return what was removed.

    A process folder goes when no live process holds its lock. Each folder of ``extra``
    (scratch places of earlier versions) loses the entries older than
    `ORPHAN_AGE_SECONDS`, since no lock tells whether their writer still runs.
    """
    removed: list[Path] = []
    moment = time.time() if now is None else now
    root = tmp_root.absolute()
    if root.is_dir():
        for entry in sorted(root.iterdir()):
            if entry.name.endswith(_LOCK_SUFFIX):
                folder = entry.with_name(entry.name[: -len(_LOCK_SUFFIX)])
                if not _own(folder) and _remove_if_dead(entry, folder):
                    removed.append(folder)
            elif (
                entry.is_dir()
                and not entry.with_name(entry.name + _LOCK_SUFFIX).exists()
                and not _own(entry)
                and _age(entry, moment) > ORPHAN_AGE_SECONDS
            ):
                shutil.rmtree(entry, ignore_errors=True)
                removed.append(entry)
    for folder in extra:
        if not folder.is_dir():
            continue
        for entry in folder.iterdir():
            if _age(entry, moment) > ORPHAN_AGE_SECONDS:
                if entry.is_dir() and not entry.is_symlink():
                    shutil.rmtree(entry, ignore_errors=True)
                else:
                    entry.unlink(missing_ok=True)
                removed.append(entry)
    if removed:
        log.info("removed %d temporary folder(s) left by dead processes", len(removed))
    return removed


def _age(path: Path, now: float) -> float:
    try:
        return now - path.lstat().st_mtime
    except FileNotFoundError:
        return 0.0
