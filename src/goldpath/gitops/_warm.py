"""Validator processes started before they are needed.

``kubectl kustomize`` spends about 45 of its 55 ms on a small tree starting up (Go
package initialisation, before it reads a file), and it is on the critical path of
every Create. So a pool keeps a few validator processes started ahead of need, each
parked on a named pipe that stands where its input file will be: ``kubectl kustomize
<slot>/build`` blocks reading ``<slot>/build/kustomization.yaml``, ``promtool check rules
<slot>/rules.yaml`` blocks reading its rule file. A validation that takes one writes the
real input into the pipe (an umbrella kustomization listing the tree's builds, the rule
file's text) and the process goes on from there: the same program, the same arguments,
the same verdict, without the start-up. One pipe per process: a process opens a second
one only after reading the first, and input written to a pipe nobody has opened is lost
when the writer closes it.

How a parked process cannot be left behind:

- The pool holds the write end of each pipe open (``O_RDWR``, which does not block), so
  once the process has opened its end, the pool's closing it, by `WarmProcess.feed`,
  `WarmPool.close` or the kernel when this process dies (``kill -9`` included), is the
  end of the input: the process reads what was written and exits.
- Before the process has opened the pipe it is still starting; ``setpriv --pdeathsig
  KILL`` has the kernel kill it if this process dies first. The signal follows the thread
  that started the process, so every one is started on the pool's own thread, which
  lives as long as the process.
- Only a process that has opened its pipe (seen in ``/proc/<pid>/fd``) is handed out;
  its input written before then would be lost with the pipe's last reader.

A validation that finds no parked process (the first of a process's life, or more at
once than the pool holds) starts the program as before. The pool is refilled on its
thread after each validation, off the caller's path. Linux only (``/proc``, named pipes,
``setpriv`` from util-linux); elsewhere there is no pool and every run starts cold.
"""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from goldpath.scratch import process_scratch

__all__ = [
    "REFILL_AFTER_SECONDS",
    "TOOL_ENV",
    "WarmPool",
    "WarmProcess",
    "configure_warm_pool",
    "warm_pool",
    "warm_pools_ready",
]

REFILL_AFTER_SECONDS = 0.3
"""How long the pool waits after the last validation before starting processes again.
Their start-up is CPU work (about 50 ms each); done at once, it would compete with the
rest of the request whose validation just emptied the pool (a Create goes on to publish
and register), so the pool refills once the burst is over. Validations that come
closer together than this start their tools cold, as without a pool."""

TOOL_ENV = {"GOGC": "off", "GOMEMLIMIT": "512MiB"}
"""Both tools are Go programs that live for a fraction of a second on a small input:
garbage collection only past a memory ceiling saves a third of their CPU time."""


@dataclass(slots=True)
class WarmProcess:
    """One validator process parked on the named pipe ``input``, its input file."""

    program: str
    folder: Path
    input: Path
    process: subprocess.Popen[str]
    _end: int
    binary: tuple[int, int, int] | None = None  # `program_identity` when it was started

    def parked(self) -> bool:
        """Whether the process has opened its input (so its start-up is behind it)."""
        if self._end < 0 or self.process.poll() is not None:
            return False
        pipe = os.readlink(f"/proc/self/fd/{self._end}")
        fds = f"/proc/{self.process.pid}/fd"
        try:
            names = os.listdir(fds)
        except OSError:
            return False
        for name in names:
            try:
                if os.readlink(f"{fds}/{name}") == pipe:
                    return True
            except OSError:
                continue
        return False

    def feed(self, text: str) -> None:
        """Write the input's text and close it: the process reads on and finishes."""
        data = text.encode("utf-8")
        while data:
            written = os.write(self._end, data)
            data = data[written:]
        os.close(self._end)
        self._end = -1

    def forget(self) -> None:
        """Close this process's copy of the write end (see `WarmPool.forget`)."""
        if self._end >= 0:
            os.close(self._end)
            self._end = -1

    def discard(self) -> None:
        """End the process and reap it: a parked one by ending its input (it exits), one
        still starting by a kill (it would open a pipe nobody writes to any more)."""
        if not self.parked() and self.process.poll() is None:
            self.process.kill()
        if self._end >= 0:
            os.close(self._end)
            self._end = -1
        try:
            self.process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
        shutil.rmtree(self.folder, ignore_errors=True)


