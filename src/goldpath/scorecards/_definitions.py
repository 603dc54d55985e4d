"""Scorecard checks as the platform team writes them: YAML files of checks.

goldpath ships ``checks/default.yaml``; ``scorecards.check_files`` adds the platform team's
own files and ``scorecards.disabled_checks`` turns shipped ones off. A file looks like::

    apiVersion: goldpath.dev/v1alpha1
    kind: ScorecardChecks
    checks:
      - id: has-runbook
        title: Has a runbook
        description: Operators find the runbook next to the code.
        appliesTo: {kind: [Component], type: [service]}
        rule:
          fileExists: {anyOf: [docs/runbook.md]}

A file with any problem is refused as a whole, every problem named by field and rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from goldpath.config import ConfigProblem, Settings
from goldpath.errors import FieldError
from goldpath.safe_yaml import YamlError, load_yaml
from goldpath.scorecards._model import CheckResult
from goldpath.scorecards._rules import Evidence, RepoKind, Rule, _Problems, _safe, parse_rule
from goldpath.scorecards.errors import CheckDefinitionError

__all__ = [
    "API_VERSION",
    "DEFAULT_CHECKS",
    "FILE_KIND",
    "AppliesTo",
    "Check",
    "CheckSet",
    "load_check_set",
    "parse_checks",
    "scorecard_problems",
]

API_VERSION = "goldpath.dev/v1alpha1"
FILE_KIND = "ScorecardChecks"
DEFAULT_CHECKS = "default.yaml"
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_MAX_ID = 63
_MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class AppliesTo:
    """Which entities a check scores: kinds and (optionally) ``spec.type``s, any case."""

    kinds: frozenset[str] = frozenset({"component"})
    types: frozenset[str] | None = None

    def matches(self, entity: Mapping[str, Any]) -> bool:
        """Whether the check scores this entity."""
        if str(entity.get("kind", "")).lower() not in self.kinds:
            return False
        if self.types is None:
            return True
        spec = entity.get("spec")
        kind = spec.get("type") if isinstance(spec, Mapping) else None
        return isinstance(kind, str) and kind.lower() in self.types


@dataclass(frozen=True, slots=True)
class Check:
    """One check: an id, words for people, what it applies to and its rule."""

    id: str
    title: str
    description: str
    applies_to: AppliesTo
    rule: Rule
    source: str = DEFAULT_CHECKS

    def evaluate(self, evidence: Evidence) -> CheckResult:
        """The check's result for the entity ``evidence`` holds."""
        outcome = _safe(self.rule, evidence)
        return CheckResult(
            id=self.id, passed=outcome.passed, message=outcome.message, title=self.title
        )


@dataclass(frozen=True, slots=True)
class CheckSet:
    """Every active check, in order: shipped ones first, then each extra file's."""

    checks: tuple[Check, ...]

    def __iter__(self) -> Iterator[Check]:
        return iter(self.checks)

    def __len__(self) -> int:
        return len(self.checks)

    @property
    def kinds(self) -> frozenset[str]:
        """Every entity kind some check applies to."""
        return frozenset(kind for check in self.checks for kind in check.applies_to.kinds)

    def applicable(self, entity: Mapping[str, Any]) -> tuple[Check, ...]:
        """The checks that score this entity, in order."""
        return tuple(check for check in self.checks if check.applies_to.matches(entity))

    def get(self, check_id: str) -> Check:
        """The check with this id; KeyError when there is none."""
        for check in self.checks:
            if check.id == check_id:
                return check
        raise KeyError(check_id)

    def repositories(self, checks: Iterable[Check]) -> frozenset[RepoKind]:
        """The repositories these checks read."""
        return frozenset(repo for check in checks for repo in check.rule.repositories)


def _names(value: object, where: str, problems: _Problems) -> frozenset[str] | None:
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not items:
        problems.add(where, "type", "must be a name or a non-empty list of names")
        return None
    if not all(isinstance(item, str) and item.strip() for item in items):
        problems.add(where, "type", "must hold only non-empty strings")
        return None
    return frozenset(str(item).strip().lower() for item in items)


def _applies_to(value: object, where: str, problems: _Problems) -> AppliesTo | None:
    if value is None:
        return AppliesTo()
    if not isinstance(value, Mapping):
        problems.add(where, "type", "must be a mapping with kind and/or type")
        return None
    for key in value:
        if key not in ("kind", "type"):
            problems.add(f"{where}.{key}", "unknown-key", "is not kind or type")
    kinds = _names(value["kind"], f"{where}.kind", problems) if "kind" in value else None
    types = _names(value["type"], f"{where}.type", problems) if "type" in value else None
    if ("kind" in value and kinds is None) or ("type" in value and types is None):
        return None
    return AppliesTo(kinds=kinds or frozenset({"component"}), types=types)


