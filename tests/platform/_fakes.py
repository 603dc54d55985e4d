"""Test doubles for tools that need a daemon or a cluster (docker, kubectl); git stays real."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from goldpath.platform._runner import CommandResult, SubprocessRunner

Responder = Callable[[tuple[str, ...], str | None], CommandResult]


def ok(args: tuple[str, ...], stdout: str = "") -> CommandResult:
    """A successful result."""
    return CommandResult(args=args, returncode=0, stdout=stdout, stderr="")


def fail(args: tuple[str, ...], stderr: str, code: int = 1) -> CommandResult:
    """A failed result."""
    return CommandResult(args=args, returncode=code, stdout="", stderr=stderr)


@dataclass
class ScriptedRunner:
    """Runs git for real; answers docker/kubectl from a script and records every call."""

    responses: dict[tuple[str, ...], Responder] = field(default_factory=dict)
    calls: list[tuple[tuple[str, ...], str | None]] = field(default_factory=list)
    real: SubprocessRunner = field(default_factory=SubprocessRunner)

    def on(self, prefix: Sequence[str], responder: Responder) -> None:
        """Answer commands starting with ``prefix`` with ``responder``."""
        self.responses[tuple(prefix)] = responder

    def run(
        self,
        args: Sequence[str],
        *,
        input: str | None = None,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> CommandResult:
        key = tuple(args)
        self.calls.append((key, input))
        if key[0] == "git":
            return self.real.run(args, input=input, cwd=cwd, env=env, timeout=timeout)
        for length in range(len(key), 0, -1):
            responder = self.responses.get(key[:length])
            if responder is not None:
                return responder(key, input)
        return ok(key, stdout="ok\n")

    def commands(self, tool: str) -> list[tuple[str, ...]]:
        """The recorded calls of one tool, in order."""
        return [args for args, _ in self.calls if args[0] == tool]
