"""The policy: the rules of ``permission.policy`` first, then the defaults; first match wins."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from goldpath.config import ConfigProblem, Settings
from goldpath.errors import FieldError, GoldpathError
from goldpath.permissions._model import Decision, Resource, Subject
from goldpath.permissions._registry import TEMPLATE, Permission
from goldpath.permissions._rules import Conditions, Rule, normalise_ref, parse_rules, rule
from goldpath.permissions.errors import PolicyError

__all__ = [
    "OPERATOR_RULE",
    "Policy",
    "default_rules",
    "load_policy",
    "permission_problems",
    "read_policy_file",
]

OPERATOR_RULE = "operator"

_OWNED = (
    "catalog.entity.refresh",
    "catalog.entity.delete",
    "scaffolder.task.read",
    "scaffolder.task.cancel",
    "promotion.create",
    "promotion.approve",
    "fleet.upgrade",
    "mergerequest.approve",
    "mergerequest.merge",
    "mergerequest.close",
    "local.run",
    "git.app.push",
    "techdocs.build",
    "token.create",
    "token.delete",
)


def default_rules(*, development: bool) -> tuple[Rule, ...]:
    """The default policy as rules, in order; the last denies whatever nothing allowed."""
    rules = [
        rule(
            "default:admins",
            ["*"],
            "allow",
            when=Conditions(admin=True),
            reason="platform admins (members of permission.admin_groups) may do everything",
        ),
        rule(
            "default:read-catalog",
            ["catalog.entity.read", "catalog.location.read"],
            "allow",
            reason="everyone signed in reads the catalog",
        ),
        rule(
            "default:use-templates",
            ["scaffolder.template.parameter.read", "scaffolder.task.create"],
            "allow",
            when=Conditions(in_allowed_groups=True),
            reason="everyone signed in uses templates that do not restrict their users",
        ),
        rule(
            "default:run-actions",
            ["scaffolder.action.execute"],
            "allow",
            reason="a template's actions run for whoever may run the template",
        ),
        rule(
            "default:owners",
            _OWNED,
            "allow",
            when=Conditions(owner=True),
            reason="owners act on what they own (a task is owned by its creator and the "
            "owners of what it creates; a user owns themself)",
        ),
    ]
    if development:
        rules.append(
            rule(
                "default:development-locations",
                ["catalog.location.create", "catalog.location.delete"],
                "allow",
                reason="in development everyone signed in registers and unregisters locations",
            )
        )
    rules.append(rule("default:deny", ["*"], "deny", reason="no rule allows it"))
    return tuple(rules)


def _deny_reason(permission: Permission, resource: Resource | None, matched: Rule) -> str:
    if not matched.is_default:
        return matched.reason or f"policy rule {matched.name.removeprefix('policy:')!r} denies it"
    if (
        permission.resource_type == TEMPLATE
        and resource is not None
        and resource.allowed_groups is not None
    ):
        groups = ", ".join(sorted(resource.allowed_groups)) or "no group"
        return f"only members of {groups} and platform admins may {permission.what}"
    if resource is None and "owner" in permission.who:
        # asked about no one resource (refresh everything): nobody owns "everything"
        return f"only platform admins may {permission.what.replace('this ', 'every ', 1)}"
    owned = (
        f" (owned by {', '.join(sorted(resource.owners))})" if resource and resource.owners else ""
    )
    return f"only {permission.who} may {permission.what}{owned}"


class Policy:
    """Decides permissions for subjects from an ordered rule list and the admin groups."""

    def __init__(self, rules: Sequence[Rule], *, admin_groups: frozenset[str]) -> None:
        self.rules = tuple(rules)
        self.admin_groups = admin_groups

    @classmethod
    def default(cls, *, development: bool, admin_groups: frozenset[str]) -> Policy:
        """The default policy alone (no policy file)."""
        return cls(default_rules(development=development), admin_groups=admin_groups)

    @property
    def policy_rules(self) -> tuple[Rule, ...]:
        """The rules that came from the policy file."""
        return tuple(r for r in self.rules if not r.is_default)

    def is_admin(self, subject: Subject) -> bool:
        """Whether the subject is a platform admin (in one of ``permission.admin_groups``)."""
        return bool(self.admin_groups & subject.refs)

    def decide(
        self, subject: Subject, permission: Permission, resource: Resource | None = None
    ) -> Decision:
        """The first rule that applies decides; with none, the permission is denied."""
        if subject.operator:
            return Decision(
                permission,
                subject,
                resource,
                True,
                OPERATOR_RULE,
                "the in-process CLI acts as the operator, who holds the database",
            )
        admin = self.is_admin(subject)
        for candidate in self.rules:
            if candidate.applies(permission, subject, resource, admin=admin):
                allowed = candidate.effect == "allow"
                reason = (
                    candidate.reason or f"policy rule {candidate.name} allows it"
                    if allowed
                    else _deny_reason(permission, resource, candidate)
                )
                return Decision(permission, subject, resource, allowed, candidate.name, reason)
        return Decision(permission, subject, resource, False, "none", "no rule applies")


def read_policy_file(path: Path) -> tuple[Rule, ...]:
    """The rules of a policy YAML file; PolicyError naming the file and every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PolicyError(
            f"cannot read the policy file {path}: {exc.strerror or exc}",
            errors=[FieldError("permission.policy", "readable", f"cannot read {path}")],
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise PolicyError(
            f"the policy file {path} is not valid YAML",
            errors=[FieldError("permission.policy", "yaml", first)],
        ) from exc
    try:
        return parse_rules(data)
    except PolicyError as exc:
        raise PolicyError(f"the policy file {path}: {exc.message}", errors=exc.errors) from exc


def _admin_groups(settings: Settings) -> frozenset[str]:
    groups: set[str] = set()
    problems: list[FieldError] = []
    for index, ref in enumerate(settings.permission.admin_groups):
        field = f"permission.admin_groups[{index}]"
        try:
            key = normalise_ref(ref, default_kind="group", field=field)
        except GoldpathError as exc:
            problems.extend(getattr(exc, "errors", []) or [FieldError(field, "ref", str(exc))])
            continue
        if not key.startswith("group:"):
            problems.append(FieldError(field, "kind", f"{ref!r} must name a Group"))
            continue
        groups.add(key)
    if problems:
        raise PolicyError(
            "permission.admin_groups names something that is not a group", errors=problems
        )
    return frozenset(groups)


def load_policy(settings: Settings) -> Policy:
    """The policy these settings ask for: the policy file's rules, then the defaults."""
    admin_groups = _admin_groups(settings)
    path = settings.permission.policy
    file_rules = read_policy_file(path) if path is not None else ()
    defaults = default_rules(development=not settings.is_production)
    return Policy((*file_rules, *defaults), admin_groups=admin_groups)


def permission_problems(settings: Settings) -> list[ConfigProblem]:
    """Every reason the permission settings cannot start (for ``goldpath config check``)."""
    problems: list[ConfigProblem] = []

    def add(key: str, message: str) -> None:
        problems.append(ConfigProblem(key=key, env_var=settings.env_var_for(key), message=message))

    try:
        _admin_groups(settings)
    except PolicyError as exc:
        for error in exc.errors:
            add("permission.admin_groups", f"{error.field}: {error.message}")
    if settings.is_production and not settings.permission.admin_groups:
        add(
            "permission.admin_groups",
            "no admin group: nobody could register locations or read the audit log",
        )
    path = settings.permission.policy
    if path is not None:
        try:
            read_policy_file(path)
        except PolicyError as exc:
            if not exc.errors:
                add("permission.policy", exc.message)
            for error in exc.errors:
                where = "" if error.field == "permission.policy" else f"{error.field}: "
                add("permission.policy", f"{path}: {where}{error.message}")
    return problems