def _check(item: object, where: str, problems: _Problems, source: str) -> Check | None:
    if not isinstance(item, Mapping):
        problems.add(where, "type", "must be a mapping (id, title, rule, ...)")
        return None
    allowed = ("id", "title", "description", "appliesTo", "rule")
    for key in item:
        if key not in allowed:
            problems.add(
                f"{where}.{key}", "unknown-key", f"is not a check field ({', '.join(allowed)})"
            )
    check_id = item.get("id")
    if check_id is None:
        problems.add(f"{where}.id", "required", "is required")
    elif not isinstance(check_id, str) or not _ID.match(check_id) or len(check_id) > _MAX_ID:
        problems.add(
            f"{where}.id",
            "pattern",
            f"must be lowercase letters and digits in hyphen-separated words, at most {_MAX_ID}",
        )
        check_id = None
    title = item.get("title", check_id)
    if title is not None and not (isinstance(title, str) and title.strip()):
        problems.add(f"{where}.title", "type", "must be a non-empty string")
    description = item.get("description", "")
    if not isinstance(description, str):
        problems.add(f"{where}.description", "type", "must be a string")
    applies_to = _applies_to(item.get("appliesTo"), f"{where}.appliesTo", problems)
    if "rule" not in item:
        problems.add(f"{where}.rule", "required", "is required")
        return None
    rule = parse_rule(item["rule"], f"{where}.rule", problems)
    if check_id is None or rule is None or applies_to is None:
        return None
    if not isinstance(title, str) or not isinstance(description, str):
        return None
    return Check(
        id=check_id,
        title=title.strip(),
        description=" ".join(description.split()),
        applies_to=applies_to,
        rule=rule,
        source=source,
    )


def parse_checks(document: object, *, where: str) -> tuple[Check, ...]:
    """The checks of one checks file; CheckDefinitionError names every problem."""
    problems = _Problems()
    checks: list[Check] = []
    if not isinstance(document, Mapping):
        problems.add("document", "type", "must be a mapping with apiVersion, kind and checks")
    else:
        for key in document:
            if key not in ("apiVersion", "kind", "checks"):
                problems.add(str(key), "unknown-key", "is not apiVersion, kind or checks")
        if document.get("apiVersion") != API_VERSION:
            problems.add("apiVersion", "enum", f"must be {API_VERSION}")
        if document.get("kind") != FILE_KIND:
            problems.add("kind", "enum", f"must be {FILE_KIND}")
        items = document.get("checks")
        if not isinstance(items, list) or not items:
            problems.add("checks", "required", "must be a non-empty list of checks")
            items = []
        seen: dict[str, int] = {}
        for index, item in enumerate(items):
            check = _check(item, f"checks[{index}]", problems, where)
            if check is None:
                continue
            if check.id in seen:
                problems.add(
                    f"checks[{index}].id",
                    "unique",
                    f"{check.id} is already checks[{seen[check.id]}]",
                )
                continue
            seen[check.id] = index
            checks.append(check)
    if problems.items:
        count = len(problems.items)
        raise CheckDefinitionError(
            f"scorecard checks {where} have {count} problem{'s' if count != 1 else ''}",
            errors=problems.items,
            where=where,
        )
    return tuple(checks)


def _load(data: bytes, where: str) -> tuple[Check, ...]:
    try:
        document = load_yaml(data, where=where, max_bytes=_MAX_FILE_BYTES)
    except YamlError as exc:
        raise CheckDefinitionError(
            f"scorecard checks {where} are not valid YAML", errors=list(exc.errors), where=where
        ) from exc
    return parse_checks(document, where=where)


def _default_bytes() -> bytes:
    return resources.files("goldpath.scorecards").joinpath("checks", DEFAULT_CHECKS).read_bytes()


def load_check_set(extra_files: Sequence[Path] = (), *, disabled: Sequence[str] = ()) -> CheckSet:
    """The shipped checks, less ``disabled``, then each extra file's, in order.

    An unreadable or invalid file, a check id defined twice, or a disabled id that is not
    a shipped check is a CheckDefinitionError naming the field and the rule.
    """
    shipped = _load(_default_bytes(), DEFAULT_CHECKS)
    shipped_ids = {check.id for check in shipped}
    unknown = [
        FieldError(
            f"scorecards.disabled_checks[{index}]",
            "shipped-check",
            f"{check_id} is not a shipped check ({', '.join(sorted(shipped_ids))})",
        )
        for index, check_id in enumerate(disabled)
        if check_id not in shipped_ids
    ]
    if unknown:
        raise CheckDefinitionError(
            "scorecards.disabled_checks names checks goldpath does not ship", errors=unknown
        )
    checks = [check for check in shipped if check.id not in disabled]
    for path in extra_files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CheckDefinitionError(
                f"scorecard checks file {path} cannot be read: {exc.strerror}",
                errors=[
                    FieldError("scorecards.check_files", "readable", f"{path}: {exc.strerror}")
                ],
                where=str(path),
            ) from exc
        for check in _load(data, str(path)):
            clash = next((c for c in checks if c.id == check.id), None)
            if clash is not None:
                raise CheckDefinitionError(
                    f"scorecard check {check.id} in {path} is already defined in {clash.source}",
                    errors=[
                        FieldError(
                            "checks.id",
                            "unique",
                            f"{check.id} is defined in {clash.source} and {path}; to replace "
                            "a shipped check, list it in scorecards.disabled_checks",
                        )
                    ],
                    where=str(path),
                )
            checks.append(check)
    return CheckSet(tuple(checks))


def scorecard_problems(settings: Settings) -> list[ConfigProblem]:
    """Every reason the scorecard settings cannot start (for ``goldpath config check``)."""
    config = settings.scorecards
    try:
        load_check_set(config.check_files, disabled=config.disabled_checks)
    except CheckDefinitionError as exc:
        where = exc.context.get("where")
        problems = []
        for error in exc.errors or [FieldError("scorecards.check_files", "valid", exc.message)]:
            if error.field.startswith("scorecards."):
                key = error.field.split("[", 1)[0]
                message = error.message
            else:
                key = "scorecards.check_files"
                message = f"{where}: {error.field}: {error.message}"
            problems.append(
                ConfigProblem(key=key, env_var=settings.env_var_for(key), message=message)
            )
        return problems
    return []
