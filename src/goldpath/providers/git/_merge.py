"""Merging one branch into another inside a repository: fast-forward when it can, else a
three-way merge commit; a conflict merges nothing and names the files."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from goldpath.providers.git._cli import GitAuthor
from goldpath.providers.git._repository import Repository
from goldpath.providers.git.errors import (
    BranchMovedError,
    GitPathNotFoundError,
    MergeConflictError,
)

__all__ = ["HostedMergeRequest", "MergeKind", "MergeOutcome", "merge_branch", "merge_conflicts"]

MergeKind = Literal["fast-forward", "merge", "up-to-date"]


@dataclass(frozen=True, slots=True)
class MergeOutcome:
    """How a merge went and the target branch's tip afterwards."""

    kind: MergeKind
    sha: str


@dataclass(frozen=True, slots=True)
class HostedMergeRequest:
    """A merge request a remote host keeps (GitLab): its number there and its page."""

    iid: str
    web_url: str
    state: str
    draft: bool


def _tip(repo: Repository, branch: str) -> str:
    sha = repo.resolve(f"refs/heads/{branch}")
    if sha is None:
        raise GitPathNotFoundError(f"{repo.path.name} has no branch {branch!r}", branch=branch)
    return sha


def merge_conflicts(repo: Repository, *, source: str, target: str) -> list[str]:
    """The files merging ``source`` into ``target`` would conflict on (empty: it merges)."""
    ours, theirs = _tip(repo, target), _tip(repo, source)
    if repo.is_ancestor(ours, theirs) or repo.is_ancestor(theirs, ours):
        return []
    return repo.merge_trees(ours, theirs)[1]


def merge_branch(
    repo: Repository, *, source: str, target: str, message: str, author: GitAuthor
) -> MergeOutcome:
    """Merge ``source`` into ``target``: fast-forward, or a merge commit with both parents.

    MergeConflictError (nothing moved) when both change the same lines; BranchMovedError
    when another writer moved ``target`` meanwhile.
    """
    ours, theirs = _tip(repo, target), _tip(repo, source)
    if repo.is_ancestor(theirs, ours):
        return MergeOutcome("up-to-date", ours)
    if repo.is_ancestor(ours, theirs):
        kind: MergeKind = "fast-forward"
        new = theirs
    else:
        tree, conflicts = repo.merge_trees(ours, theirs)
        if conflicts:
            raise MergeConflictError(
                f"{source} does not merge into {target}: conflicts in {', '.join(conflicts)}",
                conflicts=conflicts,
            )
        kind = "merge"
        new = repo.commit_tree(tree, parents=[ours, theirs], message=message, author=author)
    if not repo.update_branch(f"refs/heads/{target}", new, expected=ours):
        raise BranchMovedError(f"branch {target} moved during the merge; nothing was merged")
    return MergeOutcome(kind, new)
