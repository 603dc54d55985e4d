"""Promotions: a merge request on the GitOps repo that moves one tag one environment on.

``request`` reads the repo's default branch, sets the target overlay's image tag to the
previous environment's (`goldpath.gitops.promote_in_tree`: that one line, nothing else),
validates the whole tree like every GitOps commit, pushes it to a branch and opens a
merge request. Staging merges at once (the requester holds ``promotion.create``: an owner
or a platform admin); prod waits for ``approve`` by someone else who holds
``promotion.approve``. The requester's own approval is refused, whatever they hold.
Every promotion and approval is a row with who and when.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from sqlalchemy import select

from goldpath.catalog import CatalogService, EntityRef
from goldpath.config import Settings
from goldpath.db import Database, as_utc, utc_now
from goldpath.errors import FieldError, GoldpathError, InvalidInputError, NotFoundError
from goldpath.mergerequests import MergeRequestService, MergeRequestStatus
from goldpath.permissions import PermissionService, Subject, entity_resource
from goldpath.promotions._model import (
    APPROVAL_REQUIRED,
    Approval,
    Promotion,
    PromotionStatus,
)
from goldpath.promotions._tables import PromotionApprovalRow, PromotionRow
from goldpath.promotions.errors import (
    PromotionClosedError,
    PromotionNotFoundError,
    PromotionPendingError,
    SelfApprovalError,
)
from goldpath.providers.git import GitHost, GitHosts
from goldpath.scratch import scratch_dir
from goldpath.trees import write_tree

if TYPE_CHECKING:
    from goldpath.gitops import TagChange

# goldpath.gitops (schemas, kubernetes-validate, the Grafana SDK) is imported where it is
# used: portal start-up builds this service and should not pay for it.

__all__ = ["BranchingHost", "EnvironmentState", "PromotionService", "app_of"]

log = logging.getLogger(__name__)

_ARGOCD_APP = "argocd/app-name"
_DEFAULT_BRANCH = "main"
PROMOTION_LABEL = "promotion"
_TO_RULE = "must be staging or prod (dev is the pipeline's)"


@runtime_checkable
class BranchingHost(Protocol):
    """A git host that starts a branch from another (the local host, GitLab)."""

    def create_branch(self, owner: str, repo: str, branch: str, *, start: str) -> str:
        """Create ``branch`` at ``start``'s tip; its sha."""
        ...


@runtime_checkable
class BranchDeletingHost(Protocol):
    """A git host that deletes a branch (the local host): the undo of a failed promotion."""

    def delete_branch(self, owner: str, repo: str, branch: str) -> None:
        """Delete ``branch``."""
        ...



def app_of(entity: Mapping[str, Any]) -> str:
    """The app (GitOps repository) name of a Component: ``argocd/app-name`` or its name."""
    metadata = entity.get("metadata") or {}
    annotations = metadata.get("annotations") or {}
    app = annotations.get(_ARGOCD_APP) if isinstance(annotations, Mapping) else None
    return str(app or metadata.get("name"))


class EnvironmentState:
    """One environment of a component as its GitOps repo's default branch has it."""

    __slots__ = ("environment", "source", "source_tag", "tag")

    def __init__(
        self, environment: str, tag: str, source: str | None, source_tag: str | None
    ) -> None:
        self.environment = environment
        self.tag = tag
        self.source = source
        self.source_tag = source_tag

    @property
    def promotable(self) -> bool:
        """Whether a promotion would change something (a previous env runs another tag)."""
        return self.source_tag is not None and self.source_tag != self.tag

    def as_dict(self) -> dict[str, object]:
        """The API's JSON shape."""
        return {
            "environment": self.environment,
            "tag": self.tag,
            "from": self.source,
            "fromTag": self.source_tag,
            "promotable": self.promotable,
        }


def _value(row: PromotionRow, approvals: list[PromotionApprovalRow]) -> Promotion:
    requested = as_utc(row.requested_at)
    assert requested is not None
    return Promotion(
        id=row.id,
        entity_ref=row.entity_ref,
        app=row.app,
        repository=row.repository,
        source=row.source,
        environment=row.environment,
        tag=row.tag,
        previous_tag=row.previous_tag,
        merge_request_id=row.merge_request_id,
        status=PromotionStatus(row.status),
        requested_by=row.requested_by,
        requested_at=requested,
        merged_by=row.merged_by,
        merged_at=as_utc(row.merged_at),
        merge_commit_sha=row.merge_commit_sha,
        approvals=tuple(
            Approval(user=a.user, role=a.role, at=as_utc(a.at))
            for a in sorted(approvals, key=lambda a: a.id)
        ),
    )


