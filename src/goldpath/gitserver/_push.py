"""What a push is: who moved which refs of which repository, from where to where."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["ZERO_SHA", "Push", "RefUpdate"]

ZERO_SHA = "0" * 40
"""git's name for "no commit": the old side of a created ref, the new side of a deleted one."""


@dataclass(frozen=True, slots=True)
class RefUpdate:
    """One ref a push moved: ``refs/heads/main`` from ``old`` to ``new`` (full shas)."""

    ref: str
    old: str
    new: str

    @property
    def is_create(self) -> bool:
        """Whether the ref did not exist before the push."""
        return self.old == ZERO_SHA

    @property
    def is_delete(self) -> bool:
        """Whether the push deleted the ref."""
        return self.new == ZERO_SHA

    @property
    def branch(self) -> str | None:
        """The branch name for ``refs/heads/<name>``, else None (a tag, another ref)."""
        prefix = "refs/heads/"
        return self.ref[len(prefix) :] if self.ref.startswith(prefix) else None


@dataclass(frozen=True, slots=True)
class Push:
    """One accepted push to the local git host, as listeners and the push log see it.

    ``updates`` are the refs that actually moved (a ref git refused is not in it);
    ``default_branch`` is the repository's default branch at the time of the push.
    """

    owner: str
    repo: str
    user_ref: str
    updates: tuple[RefUpdate, ...]
    default_branch: str
    pushed_at: datetime

    @property
    def full_name(self) -> str:
        """``<owner>/<repo>``."""
        return f"{self.owner}/{self.repo}"

    def branch_updates(self, branch: str) -> tuple[RefUpdate, ...]:
        """The updates of one branch (none, or one)."""
        return tuple(u for u in self.updates if u.branch == branch)