def program_identity(program: str) -> tuple[int, int, int] | None:
    """The file ``program`` names now (device, inode, modification time, through
    symlinks), or None when it is gone: a package upgrade that replaces it changes this."""
    try:
        found = os.stat(program)
    except OSError:
        return None
    return found.st_dev, found.st_ino, found.st_mtime_ns


@functools.cache
def _supported() -> bool:
    return sys.platform.startswith("linux") and shutil.which("setpriv") is not None


@dataclass(slots=True)
class WarmPool:
    """Parked validator processes in ``root``: ``kustomize`` kubectl ones and ``promtool``
    ones at most, kept filled by `refill` on the pool's own thread."""

    root: Path
    tmp_root: Path | None
    kustomize: int
    promtool: int
    owner: int = field(default_factory=os.getpid)
    _parked: dict[str, list[WarmProcess]] = field(default_factory=dict)
    _programs: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _wake: threading.Condition = field(init=False)
    _last_use: float = 0.0
    _thread: threading.Thread | None = None
    _serial: int = 0
    _closed: bool = False

    def __post_init__(self) -> None:
        self._wake = threading.Condition(self._lock)

    def take(self, kind: str, program: str) -> WarmProcess | None:
        """A parked process of ``program`` for ``kind`` (``kustomize`` or ``promtool``),
        or None when none has finished starting. A process started from a file that has
        since been replaced (the tool was upgraded) is ended, not handed out: its verdict
        would be the old version's."""
        binary = program_identity(program)
        with self._lock:
            self._last_use = time.monotonic()
            processes = self._parked.get(kind, [])
            for process in list(processes):
                stale = process.program != program or process.binary != binary
                if stale or process.process.poll() is not None:
                    processes.remove(process)
                    threading.Thread(target=process.discard, daemon=True).start()
                    continue
                if process.parked():
                    processes.remove(process)
                    return process
        return None

    def refill(self, programs: dict[str, str]) -> None:
        """Have the pool's thread start what is missing (``kind`` -> program path) once
        no validation has used the pool for `REFILL_AFTER_SECONDS`."""
        with self._lock:
            if self._closed:
                return
            self._last_use = time.monotonic()
            self._programs.update(programs)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="goldpath-warm-validators", daemon=True
                )
                self._thread.start()
            self._wake.notify()

    def ready(self, timeout: float = 5.0) -> bool:
        """Wait until every process the pool wants is parked (benchmarks wait, untimed,
        so a round's time holds no start-up of the next round's tools)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                wanted = {kind: self._size(kind) for kind in self._programs}
                full = all(
                    sum(p.parked() for p in self._parked.get(kind, [])) >= count
                    for kind, count in wanted.items()
                )
            if full:
                return True
            time.sleep(0.005)
        return False

    def close(self) -> None:
        """End every parked process and remove the pool's folder."""
        with self._lock:
            self._closed = True
            processes = [p for kind in self._parked.values() for p in kind]
            self._parked.clear()
            self._wake.notify()
        for process in processes:
            process.discard()
        shutil.rmtree(self.root, ignore_errors=True)

    def forget(self) -> None:
        """Let go of a pool inherited through ``fork``: close this copy of its pipes'
        write ends, leaving its processes and folder to the process that owns them."""
        with self._lock:
            self._closed = True
            for processes in self._parked.values():
                for process in processes:
                    process.forget()
            self._parked.clear()

    def _size(self, kind: str) -> int:
        return self.kustomize if kind == "kustomize" else self.promtool

    def _missing(self) -> list[tuple[str, str]]:
        return [(kind, program) for kind, program in self._programs.items()
                if len(self._parked.get(kind, [])) < self._size(kind)]

    def _run(self) -> None:
        while True:
            with self._wake:
                missing = self._missing()
                while not self._closed and not missing:
                    self._wake.wait()
                    missing = self._missing()
                if self._closed:
                    return
                quiet = self._last_use + REFILL_AFTER_SECONDS - time.monotonic()
                if quiet > 0:
                    self._wake.wait(quiet)
                    continue
                kind, program = missing[0]
            try:
                started = self._start(kind, program)
            except OSError:
                with self._wake:  # gone: asked again when the next validation finishes
                    self._programs.pop(kind, None)
                continue
            with self._wake:
                if self._closed:
                    closed = True
                else:
                    closed = False
                    self._parked.setdefault(kind, []).append(started)
            if closed:
                started.discard()
                return

    def _start(self, kind: str, program: str) -> WarmProcess:
        self._serial += 1
        folder = self.root / f"{kind}-{self._serial}"
        if kind == "kustomize":
            (folder / "build").mkdir(parents=True)
            pipe = folder / "build" / "kustomization.yaml"
            args = [program, "kustomize", str(pipe.parent)]
        else:
            folder.mkdir(parents=True)
            pipe = folder / "rules.yaml"
            args = [program, "check", "rules", str(pipe)]
        os.mkfifo(pipe, 0o600)
        binary = program_identity(program)  # before the start: a later swap is then seen
        end = os.open(pipe, os.O_RDWR)  # never blocks; not inherited by any child
        try:
            process = subprocess.Popen(  # noqa: S603 - a validator we resolved on PATH
                ["setpriv", "--pdeathsig", "KILL", "--", *args],
                cwd=folder,
                env={**os.environ, **TOOL_ENV},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE if kind == "promtool" else subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
        except OSError:
            os.close(end)
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return WarmProcess(program=program, folder=folder, input=pipe, process=process,
                           _end=end, binary=binary)


_current: WarmPool | None = None
_current_lock = threading.Lock()
_configured_size: int | None = None


def configure_warm_pool(kustomize: int | None) -> None:
    """How many ``kubectl kustomize`` processes this process's pool keeps parked (with one
    promtool). A long-lived process sets it: `Runtime.start` from ``gitops.validator_pool``
    (0 turns the pool off), `Runtime.stop` back to None. Unset, a validation makes no pool:
    a one-shot command would only start processes to kill them at exit. A pool of another
    size, or any pool when unset, is closed; the next validation makes one as configured."""
    global _configured_size, _current
    with _current_lock:
        _configured_size = kustomize
        pool = _current
        if pool is None or pool.owner != os.getpid():
            return
        if kustomize is None or pool.kustomize != kustomize:
            pool.close()
            _current = None


def warm_pool(
    tmp_root: Path | None, *, kustomize: int | None = None, promtool: int = 1
) -> WarmPool | None:
    """This process's pool, its folder in the scratch of ``tmp_root`` (the system's
    temporary folder when None), of the `configure_warm_pool` size, else of ``kustomize``
    parked kubectl processes; with neither, the pool already there for ``tmp_root`` (a
    validation uses the pool the process set up, and makes none). None where pools are not
    supported, the size is 0, or there is no pool to use.

    One pool at a time: asking with another ``tmp_root`` closes the one before (tests
    give each home its own), as does a pool whose folder was removed from under it. A
    forked child does not use its parent's pool (the parked processes are not its
    children): it lets go of it and starts its own.
    """
    global _current
    if not _supported():
        return None
    with _current_lock:
        size = _configured_size if _configured_size is not None else kustomize
        if size == 0:
            return None
        pool = _current
        if (pool is not None and pool.owner == os.getpid() and pool.tmp_root == tmp_root
                and pool.root.is_dir()):
            return pool
        if size is None:
            return None
        if pool is not None:
            if pool.owner == os.getpid():
                pool.close()
            else:
                pool.forget()
        if tmp_root is None:
            root = Path(tempfile.mkdtemp(prefix="goldpath-warm-validators-"))
        else:
            root = Path(tempfile.mkdtemp(prefix="warm-validators-",
                                         dir=process_scratch(tmp_root)))
        _current = WarmPool(root=root, tmp_root=tmp_root, kustomize=size, promtool=promtool)
        return _current


def warm_pools_ready(timeout: float = 5.0) -> bool:
    """Wait until this process's pool is full and parked (`WarmPool.ready`); True at
    once when there is none."""
    pool = _current
    return pool is None or pool.owner != os.getpid() or pool.ready(timeout)


@atexit.register
def _close_pool() -> None:
    global _current
    with _current_lock:
        if _current is not None and _current.owner == os.getpid():
            _current.close()
        _current = None
