"""The merge-request store: open, list, approve, merge and close merge requests.

On the local git host goldpath is the keeper: a merge request is a row here and merging
moves the target branch in the bare repository (fast-forward, else a merge commit). On
GitLab the host keeps the real one (python-gitlab) and the row here remembers it, so the
portal, the API and the fleet see every merge request goldpath opened in one place.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from goldpath.catalog import EntityRef
from goldpath.db import Database, as_utc, utc_now
from goldpath.errors import FieldError, InvalidInputError
from goldpath.mergerequests._model import MergeRequest, MergeRequestStatus
from goldpath.mergerequests._tables import MergeRequestRow
from goldpath.mergerequests.errors import (
    MergeRequestClosedError,
    MergeRequestNotFoundError,
    OpenMergeRequestExistsError,
)
from goldpath.providers.git import (
    GitAuthor,
    GitHost,
    GitHosts,
    HostedMergeRequest,
    LocalGitHost,
    check_owner,
    check_repo_name,
)
from goldpath.providers.git._cli import check_branch_name

__all__ = ["HostedMergeRequests", "MergeListener", "MergeRequestService"]

log = logging.getLogger(__name__)

MergeListener = Callable[[MergeRequest], None]
"""Called with the merged request after goldpath merged it."""

_MAX_ID = 2**31  # ids are 32-bit integers in every database goldpath runs on
MERGE_AUTHOR = GitAuthor("goldpath", "goldpath@localhost")


@runtime_checkable
class HostedMergeRequests(Protocol):
    """A git host that keeps merge requests itself (GitLab)."""

    def open_merge_request(
        self,
        owner: str,
        repo: str,
        *,
        source_branch: str,
        target_branch: str,
        title: str,
        description: str,
        draft: bool,
    ) -> HostedMergeRequest:
        """Open one on the host."""
        ...

    def merge_merge_request(self, owner: str, repo: str, iid: str) -> str:
        """Merge it on the host; the merge commit's sha."""
        ...

    def set_merge_request_draft(
        self, owner: str, repo: str, iid: str, *, title: str, draft: bool
    ) -> None:
        """Mark it a draft, or ready, on the host."""
        ...

    def close_merge_request(self, owner: str, repo: str, iid: str) -> None:
        """Close it on the host."""
        ...



def _value(row: MergeRequestRow) -> MergeRequest:
    created = as_utc(row.created_at)
    updated = as_utc(row.updated_at)
    assert created is not None and updated is not None
    return MergeRequest(
        id=row.id,
        host=row.host,
        repository=row.repository,
        source_branch=row.source_branch,
        target_branch=row.target_branch,
        title=row.title,
        description=row.description,
        author=row.author,
        entity_ref=row.entity_ref,
        status=MergeRequestStatus(row.status),
        draft=row.draft,
        conflicts=tuple(row.conflicts or ()),
        labels=tuple(row.labels or ()),
        approved_by=tuple(row.approved_by or ()),
        external_id=row.external_id,
        web_url=row.web_url,
        merge_commit_sha=row.merge_commit_sha,
        merged_by=row.merged_by,
        closed_by=row.closed_by,
        created_at=created,
        updated_at=updated,
        merged_at=as_utc(row.merged_at),
        closed_at=as_utc(row.closed_at),
    )


def _check_open_input(
    *, repository: str, source_branch: str, target_branch: str, title: str, entity_ref: str | None
) -> str | None:
    owner, _, name = repository.rpartition("/")
    problems = [
        *check_owner(owner, field="repository"),
        *check_repo_name(name, field="repository"),
    ]
    for field, branch in (("sourceBranch", source_branch), ("targetBranch", target_branch)):
        problem = check_branch_name(branch)
        if problem is not None:
            problems.append(FieldError(field, "pattern", problem))
    if source_branch == target_branch:
        problems.append(
            FieldError("sourceBranch", "distinct", "must differ from the target branch")
        )
    if not title.strip():
        problems.append(FieldError("title", "required", "a merge request needs a title"))
    key: str | None = None
    if entity_ref is not None:
        try:
            key = EntityRef.parse(entity_ref, default_kind="component", field="entityRef").key
        except InvalidInputError as exc:
            problems.extend(exc.errors)
    if problems:
        raise InvalidInputError(
            "invalid merge request: " + "; ".join(str(p) for p in problems), errors=problems
        )
    return key