class PromotionService:
    """Request, approve and list promotions; the one path from API, page and CLI."""

    def __init__(
        self,
        *,
        database: Database,
        settings: Settings,
        catalog: CatalogService,
        git_hosts: GitHosts,
        merge_requests: MergeRequestService,
        permissions: PermissionService,
    ) -> None:
        self._database = database
        self._settings = settings
        self._catalog = catalog
        self._hosts = git_hosts
        self._merge_requests = merge_requests
        self._permissions = permissions

    # -- reading ------------------------------------------------------------------------------

    def _component(self, entity_ref: str) -> tuple[str, Mapping[str, Any]]:
        ref = EntityRef.parse(entity_ref, default_kind="component", field="entityRef")
        if ref.kind.lower() != "component":
            raise InvalidInputError(
                f"{entity_ref!r} is not a Component",
                errors=[FieldError("entityRef", "kind", "promote a Component")],
            )
        entity = self._catalog.get_entity(ref.key)
        return EntityRef.of(entity).key, entity

    def _files(self, host: GitHost, app: str) -> dict[PurePosixPath, str]:
        group = self._settings.platform.gitops_group
        from goldpath.gitops import GitopsRepoNotFoundError

        if not host.repo_exists(group, app):
            raise GitopsRepoNotFoundError(
                f"no GitOps repository {group}/{app} on {host.host}", app=app
            )
        url = host.contents_url(group, app, _DEFAULT_BRANCH)
        files: dict[PurePosixPath, str] = {}
        for path, (data, _mode) in host.read_folder(url).items():
            try:
                files[PurePosixPath(path)] = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
        return files

    def _overlay_files(self, host: GitHost, app: str) -> dict[PurePosixPath, str]:
        """Only the overlays' kustomizations (what a component page needs, three reads)."""
        from goldpath.gitops import ENVIRONMENTS, GitopsRepoNotFoundError, overlay_kustomization

        group = self._settings.platform.gitops_group
        if not host.repo_exists(group, app):
            raise GitopsRepoNotFoundError(
                f"no GitOps repository {group}/{app} on {host.host}", app=app
            )
        contents = host.contents_url(group, app, _DEFAULT_BRANCH)
        files: dict[PurePosixPath, str] = {}
        for environment in ENVIRONMENTS:
            path = overlay_kustomization(environment)
            try:
                files[path] = host.read(f"{contents}/{path}").decode("utf-8")
            except NotFoundError:
                continue  # a repo without that environment
        return files

    def environments(self, entity_ref: str) -> list[EnvironmentState]:
        """Each environment's image tag on the GitOps repo's default branch."""
        from goldpath.gitops import ENVIRONMENTS, environment_tags, previous_environment

        _, entity = self._component(entity_ref)
        app = app_of(entity)
        tags = environment_tags(self._overlay_files(self._hosts.platform_host(), app), app)
        states = []
        for environment in ENVIRONMENTS:
            if environment not in tags:
                continue
            source = previous_environment(environment)
            states.append(
                EnvironmentState(
                    environment, tags[environment], source, tags.get(source) if source else None
                )
            )
        return states

    def get(self, promotion_id: int) -> Promotion:
        """The promotion with this id; PromotionNotFoundError otherwise."""
        with self._database.session() as session:
            row = session.get(PromotionRow, promotion_id)
            if row is None:
                raise PromotionNotFoundError(f"no promotion {promotion_id}", id=promotion_id)
            approvals = list(
                session.scalars(
                    select(PromotionApprovalRow).where(
                        PromotionApprovalRow.promotion_id == promotion_id
                    )
                )
            )
            return _value(row, approvals)

    def list(self, *, entity_ref: str | None = None, limit: int = 50) -> list[Promotion]:
        """Promotions, newest first (of one component when ``entity_ref`` is given)."""
        query = select(PromotionRow).order_by(PromotionRow.id.desc()).limit(limit)
        if entity_ref is not None:
            key = EntityRef.parse(entity_ref, default_kind="component", field="entityRef").key
            query = query.where(PromotionRow.entity_ref == key)
        with self._database.session() as session:
            rows = list(session.scalars(query))
            ids = [row.id for row in rows]
            approvals: dict[int, list[PromotionApprovalRow]] = {i: [] for i in ids}
            if ids:
                for approval in session.scalars(
                    select(PromotionApprovalRow).where(PromotionApprovalRow.promotion_id.in_(ids))
                ):
                    approvals[approval.promotion_id].append(approval)
            return [_value(row, approvals[row.id]) for row in rows]

    # -- writing ------------------------------------------------------------------------------

    def request(self, entity_ref: str, to: str, *, subject: Subject) -> Promotion:
        """Promote the component's previous environment's tag to ``to``.

        Authorizes ``promotion.create`` on the component; opens the merge request; merges
        it at once unless ``to`` needs an approval. Nothing is left behind on failure.
        """
        from goldpath.gitops import ENVIRONMENTS, previous_environment

        if to not in ENVIRONMENTS or previous_environment(to) is None:
            raise InvalidInputError(
                f"cannot promote to {to!r}: promote to staging or prod",
                errors=[FieldError("to", "enum", _TO_RULE)],
            )
        key, entity = self._component(entity_ref)
        self._permissions.authorize(subject, "promotion.create", entity_resource(entity))
        waiting = [
            p for p in self.list(entity_ref=key)
            if p.is_waiting and p.environment == to and self._still_open(p)
        ]
        if waiting:
            raise PromotionPendingError(
                f"promotion {waiting[0].id} to {to} of {key} is still waiting for an approval",
                id=waiting[0].id,
            )
        app = app_of(entity)
        host = self._hosts.platform_host()
        change, branch, sha = self._push_change(host, app, to, requester=subject.user_ref)
        repository = f"{self._settings.platform.gitops_group}/{app}"
        gated = to in APPROVAL_REQUIRED
        try:
            mr = self._merge_requests.open(
                host=host.host,
                repository=repository,
                source_branch=branch,
                target_branch=_DEFAULT_BRANCH,
                title=f"Promote {app} {change.tag} from {change.source} to {to}",
                description=(
                    f"Sets the image tag of {change.path} from {change.before} to {change.tag}, "
                    f"the tag {change.source} runs. Requested by {subject.user_ref}."
                    + (" Needs an approval by another owner or a platform admin."
                       if to in APPROVAL_REQUIRED else "")
                ),
                author=subject.user_ref,
                # A merge request that names no component may be merged through the
                # merge-request API by platform admins only, and one that needs an approval
                # is a draft (on GitLab too), which no host merges: it merges through
                # `approve`, which marks it ready, not around it.
                entity_ref=None if gated else key,
                labels=(PROMOTION_LABEL, f"environment:{to}"),
                draft=gated,
            )
        except GoldpathError:
            self._delete_branch(host, app, branch)
            raise
        now = utc_now()
        with self._database.session() as session:
            row = PromotionRow(
                entity_ref=key,
                app=app,
                repository=repository,
                source=change.source,
                environment=to,
                tag=change.tag,
                previous_tag=change.before,
                merge_request_id=mr.id,
                status=PromotionStatus.AWAITING_APPROVAL.value,
                requested_by=subject.user_ref,
                requested_at=now,
            )
            session.add(row)
            session.flush()
            promotion_id = row.id
        log.info("promotion %s: %s %s -> %s (%s)", promotion_id, app, change.tag, to, sha[:12])
        if gated:
            return self.get(promotion_id)
        try:
            return self._merge(promotion_id, user=subject.user_ref)
        except GoldpathError:
            # An ungated promotion that cannot merge is withdrawn, not left half-done.
            self._merge_requests.close(mr.id, user=subject.user_ref)
            with self._database.session() as session:
                session.delete(session.get(PromotionRow, promotion_id))
            self._delete_branch(host, app, branch)
            raise

    def approve(self, promotion_id: int, *, subject: Subject) -> Promotion:
        """Approve a waiting promotion and merge it; never by whoever requested it."""
        promotion = self.get(promotion_id)
        _, entity = self._component(promotion.entity_ref)
        self._permissions.authorize(subject, "promotion.approve", entity_resource(entity))
        if subject.user_ref == promotion.requested_by:
            raise SelfApprovalError(
                f"{subject.user_ref} requested promotion {promotion_id} and may not approve it: "
                "another owner or a platform admin must",
                id=promotion_id,
            )
        if not promotion.is_waiting or not self._still_open(promotion):
            promotion = self.get(promotion_id)
            raise PromotionClosedError(
                f"promotion {promotion_id} is {promotion.status.value}; nothing to approve",
                id=promotion_id,
            )
        role = "admin" if self._permissions.is_admin(subject) else "owner"
        self._merge_requests.approve(promotion.merge_request_id, user=subject.user_ref)
        if self._merge_requests.get(promotion.merge_request_id).draft:
            self._merge_requests.update(promotion.merge_request_id, draft=False)
        with self._database.session() as session:
            session.add(
                PromotionApprovalRow(
                    promotion_id=promotion_id, user=subject.user_ref, role=role, at=utc_now()
                )
            )
        return self._merge(promotion_id, user=subject.user_ref)

    def _still_open(self, promotion: Promotion) -> bool:
        """Whether its merge request is open; one closed elsewhere closes the promotion."""
        if self._merge_requests.get(promotion.merge_request_id).status is (
            MergeRequestStatus.OPENED
        ):
            return True
        with self._database.session() as session:
            row = session.get(PromotionRow, promotion.id)
            if row is not None and row.status == PromotionStatus.AWAITING_APPROVAL.value:
                row.status = PromotionStatus.CLOSED.value
        return False

    def _merge(self, promotion_id: int, *, user: str) -> Promotion:
        promotion = self.get(promotion_id)
        mr = self._merge_requests.merge(promotion.merge_request_id, user=user)
        with self._database.session() as session:
            row = session.get(PromotionRow, promotion_id)
            assert row is not None
            row.status = PromotionStatus.MERGED.value
            row.merged_by = user
            row.merged_at = mr.merged_at or utc_now()
            row.merge_commit_sha = mr.merge_commit_sha
        return self.get(promotion_id)

    def _push_change(
        self, host: GitHost, app: str, to: str, *, requester: str
    ) -> tuple[TagChange, str, str]:
        """Validate the changed tree and push it to a new branch; (change, branch, sha)."""
        from goldpath.gitops import promote_in_tree, validate_tree

        files = self._files(host, app)
        changed, change = promote_in_tree(files, app, to)
        report = validate_tree(
            changed,
            kubernetes_version=self._settings.platform.kubernetes_version,
            tmp_root=self._settings.scratch_root,
            secrets_prefix=self._settings.platform.secrets_prefix,
        )
        report.raise_for_failures(f"the GitOps repo of {app} after promoting to {to}")
        if not isinstance(host, BranchingHost):
            raise InvalidInputError(
                f"{host.kind} hosts cannot take promotion branches from goldpath",
                errors=[
                    FieldError("platform.git_host", "supported", f"{host.host} is {host.kind}")
                ],
            )
        group = self._settings.platform.gitops_group
        # Unique: a closed promotion's branch stays, and the same tag may be promoted again.
        branch = f"promote/{to}/{change.tag}-{uuid.uuid4().hex[:8]}"
        host.create_branch(group, app, branch, start=_DEFAULT_BRANCH)
        try:
            with scratch_dir(self._settings.scratch_root, prefix="promote-") as tree:
                write_tree(tree, changed)
                sha = host.push(
                    tree,
                    host.get_repo(group, app),
                    branch=branch,
                    message=f"chore({app}): promote {change.tag} from {change.source} to {to}"
                    f" [skip ci]\n\nRequested by {requester}.",
                    author_name="goldpath",
                    author_email="goldpath@localhost",
                )
        except GoldpathError:
            self._delete_branch(host, app, branch)
            raise
        return change, branch, sha

    def _delete_branch(self, host: GitHost, app: str, branch: str) -> None:
        if isinstance(host, BranchDeletingHost):
            host.delete_branch(self._settings.platform.gitops_group, app, branch)
