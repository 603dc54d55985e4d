"""The rules a check is made of, parsed from YAML and evaluated against a component.

A rule is a one-key mapping naming its kind::

    rule:
      fileExists: {repository: app, anyOf: [".gitlab-ci.yml"]}

Kinds: ``entityField``, ``entityRefExists``, ``fileExists``, ``fileMatches``, ``yamlValue``,
``dockerfileNonRoot``, ``templateUpToDate``, and ``allOf`` / ``anyOf`` of other rules.
Every rule answers with an ``Outcome``: passed or not, and one sentence saying why.
Parsing collects every problem (field, rule, message) instead of stopping at the first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from goldpath.catalog import EntityRef
from goldpath.errors import FieldError, GoldpathError
from goldpath.safe_yaml import YamlError, load_yaml
from goldpath.scorecards.errors import RepositoryUnavailableError

__all__ = [
    "REPOSITORIES",
    "RULE_KINDS",
    "Evidence",
    "Outcome",
    "RepoFiles",
    "RepoKind",
    "Rule",
    "compile_glob",
    "dockerfile_user",
    "parse_rule",
]

RepoKind = Literal["app", "gitops"]
REPOSITORIES: tuple[RepoKind, ...] = ("app", "gitops")
_REPO_NAMES = {"app": "application repository", "gitops": "GitOps repository"}
_MAX_RULE_DEPTH = 8
_MAX_YAML_BYTES = 2 * 1024 * 1024
ANSWERS_PATH = ".goldpath/answers.yaml"  # goldpath.fleet.ANSWERS_PATH


# ---- what rules look at --------------------------------------------------------------------


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A repository path glob as a regex: ``*`` and ``?`` stay inside one folder, ``**``
    crosses folders (``**/`` also matches no folder at all)."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:[^/]+/)*")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out), re.DOTALL)


@dataclass(frozen=True, slots=True)
class RepoFiles:
    """The files of one repository (path -> bytes) as one commit holds them."""

    where: str
    files: Mapping[str, bytes]
    commit: str | None = None

    def matching(self, glob: re.Pattern[str]) -> list[str]:
        """Every path the glob matches, sorted."""
        return sorted(path for path in self.files if glob.fullmatch(path))

    def text(self, path: str) -> str:
        """A file's text (undecodable bytes replaced)."""
        return self.files[path].decode("utf-8", errors="replace")


class Evidence(Protocol):
    """What a rule may look at: the entity, its repositories, the catalog, template versions."""

    @property
    def entity(self) -> Mapping[str, Any]:
        """The catalog entity being scored."""
        ...

    def repository(self, which: RepoKind) -> RepoFiles:
        """The repository's files; RepositoryUnavailableError saying why when unreadable."""
        ...

    def entity_exists(self, ref: EntityRef) -> bool:
        """Whether the catalog holds this entity."""
        ...

    def template_version(self, template_ref: str) -> str | None:
        """The template's current version; None when it is not known."""
        ...


@dataclass(frozen=True, slots=True)
class Outcome:
    """A rule's answer: passed or not, and why."""

    passed: bool
    message: str


