"""A small helper around the git CLI for GitOps repos (not pure: runs subprocesses)."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from goldpath.gitops.errors import GitCommandError

__all__ = ["GIT_AUTHOR", "clone", "commit_all", "head_branch", "is_work_tree", "push", "run_git"]

GIT_AUTHOR = ("goldpath", "goldpath@localhost")
_TIMEOUT_SECONDS = 120
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)


def _redact(text: str) -> str:
    return _USERINFO.sub(r"\g<scheme>***@", text)


@cache
def _empty_home() -> str:
    # git must read no user or system configuration (credentials helpers, hooks, signing).
    return tempfile.mkdtemp(prefix="goldpath-gitops-home-")


def _env() -> dict[str, str]:
    name, email = GIT_AUTHOR
    return {
        "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
        "HOME": _empty_home(),
        "XDG_CONFIG_HOME": _empty_home(),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
        "LC_ALL": "C",
    }


def run_git(args: list[str], cwd: Path | None = None) -> str:
    """Run ``git <args>``; stdout on success, `GitCommandError` (redacted) on failure."""
    try:
        result = subprocess.run(  # noqa: S603 - git with arguments we build
            ["git", *args], cwd=cwd, env=_env(), capture_output=True, text=True,
            timeout=_TIMEOUT_SECONDS, check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitCommandError(f"git {args[0]} could not run: {_redact(str(exc))}") from exc
    if result.returncode != 0:
        detail = _redact((result.stderr or result.stdout).strip())
        raise GitCommandError(f"git {args[0]} failed: {detail}", command=args[0])
    return result.stdout


def is_work_tree(path: Path) -> bool:
    """True when ``path`` is inside a non-bare git working tree."""
    if not path.is_dir():
        return False
    try:
        return run_git(["rev-parse", "--is-inside-work-tree"], cwd=path).strip() == "true"
    except GitCommandError:
        return False


def clone(source: str, destination: Path) -> None:
    """Clone ``source`` (URL or path) into ``destination``."""
    run_git(["clone", "--quiet", "--", source, str(destination)])


def head_branch(workdir: Path) -> str:
    """The checked-out branch of a working tree."""
    return run_git(["rev-parse", "--abbrev-ref", "HEAD"], cwd=workdir).strip()


def commit_all(workdir: Path, message: str) -> str | None:
    """Stage everything and commit; the new commit's sha, or None when nothing changed."""
    run_git(["add", "--all", "."], cwd=workdir)
    if not run_git(["status", "--porcelain"], cwd=workdir).strip():
        return None
    run_git(["commit", "--quiet", "--no-verify", "-m", message], cwd=workdir)
    return run_git(["rev-parse", "HEAD"], cwd=workdir).strip()


def push(workdir: Path) -> None:
    """Push the current branch to ``origin``."""
    run_git(["push", "--quiet", "origin", f"HEAD:{head_branch(workdir)}"], cwd=workdir)
