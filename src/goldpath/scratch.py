"""Temporary files under the home, and start-up removal of what dead processes left there.

Every temporary file or folder goldpath makes lives under one tmp root
(``settings.tmp_root``, ``<home>/tmp``). Each process works in a folder of its own there,
``<host>-<pid>-<random>/``, and holds an exclusive ``flock`` on the lock file beside it
for as long as it lives. The kernel drops that lock when the process dies, ``kill -9``
included, so `sweep` can tell a dead process's folder from a live one's for certain,
whatever else shares the home: it removes a folder only when it can take the lock
itself. A folder without a lock file (a process killed between the two ``mkdir``\\s)
is removed once it is older than `ORPHAN_AGE_SECONDS`.

Short-lived trees (task workspaces, validation trees, clones) go to a memory-backed
scratch root when there is one (`memory_scratch`, ``settings.scratch_root``): on a disk
where making a file costs hundreds of microseconds, a Create makes about sixty files
that never outlive it. That root is ``<memory>/goldpath-<uid>/<digest of the home>/``,
with the same per-process folders and locks, and `sweep_memory` cleans every home's.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import logging
import os
import queue
import shutil
import socket
import stat
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import IO

__all__ = [
    "MEMORY_CANDIDATES",
    "ORPHAN_AGE_SECONDS",
    "memory_scratch",
    "process_scratch",
    "scratch_dir",
    "sweep",
    "sweep_memory",
]

log = logging.getLogger(__name__)

ORPHAN_AGE_SECONDS = 3600.0
_LOCK_SUFFIX = ".lock"
_guard = threading.Lock()
# (tmp root, pid) -> (this process's folder, its open lock file); the lock lives as long
# as the file stays open, that is, as long as the process.
_owned: dict[tuple[Path, int], tuple[Path, IO[bytes]]] = {}


MEMORY_CANDIDATES = (Path("/dev/shm"),)
"""Where ``scratch.memory: auto`` looks for a memory-backed file system."""
_MEMORY_FILE_SYSTEMS = frozenset({"tmpfs", "ramfs"})


def _file_system_type(path: Path) -> str | None:
    """The type of the file system ``path`` is on (/proc/self/mounts), None if unknown."""
    try:
        mounts = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    target = os.path.realpath(path)
    best, kind = "", None
    for line in mounts:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, fields[2]
    return kind


def _free_bytes(path: Path) -> int:
    found = os.statvfs(path)
    return found.f_bavail * found.f_frsize


def _private_folder(parent: Path) -> Path | None:
    """``parent/goldpath-<uid>``, made private (0700) and checked to be this user's own
    real folder: ``/dev/shm`` is shared by every user, who could make the name first."""
    folder = parent / f"goldpath-{os.geteuid()}"
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        found = os.lstat(folder)
    except OSError as exc:
        log.warning("memory scratch: cannot use %s (%s); using the home's tmp/", folder, exc)
        return None
    if (
        not stat.S_ISDIR(found.st_mode)
        or found.st_uid != os.geteuid()
        or found.st_mode & 0o077
    ):
        log.warning(
            "memory scratch: %s is not a private folder of this user; using the home's tmp/",
            folder,
        )
        return None
    return folder


@functools.lru_cache(maxsize=16)
def _memory_base(choice: str, min_free_bytes: int) -> Path | None:
    if choice == "off":
        return None
    if choice != "auto":
        named = Path(choice)
        if not named.is_dir():
            log.warning("memory scratch: scratch.memory %s is not a folder; using tmp/", named)
            return None
        return _private_folder(named)
    for candidate in MEMORY_CANDIDATES:
        if (
            candidate.is_dir()
            and _file_system_type(candidate) in _MEMORY_FILE_SYSTEMS
            and os.access(candidate, os.W_OK | os.X_OK)
            and _free_bytes(candidate) >= min_free_bytes
        ):
            return _private_folder(candidate)
    return None


def memory_scratch(choice: str, min_free_bytes: int, home: Path) -> Path | None:
    """The memory-backed scratch root of ``home`` (``settings.scratch.memory``), or None.

    ``auto`` takes the first of `MEMORY_CANDIDATES` that is a tmpfs (or ramfs) with
    ``min_free_bytes`` free; ``off`` none; an absolute path that folder, whatever its
    file system. Decided once per process and choice, so every validation in a process
    uses one root (the warm validator pool is kept per root).
    """
    base = _memory_base(choice, min_free_bytes)
    if base is not None and not base.is_dir():
        # removed from under us (a reboot's tmpfs, a clean-up): decide again, so the
        # folder is made private again rather than by a later mkdir(parents=True)
        _memory_base.cache_clear()
        base = _memory_base(choice, min_free_bytes)
    if base is None:
        return None
    digest = hashlib.sha256(str(home.absolute()).encode("utf-8")).hexdigest()[:16]
    return base / digest


def sweep_memory(scratch_root: Path) -> list[Path]:
    """`sweep` every home's memory scratch root beside ``scratch_root`` (one home's, as
    `memory_scratch` gave it): dead processes' folders go, and the roots left empty, so a
    home whose processes all died leaves nothing in memory."""
    removed: list[Path] = []
    for home_root in sorted(scratch_root.parent.iterdir()):
        if not home_root.is_dir() or home_root.is_symlink():
            continue
        removed.extend(sweep(home_root))
        with suppress(OSError):  # not empty: a live process works there
            home_root.rmdir()
    return removed


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
        while True:
            # inside the loop: another process's `sweep_memory` may remove an empty root
            root.mkdir(parents=True, exist_ok=True)
            folder = root / f"{_host()}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            lock_path = folder.with_name(folder.name + _LOCK_SUFFIX)
            try:
                lock = open(lock_path, "ab")  # noqa: SIM115 - kept open: the lock is the file
            except FileNotFoundError:
                continue
            try:
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                # a sweep may have unlinked the file between open and flock: then retry
                if os.stat(lock_path).st_ino == os.fstat(lock.fileno()).st_ino:
                    break
            except (BlockingIOError, FileNotFoundError):
                pass
            lock.close()
        folder.mkdir()  # our lock file is in the root now: no sweep can remove it
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
