"""Rules: which permissions, under which conditions, allow or deny; and reading them from YAML."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from goldpath.catalog import parse_entity_ref
from goldpath.errors import FieldError, GoldpathError
from goldpath.permissions._model import Resource, Subject
from goldpath.permissions._registry import PERMISSIONS, Permission, PermissionRegistry

__all__ = [
    "CONDITION_KEYS",
    "Conditions",
    "Effect",
    "Rule",
    "normalise_ref",
    "parse_rules",
    "rule",
]

Effect = Literal["allow", "deny"]

# condition key -> the kind a bare name in it means (None: not a list of refs)
_REF_LISTS: dict[str, str] = {"users": "user", "groups": "group", "owners": "group"}
_WORD_LISTS = ("kinds", "tags", "resources")
_FLAGS = ("admin", "owner", "in_allowed_groups")
CONDITION_KEYS = (*_REF_LISTS, *_WORD_LISTS, *_FLAGS)
_RULE_KEYS = ("name", "permission", "decision", "when", "reason")


def normalise_ref(ref: str, *, default_kind: str, field: str = "ref") -> str:
    """A ref in canonical form (``group:default/team-a`` for ``team-a``)."""
    return parse_entity_ref(ref, default_kind=default_kind, field=field).key


@dataclass(frozen=True, slots=True)
class Conditions:
    """What must hold for a rule to apply; every given condition must (an absent one is not asked).

    Lists match when any of their items does: ``groups`` when the user is in one of them,
    ``users`` when the user is one of them, ``owners`` when the resource's owner is one of
    them, ``kinds``/``tags`` when the resource's kind/one of its tags is, ``resources`` when
    the resource's ref matches one of these ``*`` patterns (``publish:*``). ``admin`` and
    ``owner`` compare with whether the user is a platform admin / owns the resource;
    ``in_allowed_groups`` with whether a restricted resource (a template naming its allowed
    groups) lets the user in. Conditions on the resource do not hold when there is none,
    except ``in_allowed_groups: true`` (nothing restricts).
    """

    users: frozenset[str] | None = None
    groups: frozenset[str] | None = None
    owners: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    tags: frozenset[str] | None = None
    resources: frozenset[str] | None = None
    admin: bool | None = None
    owner: bool | None = None
    in_allowed_groups: bool | None = None

    def hold(self, subject: Subject, resource: Resource | None, *, admin: bool) -> bool:
        """Whether every given condition holds for this subject and resource."""
        checks: list[bool] = []
        if self.users is not None:
            checks.append(subject.user_ref in self.users)
        if self.groups is not None:
            checks.append(bool(self.groups & subject.groups))
        if self.admin is not None:
            checks.append(admin == self.admin)
        if self.owner is not None:
            owns = resource is not None and resource.owned_by(subject)
            checks.append(owns == self.owner)
        if self.in_allowed_groups is not None:
            allowed = resource is None or resource.allows(subject)
            checks.append(allowed == self.in_allowed_groups)
        if self.owners is not None:
            checks.append(resource is not None and bool(resource.owners & self.owners))
        if self.kinds is not None:
            checks.append(
                resource is not None
                and resource.kind is not None
                and resource.kind.lower() in self.kinds
            )
        if self.tags is not None:
            checks.append(resource is not None and bool(resource.tags & self.tags))
        if self.resources is not None:
            checks.append(
                resource is not None
                and any(fnmatch.fnmatchcase(resource.ref.lower(), p) for p in self.resources)
            )
        return all(checks)

    def as_dict(self) -> dict[str, Any]:
        """The conditions as written in a policy file (absent ones left out)."""
        out: dict[str, Any] = {}
        for key in CONDITION_KEYS:
            value = getattr(self, key)
            if value is not None:
                out[key] = sorted(value) if isinstance(value, frozenset) else value
        return out


@dataclass(frozen=True, slots=True)
class Rule:
    """Allow or deny some permissions when conditions hold; the first rule that applies wins."""

    name: str
    patterns: tuple[str, ...]
    permissions: frozenset[str]
    effect: Effect
    when: Conditions = Conditions()
    reason: str | None = None

    @property
    def is_default(self) -> bool:
        """Whether this is one of the built-in default rules (``default:...``)."""
        return self.name.startswith("default:")

    def applies(
        self, permission: Permission, subject: Subject, resource: Resource | None, *, admin: bool
    ) -> bool:
        """Whether the rule names the permission and its conditions hold."""
        return permission.name in self.permissions and self.when.hold(
            subject, resource, admin=admin
        )


def rule(
    name: str,
    patterns: Iterable[str],
    effect: Effect,
    *,
    when: Conditions | None = None,
    reason: str | None = None,
    registry: PermissionRegistry = PERMISSIONS,
) -> Rule:
    """A rule from permission names or patterns (raises for unknown ones)."""
    written = tuple(patterns)
    names = frozenset(p.name for pattern in written for p in registry.matching(pattern))
    return Rule(name, written, names, effect, when or Conditions(), reason)


def _strings(value: object, where: str, problems: list[FieldError]) -> list[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problems.append(FieldError(where, "type", "must be a string or a non-empty list of them"))
        return None
    if not all(isinstance(item, str) and item.strip() for item in items):
        problems.append(FieldError(where, "type", "every item must be a non-empty string"))
        return None
    return [item.strip() for item in items]


def _conditions(data: object, where: str, problems: list[FieldError]) -> Conditions:
    if data is None:
        return Conditions()
    if not isinstance(data, Mapping):
        problems.append(FieldError(where, "type", "must be a mapping of conditions"))
        return Conditions()
    values: dict[str, Any] = {}
    for key, value in data.items():
        at = f"{where}.{key}"
        if key in _FLAGS:
            if not isinstance(value, bool):
                problems.append(FieldError(at, "type", "must be true or false"))
                continue
            values[key] = value
        elif key in _REF_LISTS:
            items = _strings(value, at, problems)
            if items is None:
                continue
            refs: set[str] = set()
            for index, item in enumerate(items):
                try:
                    refs.add(
                        normalise_ref(item, default_kind=_REF_LISTS[key], field=f"{at}[{index}]")
                    )
                except GoldpathError as exc:
                    problems.extend(getattr(exc, "errors", []) or [FieldError(at, "ref", str(exc))])
            values[key] = frozenset(refs)
        elif key in _WORD_LISTS:
            items = _strings(value, at, problems)
            if items is not None:
                values[key] = frozenset(item.lower() for item in items)
        else:
            problems.append(
                FieldError(
                    at, "known", f"unknown condition {key!r}; use {', '.join(CONDITION_KEYS)}"
                )
            )
    return Conditions(**values)


def _parse_rule(
    data: object, index: int, registry: PermissionRegistry, problems: list[FieldError]
) -> Rule | None:
    where = f"rules[{index}]"
    if not isinstance(data, Mapping):
        problems.append(FieldError(where, "type", "each rule must be a mapping"))
        return None
    before = len(problems)
    for key in data:
        if key not in _RULE_KEYS:
            problems.append(
                FieldError(
                    f"{where}.{key}", "known", f"unknown key {key!r}; use {', '.join(_RULE_KEYS)}"
                )
            )
    name = data.get("name", f"rule {index + 1}")
    if not isinstance(name, str) or not name.strip():
        problems.append(FieldError(f"{where}.name", "type", "must be a non-empty string"))
        name = f"rule {index + 1}"
    reason = data.get("reason")
    if reason is not None and not isinstance(reason, str):
        problems.append(FieldError(f"{where}.reason", "type", "must be a string"))
        reason = None
    effect = data.get("decision")
    if effect not in ("allow", "deny"):
        problems.append(FieldError(f"{where}.decision", "enum", "must be allow or deny"))
    patterns: list[str] = []
    if "permission" not in data:
        problems.append(
            FieldError(f"{where}.permission", "required", "name a permission (or a pattern)")
        )
    else:
        patterns = _strings(data["permission"], f"{where}.permission", problems) or []
    names: set[str] = set()
    for position, pattern in enumerate(patterns):
        field = f"{where}.permission" + (f"[{position}]" if len(patterns) > 1 else "")
        try:
            names.update(p.name for p in registry.matching(pattern, field=field))
        except GoldpathError as exc:
            problems.extend(getattr(exc, "errors", []))
    when = _conditions(data.get("when"), f"{where}.when", problems)
    if len(problems) > before or effect not in ("allow", "deny"):
        return None
    return Rule(
        name=f"policy:{name.strip()}",
        patterns=tuple(patterns),
        permissions=frozenset(names),
        effect=effect,
        when=when,
        reason=reason.strip() if isinstance(reason, str) and reason.strip() else None,
    )


def parse_rules(data: object, *, registry: PermissionRegistry = PERMISSIONS) -> tuple[Rule, ...]:
    """The rules of a policy document (``{rules: [...]}``); PolicyError lists every problem."""
    from goldpath.permissions.errors import PolicyError

    problems: list[FieldError] = []
    if data is None:
        return ()
    if not isinstance(data, Mapping):
        raise PolicyError(
            "the policy must be a mapping with a rules list",
            errors=[FieldError("rules", "type", "the document must be {rules: [...]}")],
        )
    for key in data:
        if key != "rules":
            problems.append(FieldError(str(key), "known", f"unknown key {key!r}; use rules"))
    raw = data.get("rules", [])
    if not isinstance(raw, list):
        problems.append(FieldError("rules", "type", "must be a list of rules"))
        raw = []
    rules: list[Rule] = []
    seen: dict[str, int] = {}
    for index, item in enumerate(raw):
        parsed = _parse_rule(item, index, registry, problems)
        if parsed is None:
            continue
        if parsed.name in seen:
            name = parsed.name.removeprefix("policy:")
            message = f"{name!r} already names rules[{seen[parsed.name]}]"
            problems.append(FieldError(f"rules[{index}].name", "unique", message))
            continue
        seen[parsed.name] = index
        rules.append(parsed)
    if problems:
        raise PolicyError(f"the policy has {len(problems)} problem(s)", errors=problems)
    return tuple(rules)
