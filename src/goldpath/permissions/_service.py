"""The permission service: subjects from the catalog, decisions from the policy, the audit log."""

from __future__ import annotations

from collections.abc import Iterable

from goldpath.permissions._audit import AuditLog
from goldpath.permissions._directory import Directory
from goldpath.permissions._model import Decision, Resource, Subject
from goldpath.permissions._policy import Policy
from goldpath.permissions._registry import PERMISSIONS, Permission
from goldpath.permissions.errors import NotAllowedError

__all__ = ["PermissionService", "operator_subject"]


def operator_subject(name: str) -> Subject:
    """The in-process CLI without ``--as``: recorded as ``operator:<name>``, bound by no rule."""
    return Subject(user_ref=f"operator:{name}".lower(), operator=True)


class PermissionService:
    """Everything the edges (web, CLI) ask about permissions. It speaks no HTTP."""

    def __init__(self, *, policy: Policy, directory: Directory, audit: AuditLog) -> None:
        self.policy = policy
        self.directory = directory
        self.audit = audit

    def subject(self, user_ref: str) -> Subject:
        """The subject for a catalog User: their groups and parent groups from the catalog."""
        ref = user_ref.lower()
        return Subject(user_ref=ref, groups=self.directory.groups_of(ref))

    def known_subject(self, user_ref: str) -> Subject | None:
        """``subject(user_ref)`` when the directory has the groups at hand (no IO), else None."""
        ref = user_ref.lower()
        groups = self.directory.known_groups_of(ref)
        return None if groups is None else Subject(user_ref=ref, groups=groups)

    def is_admin(self, subject: Subject) -> bool:
        """Whether the subject is a platform admin."""
        return subject.operator or self.policy.is_admin(subject)

    def decide(
        self, subject: Subject, permission: str | Permission, resource: Resource | None = None
    ) -> Decision:
        """The decision, unrecorded: for hiding buttons and filtering lists."""
        perm = permission if isinstance(permission, Permission) else PERMISSIONS.get(permission)
        return self.policy.decide(subject, perm, resource)

    def allowed(
        self, subject: Subject, permission: str | Permission, resources: Iterable[Resource]
    ) -> list[Resource]:
        """The resources the subject holds the permission on, in order (unrecorded)."""
        return [r for r in resources if self.decide(subject, permission, r).allowed]

    def authorize(
        self,
        subject: Subject,
        permission: str | Permission,
        resource: Resource | None = None,
        *,
        changes: bool = True,
    ) -> Decision:
        """Decide a request: record it when it changes something or is denied; raise when denied.

        ``changes=False`` is for a request that asks a changing permission but changes
        nothing (a dry run): only a refusal is recorded.
        """
        return self.conclude(self.decide(subject, permission, resource), changes=changes)

    @staticmethod
    def must_record(decision: Decision, *, changes: bool = True) -> bool:
        """Whether ``authorize`` writes this decision to the audit log (the only IO it does)."""
        return decision.denied or (changes and decision.permission.changes_something)

    def conclude(self, decision: Decision, *, changes: bool = True) -> Decision:
        """The second half of ``authorize``: record the decision when it must be, raise
        when it refuses (``changes`` as there)."""
        subject = decision.subject
        if self.must_record(decision, changes=changes):
            self.record(decision)
        if decision.denied:
            on = f" on {decision.resource_ref}" if decision.resource_ref else ""
            raise NotAllowedError(
                f"{subject.user_ref} may not {decision.permission.name}{on}: {decision.reason}",
                permission=decision.permission.name,
                rule=decision.rule,
                resource=decision.resource_ref,
                actor=subject.user_ref,
            )
        return decision

    def record(self, decision: Decision) -> None:
        """Write a decision to the audit log (a change is not made when it cannot be recorded)."""
        self.audit.record(decision)
