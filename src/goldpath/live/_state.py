"""The record of what runs locally: one state file per component under ``<home>/run/apps/``.

The portal and the CLI are different processes; both read and write these files, so they
agree on what runs without talking to each other. Whoever starts a component (the portal's
Run button or a foreground ``goldpath run``) owns and supervises it and is the only one
that writes its state after the start; anyone may ask it to stop by writing the stop
marker and signalling its process group. Writes are atomic (write, then rename).
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "AppFiles",
    "Phase",
    "RunState",
    "is_alive",
    "list_app_files",
    "process_identity",
    "signal_group",
]

Phase = Literal["starting", "running", "stopped"]


def process_identity(pid: int) -> str | None:
    """The process' start time in clock ticks (``/proc/<pid>/stat``), which tells a live
    process from a later one that got the same pid; None where there is no /proc or no pid."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    if len(fields) < 20 or fields[0] == "Z":  # a zombie has exited already
        return None
    return fields[19]


def is_alive(pid: int | None, identity: str | None) -> bool:
    """Whether ``pid`` still runs and is the same process as when ``identity`` was read."""
    if not pid or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive, but not one of ours
    current = process_identity(pid)
    if identity is None:
        return current is not None or not Path("/proc").is_dir()
    return current == identity


def signal_group(pid: int, identity: str | None, sig: int = signal.SIGTERM) -> bool:
    """Send ``sig`` to the process group ``pid`` leads, if it is still that process."""
    if not is_alive(pid, identity):
        return False
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


@dataclass(frozen=True, slots=True)
class RunState:
    """One component's run on this machine, as its state file records it."""

    key: str
    ref: str
    session: str
    phase: Phase
    owner_pid: int
    owner_identity: str | None
    started_at: float
    detail: str = ""
    pid: int | None = None
    pid_identity: str | None = None
    port: int | None = None
    url: str | None = None
    error: str | None = None

    @property
    def owner_alive(self) -> bool:
        """Whether the process that started (and supervises) this run is still there."""
        return is_alive(self.owner_pid, self.owner_identity)

    @property
    def active(self) -> bool:
        """Starting or running, with its supervisor alive."""
        return self.phase in ("starting", "running") and self.owner_alive

    def with_changes(self, **changes: Any) -> RunState:
        """A copy with some fields changed."""
        return replace(self, **changes)

    def as_json(self) -> dict[str, Any]:
        """The state file's content."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RunState:
        """Read a state file's content (unknown keys are ignored)."""
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass(frozen=True, slots=True)
class AppFiles:
    """Where one component's run lives: ``<run root>/apps/<namespace>/<name>/``."""

    root: Path

    @classmethod
    def of(cls, run_root: Path, key: str) -> AppFiles:
        """The files of ``<namespace>/<name>``."""
        namespace, _, name = key.partition("/")
        return cls(run_root / "apps" / namespace / name)

    @property
    def state(self) -> Path:
        """The state file."""
        return self.root / "state.json"

    @property
    def log(self) -> Path:
        """The running service's standard output and error (JSON lines)."""
        return self.root / "app.log"

    @property
    def install_log(self) -> Path:
        """What ``npm ci`` printed."""
        return self.root / "install.log"

    @property
    def checkout(self) -> Path:
        """The working copy the service runs from."""
        return self.root / "checkout"

    @property
    def stop_marker(self) -> Path:
        """Present when someone asked the run to stop (so its end is not a crash)."""
        return self.root / "stop-requested"

    def read(self) -> RunState | None:
        """The recorded state, or None when there is none (or it is unreadable)."""
        try:
            data = json.loads(self.state.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        try:
            return RunState.from_json(data) if isinstance(data, dict) else None
        except TypeError:
            return None

    def write(self, state: RunState) -> None:
        """Record ``state`` atomically."""
        self.root.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".state-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state.as_json(), handle, indent=2)
        os.replace(tmp, self.state)

    def remove_state(self) -> None:
        """Forget the run (its logs stay until the next start)."""
        self.state.unlink(missing_ok=True)

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold this component's lock (between processes) for a read-modify-write."""
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / "lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def list_app_files(run_root: Path) -> list[AppFiles]:
    """Every component that has (or had) a run under ``run_root``."""
    apps = run_root / "apps"
    if not apps.is_dir():
        return []
    return [AppFiles(p.parent) for p in sorted(apps.glob("*/*/state.json"))]
