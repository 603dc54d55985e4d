"""Named permissions: Backstage's names where they exist, goldpath's own for the rest."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from goldpath.errors import FieldError
from goldpath.permissions.errors import UnknownPermissionError

__all__ = [
    "ACTION",
    "ENTITY",
    "LOCATION",
    "PERMISSIONS",
    "TASK",
    "TEMPLATE",
    "USER",
    "Action",
    "Permission",
    "PermissionRegistry",
]

Action = Literal["read", "create", "update", "delete"]

# Resource types, as Backstage names them where it has them.
ENTITY = "catalog-entity"
LOCATION = "catalog-location"
TEMPLATE = "scaffolder-template"
TASK = "scaffolder-task"
ACTION = "scaffolder-action"
USER = "user"

_PATTERN = re.compile(r"^[a-z*][a-z0-9.*-]*$")


@dataclass(frozen=True, slots=True)
class Permission:
    """One thing someone may or may not do: its name, what kind of act it is, and on what.

    ``what`` completes "may not ..." in a denial; ``who`` says who the default policy lets
    do it, so a refusal can tell the caller whom to ask.
    """

    name: str
    action: Action
    resource_type: str | None
    what: str
    who: str

    @property
    def changes_something(self) -> bool:
        """Whether an allowed decision is recorded in the audit log (every denial is)."""
        return self.action != "read"


class PermissionRegistry:
    """Every permission by name; unknown names raise, patterns must match something."""

    def __init__(self, permissions: tuple[Permission, ...]) -> None:
        self._by_name: dict[str, Permission] = {}
        for permission in permissions:
            if permission.name in self._by_name:
                raise ValueError(f"permission {permission.name!r} is registered twice")
            self._by_name[permission.name] = permission

    def __iter__(self) -> Iterator[Permission]:
        return iter(self._by_name.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str, *, field: str = "permission") -> Permission:
        """The permission with this name; UnknownPermissionError naming it otherwise."""
        found = self._by_name.get(name)
        if found is None:
            raise UnknownPermissionError(
                f"unknown permission {name!r}",
                errors=[FieldError(field, "known", self.unknown_message(name))],
                permission=name,
            )
        return found

    def unknown_message(self, name: str) -> str:
        """Why a name is not a permission, with the closest known names as a hint."""
        close = [p for p in self._by_name if p.rsplit(".", 1)[0] == name.rsplit(".", 1)[0]]
        hint = close or sorted(self._by_name)
        return f"{name!r} is not a permission; known: {', '.join(sorted(hint))}"

    def matching(self, pattern: str, *, field: str = "permission") -> tuple[Permission, ...]:
        """Every permission a name or ``*`` wildcard pattern names; at least one, or it raises."""
        if not _PATTERN.match(pattern):
            raise UnknownPermissionError(
                f"{pattern!r} is not a permission name or pattern",
                errors=[
                    FieldError(
                        field,
                        "pattern",
                        f"{pattern!r} must be lowercase letters, digits, '.', '-' and '*'",
                    )
                ],
                permission=pattern,
            )
        if "*" not in pattern:
            return (self.get(pattern, field=field),)
        found = tuple(p for p in self if fnmatch.fnmatchcase(p.name, pattern))
        if not found:
            raise UnknownPermissionError(
                f"{pattern!r} matches no permission",
                errors=[FieldError(field, "known", f"{pattern!r} matches no permission")],
                permission=pattern,
            )
        return found


def _p(name: str, action: Action, resource_type: str | None, what: str, who: str) -> Permission:
    return Permission(name=name, action=action, resource_type=resource_type, what=what, who=who)


_OWNERS = "its owners and platform admins"
_ADMINS = "platform admins"

PERMISSIONS = PermissionRegistry(
    (
        # Backstage's catalog permissions.
        _p("catalog.entity.read", "read", ENTITY, "read catalog entities", "everyone signed in"),
        _p("catalog.entity.refresh", "update", ENTITY, "refresh this entity", _OWNERS),
        _p("catalog.entity.delete", "delete", ENTITY, "delete this entity", _OWNERS),
        _p("catalog.location.read", "read", LOCATION, "read locations", "everyone signed in"),
        _p(
            "catalog.location.create",
            "create",
            LOCATION,
            "register locations",
            "platform admins (everyone in development)",
        ),
        _p(
            "catalog.location.delete",
            "delete",
            LOCATION,
            "unregister locations",
            "platform admins (everyone in development)",
        ),
        # Backstage's scaffolder permissions.
        _p(
            "scaffolder.template.parameter.read",
            "read",
            TEMPLATE,
            "use this template",
            "the groups the template allows and platform admins",
        ),
        _p(
            "scaffolder.task.create",
            "create",
            TEMPLATE,
            "run this template",
            "the groups the template allows and platform admins",
        ),
        _p(
            "scaffolder.task.read",
            "read",
            TASK,
            "read this task's parameters and log",
            "its creator, the owners of what it creates and platform admins",
        ),
        _p(
            "scaffolder.task.cancel",
            "update",
            TASK,
            "cancel this task",
            "its creator, the owners of what it creates and platform admins",
        ),
        _p(
            "scaffolder.action.execute",
            "create",
            ACTION,
            "run this action",
            "everyone who may run the template",
        ),
        # goldpath's own.
        _p("promotion.create", "create", ENTITY, "promote this component", _OWNERS),
        _p("promotion.approve", "update", ENTITY, "approve this promotion", _OWNERS),
        _p("fleet.upgrade", "update", ENTITY, "upgrade this component's template", _OWNERS),
        _p("mergerequest.approve", "update", ENTITY, "approve this merge request", _OWNERS),
        _p("mergerequest.merge", "update", ENTITY, "merge this merge request", _OWNERS),
        _p("mergerequest.close", "update", ENTITY, "close this merge request", _OWNERS),
        _p("local.run", "create", ENTITY, "run this component locally", _OWNERS),
        _p("git.app.push", "update", ENTITY, "push to this component's repository", _OWNERS),
        _p("git.gitops.push", "update", ENTITY, "push to GitOps repositories", _ADMINS),
        _p("techdocs.build", "update", ENTITY, "rebuild this entity's docs", _OWNERS),
        _p("token.create", "create", USER, "create API tokens for this user", "the user"),
        _p("token.delete", "delete", USER, "revoke this user's API tokens", "the user"),
        _p("audit.read", "read", None, "read the audit log", _ADMINS),
        _p(
            "platform.operate",
            "update",
            None,
            "operate the platform (deploy, backend, repository split)",
            _ADMINS,
        ),
    )
)
"""Every permission goldpath knows; ``PERMISSIONS.get(name)`` raises for unknown names."""
