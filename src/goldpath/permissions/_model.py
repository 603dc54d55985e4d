"""The values a decision is made from and made of: who asks, on what, and what was decided."""

from __future__ import annotations

from dataclasses import dataclass

from goldpath.permissions._registry import Permission

__all__ = ["Decision", "Resource", "Subject"]


@dataclass(frozen=True, slots=True)
class Subject:
    """Who asks: a catalog User and every group they are in.

    ``groups`` holds the groups the user is a member of and, transitively, those groups'
    parent groups (a member of ``payments-team`` is in ``engineering`` too). ``operator``
    marks the in-process CLI run without ``--as``: whoever holds the database and the
    configuration is not bound by the policy, only recorded.
    """

    user_ref: str
    groups: frozenset[str] = frozenset()
    operator: bool = False

    @property
    def refs(self) -> frozenset[str]:
        """The user and all their groups: what an owner ref is compared with."""
        return self.groups | {self.user_ref}


@dataclass(frozen=True, slots=True)
class Resource:
    """What a permission is asked about, reduced to what rules look at.

    ``owners`` are the refs that own it (an entity's ``spec.owner``; a task's creator and
    the owner of what it creates; a user themself); ``allowed_groups`` is a template's
    restriction (None: anyone may use it).
    """

    type: str
    ref: str
    kind: str | None = None
    owners: frozenset[str] = frozenset()
    tags: frozenset[str] = frozenset()
    allowed_groups: frozenset[str] | None = None

    def owned_by(self, subject: Subject) -> bool:
        """Whether the subject is one of the owners (themself or through a group)."""
        return bool(self.owners & subject.refs)

    def allows(self, subject: Subject) -> bool:
        """Whether the resource's group restriction (if any) lets the subject in."""
        return self.allowed_groups is None or bool(self.allowed_groups & subject.refs)


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer for one subject, permission and resource, and the rule that gave it."""

    permission: Permission
    subject: Subject
    resource: Resource | None
    allowed: bool
    rule: str
    reason: str

    @property
    def denied(self) -> bool:
        """The opposite of ``allowed`` (reads better in templates)."""
        return not self.allowed

    @property
    def resource_ref(self) -> str | None:
        """The resource's ref, when the decision was about one."""
        return self.resource.ref if self.resource is not None else None

    @property
    def sentence(self) -> str:
        """The reason as a sentence naming the permission, for a disabled button's hover."""
        text = self.reason[:1].upper() + self.reason[1:]
        return f"{text} ({self.permission.name})."

    def as_dict(self) -> dict[str, object]:
        """A JSON-friendly form (``goldpath permissions explain --json``)."""
        return {
            "user": self.subject.user_ref,
            "groups": sorted(self.subject.groups),
            "permission": self.permission.name,
            "resource": self.resource_ref,
            "decision": "allow" if self.allowed else "deny",
            "rule": self.rule,
            "reason": self.reason,
        }