class MergeRequestService:
    """Merge requests of every git host, kept in the database (the local host's) or
    mirrored from the host that keeps them (GitLab's)."""

    def __init__(self, database: Database, hosts: GitHosts) -> None:
        self._database = database
        self._hosts = hosts
        self._merge_listeners: list[MergeListener] = []

    def add_merge_listener(self, listener: MergeListener) -> None:
        """Call ``listener(merged request)`` after each merge goldpath performs (scorecards
        score the component again); one that raises is logged and the merge stands."""
        self._merge_listeners.append(listener)

    # -- reading ------------------------------------------------------------------------------

    def get(self, mr_id: int) -> MergeRequest:
        """The merge request with this id; MergeRequestNotFoundError otherwise."""
        if not 0 < mr_id < _MAX_ID:
            raise MergeRequestNotFoundError(f"no merge request {mr_id}", id=mr_id)
        with self._database.session() as session:
            row = session.get(MergeRequestRow, mr_id)
            if row is None:
                raise MergeRequestNotFoundError(f"no merge request {mr_id}", id=mr_id)
            return _value(row)

    def list(
        self,
        *,
        entity_ref: str | None = None,
        status: MergeRequestStatus | None = None,
        host: str | None = None,
        repository: str | None = None,
        source_branch: str | None = None,
        label: str | None = None,
        limit: int | None = None,
    ) -> list[MergeRequest]:
        """Merge requests, newest first, narrowed by whichever filters are given."""
        query = select(MergeRequestRow).order_by(MergeRequestRow.id.desc())
        if entity_ref is not None:
            key = EntityRef.parse(entity_ref, default_kind="component", field="entityRef").key
            query = query.where(MergeRequestRow.entity_ref == key)
        if status is not None:
            query = query.where(MergeRequestRow.status == status.value)
        if host is not None:
            query = query.where(MergeRequestRow.host == host)
        if repository is not None:
            query = query.where(MergeRequestRow.repository == repository)
        if source_branch is not None:
            query = query.where(MergeRequestRow.source_branch == source_branch)
        with self._database.session() as session:
            found = [_value(row) for row in session.scalars(query)]
        if label is not None:
            found = [mr for mr in found if label in mr.labels]
        return found[:limit] if limit is not None else found

    def find_open(self, *, host: str, repository: str, source_branch: str) -> MergeRequest | None:
        """The open merge request from ``source_branch`` of the repository, if there is one."""
        found = self.list(
            host=host,
            repository=repository,
            source_branch=source_branch,
            status=MergeRequestStatus.OPENED,
        )
        return found[0] if found else None

    def diff(self, mr_id: int) -> str:
        """What the merge request changes (local host), as a unified diff; empty once merged
        or for a host that keeps its own diff (its page shows it)."""
        mr = self.get(mr_id)
        host = self._host(mr.host)
        if not isinstance(host, LocalGitHost) or not mr.is_open:
            return ""
        return host.diff_branches(
            mr.owner, mr.name, source=mr.source_branch, target=mr.target_branch
        )

    # -- writing ------------------------------------------------------------------------------

    def _host(self, host: str) -> GitHost:
        return self._hosts.for_host(host, field="host")

    def open(
        self,
        *,
        host: str,
        repository: str,
        source_branch: str,
        target_branch: str,
        title: str,
        author: str,
        description: str = "",
        entity_ref: str | None = None,
        draft: bool = False,
        conflicts: Sequence[str] = (),
        labels: Sequence[str] = (),
    ) -> MergeRequest:
        """Open a merge request (on GitLab through its API; on the local host, here).

        The source branch must already be pushed. OpenMergeRequestExistsError when one is
        already open from that branch; a request with conflicts is always a draft.
        """
        key = _check_open_input(
            repository=repository,
            source_branch=source_branch,
            target_branch=target_branch,
            title=title,
            entity_ref=entity_ref,
        )
        draft = draft or bool(conflicts)
        existing = self.find_open(host=host, repository=repository, source_branch=source_branch)
        if existing is not None:
            raise OpenMergeRequestExistsError(
                f"merge request {existing.id} from {source_branch} of {repository} is still open",
                id=existing.id,
            )
        git = self._host(host)
        owner, _, name = repository.rpartition("/")
        hosted: HostedMergeRequest | None = None
        if isinstance(git, LocalGitHost):
            for field, branch in (("sourceBranch", source_branch), ("targetBranch", target_branch)):
                if git.branch_sha(owner, name, branch) is None:
                    raise InvalidInputError(
                        f"{repository} has no branch {branch!r}",
                        errors=[FieldError(field, "exists", f"no branch {branch!r}")],
                    )
        elif isinstance(git, HostedMergeRequests):
            hosted = git.open_merge_request(
                owner,
                name,
                source_branch=source_branch,
                target_branch=target_branch,
                title=title,
                description=description,
                draft=draft,
            )
        else:
            raise InvalidInputError(
                f"{git.kind} hosts do not take merge requests from goldpath",
                errors=[FieldError("host", "supported", f"{host} is a {git.kind} host")],
            )
        now = utc_now()
        row = MergeRequestRow(
            host=host,
            repository=repository,
            source_branch=source_branch,
            target_branch=target_branch,
            title=title.strip(),
            description=description,
            author=author,
            entity_ref=key,
            status=MergeRequestStatus.OPENED.value,
            draft=draft,
            conflicts=sorted(set(conflicts)),
            labels=sorted(set(labels)),
            approved_by=[],
            external_id=hosted.iid if hosted else None,
            web_url=hosted.web_url if hosted else None,
            created_at=now,
            updated_at=now,
        )
        try:
            with self._database.session() as session:
                session.add(row)
                session.flush()
                opened = _value(row)
        except IntegrityError as exc:
            raise OpenMergeRequestExistsError(
                f"a merge request from {source_branch} of {repository} is already open"
            ) from exc
        log.info(
            "opened merge request %s: %s %s -> %s",
            opened.id,
            repository,
            source_branch,
            target_branch,
        )
        return opened

    def _change(self, mr_id: int, **values: object) -> MergeRequest:
        self.get(mr_id)
        with self._database.session() as session:
            row = session.get(MergeRequestRow, mr_id)
            if row is None:
                raise MergeRequestNotFoundError(f"no merge request {mr_id}", id=mr_id)
            for name, value in values.items():
                setattr(row, name, value)
            row.updated_at = utc_now()
            session.flush()
            return _value(row)

    def _open_one(self, mr_id: int, doing: str) -> MergeRequest:
        mr = self.get(mr_id)
        if not mr.is_open:
            raise MergeRequestClosedError(
                f"merge request {mr_id} is {mr.status.value}; it cannot be {doing}",
                id=mr_id,
                status=mr.status.value,
            )
        return mr

    def update(
        self,
        mr_id: int,
        *,
        draft: bool | None = None,
        conflicts: Sequence[str] | None = None,
        description: str | None = None,
    ) -> MergeRequest:
        """Change an open merge request's draft flag, conflicts or description (after a
        new push to its branch)."""
        mr = self._open_one(mr_id, "updated")
        values: dict[str, object] = {}
        if conflicts is not None:
            values["conflicts"] = sorted(set(conflicts))
        if draft is not None or conflicts:
            values["draft"] = bool(draft) or bool(
                conflicts if conflicts is not None else mr.conflicts
            )
            git = self._host(mr.host)
            if values["draft"] != mr.draft and isinstance(git, HostedMergeRequests) and (
                mr.external_id
            ):
                # The host's flag first: a host that refuses leaves this row as it was.
                git.set_merge_request_draft(
                    mr.owner, mr.name, mr.external_id, title=mr.title, draft=bool(values["draft"])
                )
        if description is not None:
            values["description"] = description
        return self._change(mr_id, **values)

    def approve(self, mr_id: int, *, user: str) -> MergeRequest:
        """Record ``user``'s approval (once per user)."""
        mr = self._open_one(mr_id, "approved")
        if user in mr.approved_by:
            return mr
        return self._change(mr_id, approved_by=[*mr.approved_by, user])

    def merge(self, mr_id: int, *, user: str) -> MergeRequest:
        """Merge it: the host merges (GitLab) or goldpath moves the target branch (local).

        A draft is refused; a conflict merges nothing and leaves the request open.
        """
        mr = self._open_one(mr_id, "merged")
        if mr.draft:
            reason = (
                f"it has conflicts in {', '.join(mr.conflicts)}; resolve them on "
                f"{mr.source_branch} and mark it ready"
                if mr.conflicts
                else "it is a draft; mark it ready first"
            )
            raise MergeRequestClosedError(
                f"merge request {mr_id} cannot be merged: {reason}", id=mr_id
            )
        git = self._host(mr.host)
        if isinstance(git, LocalGitHost):
            outcome = git.merge_branches(
                mr.owner,
                mr.name,
                source=mr.source_branch,
                target=mr.target_branch,
                message=f"Merge branch '{mr.source_branch}' into {mr.target_branch}\n\n"
                f"{mr.title} (merge request {mr.id}, merged by {user})",
                author=MERGE_AUTHOR,
            )
            sha = outcome.sha
        elif isinstance(git, HostedMergeRequests) and mr.external_id:
            sha = git.merge_merge_request(mr.owner, mr.name, mr.external_id)
        else:
            raise InvalidInputError(
                f"merge request {mr_id} lives on {mr.host}, which goldpath cannot merge on",
                errors=[FieldError("host", "supported", f"{mr.host} takes no merges")],
            )
        merged = self._change(
            mr_id,
            status=MergeRequestStatus.MERGED.value,
            merge_commit_sha=sha,
            merged_by=user,
            merged_at=utc_now(),
        )
        log.info("merged merge request %s of %s as %s", mr_id, mr.repository, sha)
        for listener in list(self._merge_listeners):
            try:
                listener(merged)
            except Exception:  # a listener's trouble must not undo or fail the merge
                log.exception("merge listener %r failed for merge request %s", listener, mr_id)
        return merged

    def close(self, mr_id: int, *, user: str) -> MergeRequest:
        """Close it without merging (on GitLab too); its branch stays."""
        mr = self._open_one(mr_id, "closed")
        git = self._host(mr.host)
        if isinstance(git, HostedMergeRequests) and mr.external_id:
            git.close_merge_request(mr.owner, mr.name, mr.external_id)
        return self._change(
            mr_id, status=MergeRequestStatus.CLOSED.value, closed_by=user, closed_at=utc_now()
        )
