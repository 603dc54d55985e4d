"""External commands behind one small interface, so every step is testable."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from goldpath.platform.errors import CommandFailedError, ToolMissingError

__all__ = ["INSTALL_HINTS", "CommandResult", "CommandRunner", "SubprocessRunner"]

INSTALL_HINTS: dict[str, str] = {
    "docker": "install Docker Engine with the buildx plugin (https://docs.docker.com/engine/install/)",
    "kubectl": "install kubectl (https://kubernetes.io/docs/tasks/tools/) and run "
    "`aws eks update-kubeconfig --name <cluster> --region <region>`",
    "git": "install git (apt-get install git)",
}


@dataclass(frozen=True, slots=True)
class CommandResult:
    """What a command printed and how it exited."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def ok(self) -> bool:
        """True when the command exited 0."""
        return self.returncode == 0


class CommandRunner(Protocol):
    """Runs one external command and returns its result (never raises on a non-zero exit)."""

    def run(
        self,
        args: Sequence[str],
        *,
        input: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> CommandResult:
        """Run ``args``; raise only when the tool is missing or the timeout passes."""
        ...


class SubprocessRunner:
    """The real runner: ``subprocess.run`` with captured text output."""

    def run(
        self,
        args: Sequence[str],
        *,
        input: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> CommandResult:
        """Run ``args``; a missing tool raises ToolMissingError with how to install it."""
        tool = args[0]
        executable = shutil.which(tool)
        if executable is None:
            hint = INSTALL_HINTS.get(tool, f"install {tool}")
            raise ToolMissingError(f"{tool} is not installed or not on PATH: {hint}", tool=tool)
        try:
            completed = subprocess.run(
                [executable, *args[1:]],
                input=input,
                cwd=cwd,
                env=None if env is None else dict(env),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise CommandFailedError(
                f"`{' '.join(args[:3])}` did not finish within {timeout:.0f}s", tool=tool
            ) from exc
        return CommandResult(
            args=tuple(args),
            returncode=completed.returncode,
            stdout=completed.stdout,
            stderr=completed.stderr,
        )
