"""The git CLI, run with a clean environment and with secrets kept out of argv and errors."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from goldpath.providers.git.errors import GitCommandError
from goldpath.redaction import redact_text

__all__ = [
    "EMPTY_SHA",
    "GitAuthor",
    "check_branch_name",
    "clean_git_env",
    "run_git",
]

EMPTY_SHA = "0" * 40
_BRANCH = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9._/-]{0,199}$")
_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True, slots=True)
class GitAuthor:
    """Who a commit is by (author and committer)."""

    name: str
    email: str


# A HOME that does not exist: git must never read the user's own configuration, and a
# missing folder (unlike an empty temporary one) is nothing to make or to clean up.
_NO_HOME = "/nonexistent/goldpath-git-home"


def clean_git_env(
    extra: Mapping[str, str] | None = None, *, config: Mapping[str, str] | None = None
) -> dict[str, str]:
    """An environment for git that depends on no user or system configuration.

    ``config`` entries are passed as ``GIT_CONFIG_KEY_n``/``GIT_CONFIG_VALUE_n`` so values
    such as an Authorization header never appear in a process's argument list.
    """
    home = _NO_HOME
    env = {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": home,
        "XDG_CONFIG_HOME": home,
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "LC_ALL": "C",
        "LANG": "C",
    }
    pairs = {"core.autocrlf": "false", "init.defaultBranch": "main", **(config or {})}
    env["GIT_CONFIG_COUNT"] = str(len(pairs))
    for index, (key, value) in enumerate(pairs.items()):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    env.update(extra or {})
    return env


def _subcommand(args: Sequence[str]) -> str:
    skip = False
    for arg in args:
        if skip:
            skip = False
        elif arg in ("--git-dir", "--work-tree", "-C", "-c"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return "(no command)"


def run_git(
    args: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    config: Mapping[str, str] | None = None,
    input_bytes: bytes | None = None,
    secrets: Sequence[str] = (),
    ok_codes: Sequence[int] = (),
    operator: bool = False,
) -> bytes:
    """Run ``git *args`` and return its standard output; raise GitCommandError on failure.

    ``ok_codes`` are exit codes besides 0 that are answers, not failures (``merge-tree``
    exits 1 when it found conflicts).

    ``operator=True`` is for an operator's command on their own machine (``goldpath
    platform deploy-portal`` cloning goldpath): git keeps that user's configuration,
    credential helpers and SSH keys, and still never prompts. Everything else runs git in
    the clean environment, which depends on no user or system configuration.
    """
    command = ["git", *(os.fspath(a) for a in args)]
    shown = "git " + _subcommand(command[1:])
    if operator:
        environment = {**os.environ, **(env or {}), "GIT_TERMINAL_PROMPT": "0"}
    else:
        environment = clean_git_env(env, config=config)
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=environment,
            input=input_bytes,
            capture_output=True,
            check=False,
            timeout=_TIMEOUT_SECONDS,
        )
    except FileNotFoundError as exc:
        raise GitCommandError("the git command is not installed", command=shown) from exc
    except subprocess.TimeoutExpired as exc:
        raise GitCommandError(f"{shown} timed out", command=shown) from exc
    if completed.returncode != 0 and completed.returncode not in ok_codes:
        stderr = redact_text(
            completed.stderr.decode("utf-8", "replace").strip(), secrets, urls=True
        )
        raise GitCommandError(
            f"{shown} failed (exit {completed.returncode}): {stderr}",
            command=shown,
            exit_code=completed.returncode,
            stderr=stderr,
        )
    return completed.stdout


def check_branch_name(branch: str) -> str | None:
    """Why ``branch`` is not an acceptable branch name, or None when it is."""
    if not _BRANCH.match(branch):
        return (
            "may hold only letters, digits, '_', '-', '.' and '/', must not start with "
            "'.', '-' or '/', and is at most 200 characters"
        )
    if (
        ".." in branch
        or "//" in branch
        or branch.endswith("/")
        or branch.endswith(".")
        or branch.endswith(".lock")
        or "/." in branch
        or branch == "HEAD"
    ):
        return f"{branch!r} is not a valid git branch name"
    return None