class Rule(Protocol):
    """One parsed rule."""

    @property
    def repositories(self) -> frozenset[RepoKind]:
        """The repositories it reads (so unread ones are never fetched)."""
        ...

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Pass or fail, with a sentence."""
        ...


def _safe(rule: Rule, evidence: Evidence) -> Outcome:
    """Evaluate; an unreadable repository is a failure that says so."""
    try:
        return rule.evaluate(evidence)
    except RepositoryUnavailableError as exc:
        return Outcome(False, exc.message)


# ---- parsing helpers ------------------------------------------------------------------------


class _Problems:
    """Every problem found while parsing, each naming its field and rule."""

    def __init__(self) -> None:
        self.items: list[FieldError] = []

    def add(self, field_: str, rule: str, message: str) -> None:
        self.items.append(FieldError(field_, rule, message))


def _keys(
    data: Mapping[str, Any],
    where: str,
    problems: _Problems,
    *,
    allowed: Sequence[str],
    required: Sequence[str] = (),
) -> None:
    for key in data:
        if key not in allowed:
            problems.add(
                f"{where}.{key}",
                "unknown-key",
                f"is not a setting of this rule ({', '.join(allowed)})",
            )
    for key in required:
        if key not in data:
            problems.add(f"{where}.{key}", "required", "is required")


def _text(
    data: Mapping[str, Any],
    key: str,
    where: str,
    problems: _Problems,
    *,
    default: str | None = None,
) -> str | None:
    value = data.get(key, default)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        problems.add(f"{where}.{key}", "type", "must be a non-empty string")
        return None
    return value


def _glob(value: object, where: str, problems: _Problems) -> re.Pattern[str] | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(where, "type", "must be a non-empty path glob")
        return None
    segments = value.split("/")
    if value.startswith("/") or ".." in segments:
        problems.add(where, "relative-path", "must be a path inside the repository (no / or ..)")
        return None
    return compile_glob(value)


def _regex(value: object, where: str, problems: _Problems) -> re.Pattern[str] | None:
    if not isinstance(value, str) or not value:
        problems.add(where, "type", "must be a regular expression (a string)")
        return None
    try:
        return re.compile(value, re.MULTILINE)
    except re.error as exc:
        problems.add(where, "regex", f"is not a valid regular expression: {exc}")
        return None


def _repository(data: Mapping[str, Any], where: str, problems: _Problems) -> RepoKind:
    value = data.get("repository", "app")
    if value not in REPOSITORIES:
        problems.add(f"{where}.repository", "enum", "must be app or gitops")
        return "app"
    return value  # type: ignore[no-any-return]


def _dotted(value: object, where: str, problems: _Problems) -> tuple[str, ...] | None:
    if not isinstance(value, str) or not value.strip():
        problems.add(where, "type", "must be a dotted path such as spec.owner")
        return None
    segments = tuple(value.split("."))
    if any(not s for s in segments):
        problems.add(where, "dotted-path", "must not have empty segments")
        return None
    return segments


def _values_at(document: object, segments: Sequence[str]) -> list[object]:
    """The values a dotted path reaches; ``*`` stands for every key or item at its level."""
    values = [document]
    for segment in segments:
        found: list[object] = []
        for value in values:
            if segment == "*":
                if isinstance(value, Mapping):
                    found.extend(value.values())
                elif isinstance(value, list):
                    found.extend(value)
            elif isinstance(value, Mapping) and segment in value:
                found.append(value[segment])
            elif isinstance(value, list) and segment.isdigit() and int(segment) < len(value):
                found.append(value[int(segment)])
        values = found
    return values


def _present(value: object) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return bool(value.strip())
    if isinstance(value, Mapping | list):
        return bool(value)
    return True


def _same(value: object, expected: object) -> bool:
    if isinstance(value, bool) or isinstance(expected, bool):
        return value is expected
    if isinstance(value, str | int | float) and isinstance(expected, str | int | float):
        return str(value) == str(expected)
    return value == expected


def _scalar(value: object) -> bool:
    return isinstance(value, str | int | float | bool)


# ---- the rules ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class EntityField:
    """``entityField: {path, matches?}``: the entity has a non-empty value there."""

    path: tuple[str, ...]
    matches: re.Pattern[str] | None = None
    repositories: frozenset[RepoKind] = frozenset()

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Passes when the field holds a value (matching ``matches`` when given)."""
        name = ".".join(self.path)
        values = [v for v in _values_at(evidence.entity, self.path) if _present(v)]
        if not values:
            return Outcome(False, f"{name} is not set")
        if self.matches is None:
            return Outcome(True, f"{name} is set")
        for value in values:
            items = value if isinstance(value, list) else [value]
            for item in items:
                if _scalar(item) and self.matches.search(str(item)):
                    return Outcome(True, f"{name} is {item}")
        return Outcome(False, f"{name} does not match {self.matches.pattern}")

    @staticmethod
    def parse(data: Mapping[str, Any], where: str, problems: _Problems) -> Rule | None:
        _keys(data, where, problems, allowed=("path", "matches"), required=("path",))
        path = _dotted(data.get("path"), f"{where}.path", problems) if "path" in data else None
        matches = (
            _regex(data["matches"], f"{where}.matches", problems) if "matches" in data else None
        )
        return EntityField(path, matches) if path is not None else None


