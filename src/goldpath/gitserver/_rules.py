"""The ref rules of the local git host: what no push may do to a repository's refs.

Pure functions of the repository's facts and one ref update; the pre-receive hook
(``_hook.py``) applies them to every update of a push, with the objects the push brings.
Who may push to a repository at all is the permission service's call (``_service.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Literal

from goldpath.gitserver._push import RefUpdate

__all__ = ["RULES_ENV", "RefRefusal", "RefRules", "RepoKind", "ref_refusal"]

RepoKind = Literal["app", "gitops"]
RULES_ENV = "GOLDPATH_PUSH_RULES"
"""The environment variable that hands a repository's RefRules to the pre-receive hook."""


@dataclass(frozen=True, slots=True)
class RefRules:
    """One repository's ref rules: its default branch, and whether pushes may touch it.

    ``protect_default_branch`` is set for GitOps repositories: their default branch
    changes only through goldpath's own writes (a Create, a promotion or merge-request
    merge), never through a push; pushed changes arrive as branches.
    """

    repo: str
    default_branch: str
    protect_default_branch: bool

    @property
    def default_ref(self) -> str:
        """``refs/heads/<default branch>``."""
        return f"refs/heads/{self.default_branch}"

    def to_env(self) -> str:
        """The JSON the hook reads from ``GOLDPATH_PUSH_RULES``."""
        return json.dumps(
            {
                "repo": self.repo,
                "default_branch": self.default_branch,
                "protect_default_branch": self.protect_default_branch,
            }
        )

    @classmethod
    def from_env(cls, text: str) -> RefRules:
        """Read what ``to_env`` wrote; ValueError when it is not that shape."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("push rules must be a JSON object")
        repo, branch = data.get("repo"), data.get("default_branch")
        protect = data.get("protect_default_branch")
        if not isinstance(repo, str) or not isinstance(branch, str) or not branch:
            raise ValueError("push rules need repo and default_branch")
        if not isinstance(protect, bool):
            raise ValueError("push rules need protect_default_branch (true or false)")
        return cls(repo=repo, default_branch=branch, protect_default_branch=protect)


@dataclass(frozen=True, slots=True)
class RefRefusal:
    """Why one ref update of a push is refused: the rule's name and a sentence."""

    ref: str
    rule: str
    message: str


def ref_refusal(rules: RefRules, update: RefUpdate, *, fast_forward: bool) -> RefRefusal | None:
    """The rule ``update`` breaks, or None when it may go ahead.

    ``fast_forward`` says whether ``update.new`` descends from ``update.old`` (only asked
    for an update that neither creates nor deletes the ref).
    """
    if update.ref == rules.default_ref and update.is_delete:
        return RefRefusal(
            update.ref,
            "default-branch-delete",
            f"the default branch {rules.default_branch} of {rules.repo} cannot be deleted",
        )
    if rules.protect_default_branch and update.ref == rules.default_ref:
        return RefRefusal(
            update.ref,
            "protected-default-branch",
            f"{rules.default_branch} is protected in the GitOps repository {rules.repo}: "
            "push a branch and open a merge request",
        )
    if not update.is_create and not update.is_delete and not fast_forward:
        return RefRefusal(
            update.ref,
            "no-force-push",
            f"force-pushes are refused: {update.ref} would lose commits; pull, merge and "
            "push again",
        )
    return None
