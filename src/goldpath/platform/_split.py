"""``split``: cut the portal, the Terraform or the platform-ops folders into their own repo."""

from __future__ import annotations

import os
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from goldpath.errors import FieldError, InvalidInputError, NotFoundError
from goldpath.platform._runner import CommandRunner
from goldpath.platform.errors import CommandFailedError, SplitTargetNotEmptyError

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


def _git(
    runner: CommandRunner,
    args: list[str],
    *,
    cwd: Path,
    env: dict[str, str] | None = None,
    step: str,
) -> str:
    result = runner.run(["git", *args], cwd=cwd, env=env, timeout=600)
    if not result.ok:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise CommandFailedError(f"{step} failed: {tail[0]}", step=step)
    return result.stdout


def split_repository(
    kind: SplitKind, *, source: Path, target: Path, runner: CommandRunner, branch: str | None = None
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
    probe = runner.run(["git", "-C", str(source), "rev-parse", "--show-toplevel"])
    if not probe.ok:
        raise NotFoundError(f"{source} is not a git repository", source=str(source))
    root = Path(probe.stdout.strip())
    if branch is None:
        branch = _git(
            runner, ["rev-parse", "--abbrev-ref", "HEAD"], cwd=root, step="git rev-parse"
        ).strip()

    kept = SPLITS[kind]
    target.parent.mkdir(parents=True, exist_ok=True)
    _git(
        runner,
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
        step="git clone",
    )
    remove_others = (
        "git ls-files -z | grep -zvE "
        + shlex.quote(_keep_pattern(kept))
        + " | xargs -0 -r git rm -q --cached --ignore-unmatch --"
    )
    env = {**os.environ, "FILTER_BRANCH_SQUELCH_WARNING": "1"}
    _git(
        runner,
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
        env=env,
        step="git filter-branch",
    )
    # A standalone repository: no link back, no pre-split objects kept alive.
    _git(runner, ["remote", "remove", "origin"], cwd=target, step="git remote remove")
    refs = _git(
        runner,
        ["for-each-ref", "--format=%(refname)", "refs/original/"],
        cwd=target,
        step="git for-each-ref",
    )
    for ref in refs.split():
        _git(runner, ["update-ref", "-d", ref], cwd=target, step="git update-ref")
    _git(
        runner, ["reflog", "expire", "--expire=now", "--all"], cwd=target, step="git reflog expire"
    )
    _git(runner, ["gc", "--quiet", "--prune=now"], cwd=target, step="git gc")
    files = _git(runner, ["ls-files"], cwd=target, step="git ls-files").split()
    if not files:
        raise NotFoundError(
            f"no file of {', '.join(kept)} exists on {branch}; nothing to split",
            kind=kind,
        )
    commits = int(
        _git(runner, ["rev-list", "--count", "HEAD"], cwd=target, step="git rev-list").strip()
    )
    return SplitResult(kind=kind, target=target, kept=kept, commits=commits)