@dataclass(frozen=True, slots=True)
class EntityRefExists:
    """``entityRefExists: {path, defaultKind?}``: the field names an entity in the catalog."""

    path: tuple[str, ...]
    default_kind: str = "group"
    repositories: frozenset[RepoKind] = frozenset()

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Passes when the ref parses and the catalog holds that entity."""
        name = ".".join(self.path)
        values = [v for v in _values_at(evidence.entity, self.path) if _present(v)]
        if not values:
            return Outcome(False, f"{name} is not set")
        value = values[0]
        if not isinstance(value, str):
            return Outcome(False, f"{name} is not an entity ref")
        metadata = evidence.entity.get("metadata")
        namespace = (
            str(metadata.get("namespace") or "default")
            if isinstance(metadata, Mapping)
            else "default"
        )
        try:
            ref = EntityRef.parse(
                value, default_kind=self.default_kind, default_namespace=namespace, strict=False
            )
        except GoldpathError:
            return Outcome(False, f"{name} {value!r} is not an entity ref")
        if evidence.entity_exists(ref):
            return Outcome(True, f"{name} is {ref.key}, which is in the catalog")
        return Outcome(False, f"{name} is {ref.key}, which is not in the catalog")

    @staticmethod
    def parse(data: Mapping[str, Any], where: str, problems: _Problems) -> Rule | None:
        _keys(data, where, problems, allowed=("path", "defaultKind"), required=("path",))
        path = _dotted(data.get("path"), f"{where}.path", problems) if "path" in data else None
        kind = _text(data, "defaultKind", where, problems, default="group")
        return EntityRefExists(path, (kind or "group").lower()) if path is not None else None


@dataclass(frozen=True, slots=True)
class FileExists:
    """``fileExists: {repository?, anyOf: [glob, ...]}``: one of the paths is in the repo."""

    repository: RepoKind
    globs: tuple[tuple[str, re.Pattern[str]], ...]

    @property
    def repositories(self) -> frozenset[RepoKind]:
        """The one repository it reads."""
        return frozenset({self.repository})

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Passes with the first file found."""
        files = evidence.repository(self.repository)
        for _pattern, glob in self.globs:
            found = files.matching(glob)
            if found:
                more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
                return Outcome(True, f"{found[0]}{more} is in the {_REPO_NAMES[self.repository]}")
        wanted = ", ".join(text for text, _glob in self.globs)
        return Outcome(False, f"the {_REPO_NAMES[self.repository]} has no {wanted}")

    @staticmethod
    def parse(data: Mapping[str, Any], where: str, problems: _Problems) -> Rule | None:
        _keys(data, where, problems, allowed=("repository", "anyOf"), required=("anyOf",))
        repository = _repository(data, where, problems)
        items = data.get("anyOf")
        if items is None:
            return None
        if isinstance(items, str):
            items = [items]
        if not isinstance(items, list) or not items:
            problems.add(f"{where}.anyOf", "type", "must be a non-empty list of path globs")
            return None
        globs = []
        for index, item in enumerate(items):
            glob = _glob(item, f"{where}.anyOf[{index}]", problems)
            if glob is not None:
                globs.append((str(item), glob))
        return FileExists(repository, tuple(globs)) if len(globs) == len(items) else None


