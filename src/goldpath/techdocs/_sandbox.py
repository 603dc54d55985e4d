"""The parent side of the build sandbox (``_zygote.py``): start it, send builds, recover.

Python cannot stop a thread, so a build that hangs (a runaway regex, a huge page) must run
in a process that can be killed. The zygote imports MkDocs once and forks a child per build,
so a build costs a fork rather than a Python start-up; its environment holds no secrets.
"""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from goldpath.techdocs.errors import DocsBuildError

__all__ = ["BuildSandbox", "SandboxPool", "SandboxResult"]

log = logging.getLogger(__name__)

ZYGOTE = Path(__file__).resolve().with_name("_zygote.py")
# Only what a build needs: no GOLDPATH_*, AWS_* or tokens reach MkDocs or its helpers.
_PASSED_ENV = ("PATH", "LANG", "LC_ALL", "TZ")
_ANSWER_GRACE_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SandboxResult:
    """How a build process ended."""

    ok: bool
    timed_out: bool
    exit_code: int | None
    signal: int | None


class BuildSandbox:
    """One zygote process; one build at a time goes through it."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def _ensure(self) -> subprocess.Popen[str]:
        if self._process is not None and self._process.poll() is None:
            return self._process
        env = {key: os.environ[key] for key in _PASSED_ENV if key in os.environ}
        env.setdefault("LANG", "C.UTF-8")
        env["HOME"] = "/nonexistent"
        self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and file
            [sys.executable, "-I", str(ZYGOTE)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            text=True,
            bufsize=1,
            cwd="/",
            start_new_session=True,
        )
        return self._process

    def run(self, request: dict[str, Any], *, timeout: float) -> SandboxResult:
        """Run one build request; DocsBuildError when the sandbox itself breaks down."""
        with self._lock:
            process = self._ensure()
            stdin, stdout = process.stdin, process.stdout
            assert stdin is not None and stdout is not None
            payload = dict(request, id=uuid.uuid4().hex, timeout=timeout)
            try:
                stdin.write(json.dumps(payload) + "\n")
                stdin.flush()
            except OSError as exc:
                self._kill()
                raise DocsBuildError(
                    "the build sandbox stopped; the next build restarts it"
                ) from exc
            line = self._answer(stdout, timeout + _ANSWER_GRACE_SECONDS)
            if not line:
                self._kill()
                raise DocsBuildError("the build sandbox did not answer; it was restarted")
            answer = json.loads(line)
            return SandboxResult(
                ok=bool(answer["ok"]),
                timed_out=bool(answer["timed_out"]),
                exit_code=answer["exit"],
                signal=answer["signal"],
            )

    @staticmethod
    def _answer(stdout: IO[str], timeout: float) -> str:
        ready, _, _ = select.select([stdout], [], [], timeout)
        return stdout.readline() if ready else ""

    def _kill(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        process.kill()
        process.wait()
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()

    def close(self) -> None:
        """Stop the zygote (it exits when its stdin closes)."""
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


class SandboxPool:
    """Sandboxes handed out one per concurrent build, made on first need."""

    def __init__(self) -> None:
        self._idle: list[BuildSandbox] = []
        self._all: list[BuildSandbox] = []
        self._lock = threading.Lock()

    @contextmanager
    def sandbox(self) -> Iterator[BuildSandbox]:
        """A sandbox no other build is using, returned to the pool afterwards."""
        with self._lock:
            if self._idle:
                box = self._idle.pop()
            else:
                box = BuildSandbox()
                self._all.append(box)
        try:
            yield box
        finally:
            with self._lock:
                self._idle.append(box)

    def close(self) -> None:
        """Stop every zygote."""
        with self._lock:
            boxes, self._all, self._idle = self._all, [], []
        for box in boxes:
            box.close()
