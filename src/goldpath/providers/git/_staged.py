"""`staged_repo`: a new repository and its first commit, made where nobody sees them yet.

A Create prepares its GitOps repository while kustomize and promtool still judge the
tree, and publishes it only after their verdict. On the local git host the repository
is built whole in a scratch folder, first commit and branch included, and `publish` is
one rename into place; a remote host is asked to create the project and is pushed to
only at `publish`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Protocol

from goldpath.providers.git._local import LocalGitHost
from goldpath.providers.git._protocol import GitHost, NewRepo, RepoInfo
from goldpath.scratch import scratch_dir
from goldpath.trees import write_tree

__all__ = ["StagedRepo", "staged_repo"]


OnCreated = Callable[[RepoInfo], None]
"""Told the repository the moment it exists, before anything else can fail (a caller
records the undo that deletes it)."""


class StagedRepo(Protocol):
    """A repository ready to be published: `publish` makes it exist with its commit."""

    def publish(self, on_created: OnCreated) -> tuple[RepoInfo, str]:
        """Create it on the host with its first commit; returns it and the commit's sha."""
        ...

    def close(self) -> None:
        """Forget whatever was prepared and not published."""
        ...


@dataclass(slots=True)
class _CreateThenPush:
    """A remote host's repository: created and pushed to only when published."""

    host: GitHost
    new: NewRepo
    tmp_root: Path | None

    def publish(self, on_created: OnCreated) -> tuple[RepoInfo, str]:
        new = self.new
        info = self.host.create_repo(
            new.owner, new.name, description=new.description,
            default_branch=new.default_branch, visibility=new.visibility,
        )
        on_created(info)
        with scratch_dir(self.tmp_root, prefix="publish-") as source:
            write_tree(source, {PurePosixPath(path): data for path, data in new.files.items()})
            sha = self.host.push(source, info, branch=new.default_branch, message=new.message,
                                 author_name=new.author.name, author_email=new.author.email)
        return info, sha

    def close(self) -> None:
        return None


@contextmanager
def staged_repo(host: GitHost, new: NewRepo, *, tmp_root: Path | None) -> Iterator[StagedRepo]:
    """``new`` prepared on ``host``; what is not published is gone when the block ends.

    On the local host a name already taken fails here (RepoExistsError), before any work
    is spent on it; a repository created by someone else meanwhile fails `publish`, and
    theirs is left as it is.
    """
    staged: StagedRepo = (
        host.stage_repo(new) if isinstance(host, LocalGitHost)
        else _CreateThenPush(host, new, tmp_root)
    )
    try:
        yield staged
    finally:
        staged.close()