@dataclass(frozen=True, slots=True)
class FileMatches:
    """``fileMatches: {repository?, path, pattern}``: a file the glob names has a line the
    regular expression finds."""

    repository: RepoKind
    path_text: str
    path: re.Pattern[str]
    pattern: re.Pattern[str]

    @property
    def repositories(self) -> frozenset[RepoKind]:
        """The one repository it reads."""
        return frozenset({self.repository})

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Passes with the first file whose text the pattern finds."""
        files = evidence.repository(self.repository)
        found = files.matching(self.path)
        if not found:
            return Outcome(False, f"the {_REPO_NAMES[self.repository]} has no {self.path_text}")
        for path in found:
            if self.pattern.search(files.text(path)):
                return Outcome(True, f"{path} matches {self.pattern.pattern}")
        return Outcome(False, f"no {self.path_text} matches {self.pattern.pattern}")

    @staticmethod
    def parse(data: Mapping[str, Any], where: str, problems: _Problems) -> Rule | None:
        _keys(
            data,
            where,
            problems,
            allowed=("repository", "path", "pattern"),
            required=("path", "pattern"),
        )
        repository = _repository(data, where, problems)
        path = _glob(data["path"], f"{where}.path", problems) if "path" in data else None
        pattern = (
            _regex(data["pattern"], f"{where}.pattern", problems) if "pattern" in data else None
        )
        if path is None or pattern is None:
            return None
        return FileMatches(repository, str(data["path"]), path, pattern)


@dataclass(frozen=True, slots=True)
class YamlValue:
    """``yamlValue: {repository?, path, key, equals? | contains?}``: a YAML file holds a
    value at the dotted key (``*`` is any key); ``equals`` compares it, ``contains`` looks
    for an item of a list."""

    repository: RepoKind
    path: str
    key: tuple[str, ...]
    test: Literal["exists", "equals", "contains"] = "exists"
    expected: object = None

    @property
    def repositories(self) -> frozenset[RepoKind]:
        """The one repository it reads."""
        return frozenset({self.repository})

    def _describe(self) -> str:
        key = ".".join(self.key)
        if self.test == "equals":
            return f"{key}: {self.expected}"
        if self.test == "contains":
            return f"{key} listing {self.expected}"
        return key

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Passes when some value at the key satisfies the test."""
        files = evidence.repository(self.repository)
        if self.path not in files.files:
            return Outcome(False, f"the {_REPO_NAMES[self.repository]} has no {self.path}")
        try:
            document = load_yaml(files.files[self.path], where=self.path, max_bytes=_MAX_YAML_BYTES)
        except YamlError as exc:
            return Outcome(False, f"{self.path} is not valid YAML: {exc.errors[0].message}")
        for value in _values_at(document, self.key):
            if self.test == "exists" and _present(value):
                return Outcome(True, f"{self.path} has {self._describe()}")
            if self.test == "equals" and _same(value, self.expected):
                return Outcome(True, f"{self.path} has {self._describe()}")
            if (
                self.test == "contains"
                and isinstance(value, list)
                and any(_same(item, self.expected) for item in value)
            ):
                return Outcome(True, f"{self.path} has {self._describe()}")
        return Outcome(False, f"{self.path} has no {self._describe()}")

    @staticmethod
    def parse(data: Mapping[str, Any], where: str, problems: _Problems) -> Rule | None:
        _keys(
            data,
            where,
            problems,
            allowed=("repository", "path", "key", "equals", "contains"),
            required=("path", "key"),
        )
        repository = _repository(data, where, problems)
        path = _text(data, "path", where, problems)
        if path is not None and _glob(path, f"{where}.path", problems) is None:
            path = None
        key = _dotted(data.get("key"), f"{where}.key", problems) if "key" in data else None
        tests = [name for name in ("equals", "contains") if name in data]
        if len(tests) > 1:
            problems.add(f"{where}.contains", "exclusive", "give equals or contains, not both")
            return None
        test: Literal["exists", "equals", "contains"] = "exists"
        expected: object = None
        if tests:
            test = "equals" if tests[0] == "equals" else "contains"
            expected = data[tests[0]]
            if not _scalar(expected):
                problems.add(f"{where}.{tests[0]}", "type", "must be a string, number or boolean")
                return None
        if path is None or key is None:
            return None
        return YamlValue(repository, path, key, test, expected)


