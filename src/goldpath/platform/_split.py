"""``split``: cut the portal, the Terraform or the platform-ops folders into their own repo."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from goldpath.errors import FieldError, InvalidInputError, NotFoundError
from goldpath.platform.errors import SplitTargetNotEmptyError
from goldpath.providers.git import GitCommandError, run_git

__all__ = ["SPLITS", "SplitKind", "SplitResult", "split_repository"]

SplitKind = Literal["app", "iac", "platform"]

# Paths each standalone repository keeps (a trailing "/" keeps a folder, otherwise a file).
SPLITS: dict[SplitKind, tuple[str, ...]] = {
    "app": (
        "src/",
        "tests/",
        "bench/",
        "docs/",
        "deploy/portal/",
        "pyproject.toml",
        "README.md",
        "CONTRIBUTING.md",
        "Makefile",
    ),
    "iac": ("infra/terraform/",),
    "platform": (
        "src/goldpath/platform/",
        "src/goldpath/providers/_aws.py",
        "tests/platform/",
        "tests/infra/",
        "deploy/",
        "docs/deployment.md",
        "docs/cost.md",
    ),
}


@dataclass(frozen=True, slots=True)
class SplitResult:
    """The new repository and what it kept."""

    kind: SplitKind
    target: Path
    kept: tuple[str, ...]
    commits: int


def _keep_pattern(paths: tuple[str, ...]) -> str:
    alternatives = [re.escape(p) if p.endswith("/") else re.escape(p) + "$" for p in paths]
    return "^(" + "|".join(alternatives) + ")"


def _git(args: list[str], *, cwd: Path, env: dict[str, str] | None = None) -> str:
    """git through goldpath's git seam (clean environment; `GitCommandError` on failure)."""
    return run_git(args, cwd=cwd, env=env).decode("utf-8", "replace")


def split_repository(
    kind: SplitKind, *, source: Path, target: Path, branch: str | None = None
) -> SplitResult:
    """Clone ``source`` into an empty ``target`` and rewrite its history to the kept paths."""
    if kind not in SPLITS:
        raise InvalidInputError(
            f"unknown split {kind!r}",
            errors=[FieldError(field="kind", rule="one-of", message="use app, iac or platform")],
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise SplitTargetNotEmptyError(
            f"{target} is not an empty directory; choose a new --to directory "
            "(nothing was written)",
            target=str(target),
        )
    try:
        root = Path(_git(["rev-parse", "--show-toplevel"], cwd=source).strip())
    except (GitCommandError, FileNotFoundError, NotADirectoryError) as exc:
        raise NotFoundError(f"{source} is not a git repository", source=str(source)) from exc
    if branch is None:
        branch = _git(["rev-parse", "--abbrev-ref", "HEAD"], cwd=root).strip()

    kept = SPLITS[kind]
    target.parent.mkdir(parents=True, exist_ok=True)
    _git(
        [
            "clone",
            "--quiet",
            "--no-local",
            "--single-branch",
            "--branch",
            branch,
            "--",
            str(root),
            str(target),
        ],
        cwd=target.parent,
    )
    remove_others = (
        "git ls-files -z | grep -zvE "
        + shlex.quote(_keep_pattern(kept))
        + " | xargs -0 -r git rm -q --cached --ignore-unmatch --"
    )
    _git(
        [
            "filter-branch",
            "--force",
            "--prune-empty",
            "--index-filter",
            remove_others,
            "--",
            branch,
        ],
        cwd=target,
        env={"FILTER_BRANCH_SQUELCH_WARNING": "1"},
    )
    # A standalone repository: no link back, no pre-split objects kept alive.
    _git(["remote", "remove", "origin"], cwd=target)
    refs = _git(["for-each-ref", "--format=%(refname)", "refs/original/"], cwd=target)
    for ref in refs.split():
        _git(["update-ref", "-d", ref], cwd=target)
    _git(["reflog", "expire", "--expire=now", "--all"], cwd=target)
    _git(["gc", "--quiet", "--prune=now"], cwd=target)
    files = _git(["ls-files"], cwd=target).split()
    if not files:
        raise NotFoundError(
            f"no file of {', '.join(kept)} exists on {branch}; nothing to split",
            kind=kind,
        )
    commits = int(
        _git(["rev-list", "--count", "HEAD"], cwd=target).strip()
    )
    return SplitResult(kind=kind, target=target, kept=kept, commits=commits)