def _instructions(text: str) -> Iterator[tuple[str, str]]:
    """A Dockerfile's instructions as (KEYWORD, arguments), continuation lines joined."""
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") or (not pending and not stripped):
            continue  # comments (and parser directives), also inside continued instructions
        line = raw.rstrip()
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = (pending + line).strip()
        pending = ""
        if whole:
            keyword, _, arguments = whole.partition(" ")
            yield keyword.upper(), arguments.strip()
    if pending.strip():
        keyword, _, arguments = pending.strip().partition(" ")
        yield keyword.upper(), arguments.strip()


def dockerfile_user(text: str) -> tuple[bool, str]:
    """Whether the final stage runs as a non-root user, and a sentence saying so.

    The user of a stage built ``FROM`` an earlier stage is that stage's; a stage from an
    image without a ``USER`` runs as the image's user, root for most images.
    """
    users: dict[str, str | None] = {}  # stage name -> the user it ends with
    user: str | None = None  # the user of the stage being read
    stage: str | None = None  # its name, when it has one
    seen_from = False
    for keyword, arguments in _instructions(text):
        if keyword == "FROM":
            seen_from = True
            tokens = [t for t in arguments.split() if not t.startswith("--")]
            user = users.get(tokens[0].lower()) if tokens else None
            named = len(tokens) >= 3 and tokens[1].upper() == "AS"
            stage = tokens[2].lower() if named else None
        elif keyword == "USER" and seen_from:
            user = arguments.split()[0] if arguments.split() else None
        else:
            continue
        if stage is not None:
            users[stage] = user
    if not seen_from:
        return False, "the Dockerfile has no FROM instruction"
    if user is None:
        return False, (
            "the final stage sets no USER: the container runs as its base image's user "
            "(root for most images)"
        )
    name = user.split(":")[0]
    if name.lower() in ("root", "0"):
        return False, f"the final stage runs as USER {user}, which is root"
    if "$" in user:
        return (
            False,
            f"the final stage's USER {user} is a build variable: name a fixed non-root user",
        )
    return True, f"the final stage runs as USER {user}"


@dataclass(frozen=True, slots=True)
class DockerfileNonRoot:
    """``dockerfileNonRoot: {repository?, path?}``: the image's final stage runs as a
    non-root ``USER``."""

    repository: RepoKind = "app"
    path: str = "Dockerfile"

    @property
    def repositories(self) -> frozenset[RepoKind]:
        """The one repository it reads."""
        return frozenset({self.repository})

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Reads the Dockerfile's stages and USER instructions."""
        files = evidence.repository(self.repository)
        if self.path not in files.files:
            return Outcome(False, f"the {_REPO_NAMES[self.repository]} has no {self.path}")
        passed, message = dockerfile_user(files.text(self.path))
        return Outcome(passed, f"{self.path}: {message}")

    @staticmethod
    def parse(data: Mapping[str, Any], where: str, problems: _Problems) -> Rule | None:
        _keys(data, where, problems, allowed=("repository", "path"))
        repository = _repository(data, where, problems)
        path = _text(data, "path", where, problems, default="Dockerfile")
        return DockerfileNonRoot(repository, path) if path is not None else None


@dataclass(frozen=True, slots=True)
class TemplateUpToDate:
    """``templateUpToDate: {repository?, path?}``: the answers file records the template's
    current version."""

    repository: RepoKind = "app"
    path: str = ANSWERS_PATH

    @property
    def repositories(self) -> frozenset[RepoKind]:
        """The one repository it reads."""
        return frozenset({self.repository})

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Compares the recorded template version with the current one."""
        # the fleet owns the answers file's format; imported here, when a check reads one
        from goldpath.fleet import Answers

        files = evidence.repository(self.repository)
        if self.path not in files.files:
            return Outcome(
                False,
                f"no {self.path}: goldpath does not know which template made this repository "
                "(goldpath fleet adopt records it)",
            )
        try:
            answers = Answers.parse(files.files[self.path], where=self.path)
        except GoldpathError as exc:
            return Outcome(False, exc.message)
        ref = answers.template_ref
        recorded = answers.version
        current = evidence.template_version(ref)
        if current is None:
            return Outcome(False, f"goldpath does not know the current version of {ref}")
        if current == recorded.digest:
            return Outcome(True, f"made from {ref} at its current version {recorded.label}")
        return Outcome(
            False,
            f"made from {ref} at version {recorded.label}; the current version is "
            f"{current[:12]} (goldpath fleet upgrade opens a merge request)",
        )

    @staticmethod
    def parse(data: Mapping[str, Any], where: str, problems: _Problems) -> Rule | None:
        _keys(data, where, problems, allowed=("repository", "path"))
        repository = _repository(data, where, problems)
        path = _text(data, "path", where, problems, default=ANSWERS_PATH)
        return TemplateUpToDate(repository, path) if path is not None else None


@dataclass(frozen=True, slots=True)
class AllOf:
    """``allOf: [rule, ...]``: every rule passes."""

    rules: tuple[Rule, ...]
    repositories: frozenset[RepoKind] = field(default=frozenset())

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Fails with the first failing rule's sentence."""
        messages = []
        for rule in self.rules:
            outcome = _safe(rule, evidence)
            if not outcome.passed:
                return outcome
            messages.append(outcome.message)
        return Outcome(True, "; ".join(messages))


@dataclass(frozen=True, slots=True)
class AnyOf:
    """``anyOf: [rule, ...]``: at least one rule passes."""

    rules: tuple[Rule, ...]
    repositories: frozenset[RepoKind] = field(default=frozenset())

    def evaluate(self, evidence: Evidence) -> Outcome:
        """Passes with the first passing rule's sentence."""
        messages = []
        for rule in self.rules:
            outcome = _safe(rule, evidence)
            if outcome.passed:
                return outcome
            messages.append(outcome.message)
        return Outcome(False, "; ".join(messages))


def _parse_group(
    kind: str, data: object, where: str, problems: _Problems, depth: int
) -> Rule | None:
    if not isinstance(data, list) or not data:
        problems.add(where, "type", f"{kind} must be a non-empty list of rules")
        return None
    rules = [
        parse_rule(item, f"{where}[{i}]", problems, depth=depth + 1) for i, item in enumerate(data)
    ]
    parsed = tuple(r for r in rules if r is not None)
    if len(parsed) != len(rules):
        return None
    repositories = frozenset(repo for rule in parsed for repo in rule.repositories)
    return (AllOf if kind == "allOf" else AnyOf)(parsed, repositories)


_Parser = Callable[[Mapping[str, Any], str, _Problems], "Rule | None"]

RULE_KINDS: dict[str, _Parser] = {
    "entityField": EntityField.parse,
    "entityRefExists": EntityRefExists.parse,
    "fileExists": FileExists.parse,
    "fileMatches": FileMatches.parse,
    "yamlValue": YamlValue.parse,
    "dockerfileNonRoot": DockerfileNonRoot.parse,
    "templateUpToDate": TemplateUpToDate.parse,
}
_GROUPS = ("allOf", "anyOf")


def parse_rule(data: object, where: str, problems: _Problems, *, depth: int = 0) -> Rule | None:
    """One rule from its YAML form; problems are added to ``problems`` (None then)."""
    kinds = ", ".join([*RULE_KINDS, *_GROUPS])
    if depth > _MAX_RULE_DEPTH:
        problems.add(where, "depth", f"rules nest at most {_MAX_RULE_DEPTH} deep")
        return None
    if not isinstance(data, Mapping) or len(data) != 1:
        problems.add(where, "one-kind", f"must be a mapping with exactly one rule kind ({kinds})")
        return None
    ((kind, body),) = data.items()
    if kind in _GROUPS:
        return _parse_group(str(kind), body, f"{where}.{kind}", problems, depth)
    parser = RULE_KINDS.get(str(kind))
    if parser is None:
        problems.add(f"{where}.{kind}", "unknown-rule", f"is not a rule kind ({kinds})")
        return None
    if body is None:
        body = {}
    if not isinstance(body, Mapping):
        problems.add(f"{where}.{kind}", "type", "must be a mapping of the rule's settings")
        return None
    return parser(body, f"{where}.{kind}", problems)
