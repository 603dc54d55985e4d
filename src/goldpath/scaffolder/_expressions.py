"""``${{ }}`` expressions in a sandboxed Jinja2 environment with StrictUndefined.

A string that is exactly one expression keeps the expression's type (a list stays a
list, ``true`` stays a bool); any other string is rendered to text. Values may be
nested dicts and lists; every string inside is rendered.

Skeleton files are the one exception to strictness: Backstage renders them with
nunjucks, where an undefined name (``values.missing.owner``, or a GitHub Actions
``${{ github.sha }}`` in a workflow file nobody excluded) prints as nothing. Public
templates rely on that, so ``make_environment(lenient=True)`` does the same and
``collect_undefined`` records every such name for the task log.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import ChainableUndefined, StrictUndefined, Template, TemplateError, Undefined
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from goldpath.errors import FieldError
from goldpath.scaffolder.errors import ExpressionError

__all__ = [
    "FILTERS",
    "collect_undefined",
    "is_single_expression",
    "make_environment",
    "parse_entity_ref_filter",
    "parse_repo_url",
    "project_slug",
    "render_text",
    "render_value",
]

_SINGLE = re.compile(r"^\s*\$\{\{(?P<expr>(?:(?!\}\}).)*)\}\}\s*$", re.DOTALL)


def parse_repo_url(url: str) -> dict[str, str | None]:
    """Backstage's ``parseRepoUrl``: ``host?owner=o&repo=r`` -> host, owner, repo and friends."""
    if not isinstance(url, str) or not url:
        raise ExpressionError(
            "parseRepoUrl needs a repo URL like 'github.com?owner=o&repo=r'",
            errors=[FieldError("repoUrl", "format", "must look like host?owner=o&repo=r")],
        )
    parsed = urlsplit(url if "://" in url else "https://" + url)
    host = parsed.hostname or ""
    query = {k: v[0] for k, v in parse_qs(parsed.query).items() if v}
    owner = query.get("owner")
    repo = query.get("repo")
    missing = [
        FieldError("repoUrl", "required", f"{key} is missing from {url!r}")
        for key, value in (("host", host), ("repo", repo))
        if not value
    ]
    if owner is None and query.get("workspace") is None and query.get("organization") is None:
        missing.append(FieldError("repoUrl", "required", f"owner is missing from {url!r}"))
    if missing:
        raise ExpressionError(f"invalid repo URL {url!r}", errors=missing)
    return {
        "host": host,
        "owner": owner,
        "repo": repo,
        "organization": query.get("organization"),
        "workspace": query.get("workspace"),
        "project": query.get("project"),
    }


def project_slug(url: str) -> str:
    """Backstage's ``projectSlug``: ``owner/repo`` of a repo URL."""
    parts = parse_repo_url(url)
    return f"{parts['owner']}/{parts['repo']}"


def parse_entity_ref_filter(ref: str, context: Mapping[str, str] | None = None) -> dict[str, str]:
    """Backstage's ``parseEntityRef`` filter, with ``defaultKind`` and ``defaultNamespace``."""
    context = context or {}
    if not isinstance(ref, str) or not ref.strip():
        raise ExpressionError(
            "parseEntityRef needs an entity ref",
            errors=[FieldError("entityRef", "format", "must be a non-empty string")],
        )
    rest = ref.strip()
    kind: str | None = context.get("defaultKind")
    namespace = context.get("defaultNamespace") or "default"
    if ":" in rest:
        kind, rest = rest.split(":", 1)
    if "/" in rest:
        namespace, rest = rest.split("/", 1)
    if not kind:
        raise ExpressionError(
            f"entity ref {ref!r} has no kind and no defaultKind was given",
            errors=[FieldError("entityRef", "format", "needs kind:namespace/name or defaultKind")],
        )
    if not rest or not namespace or "/" in rest or ":" in rest:
        raise ExpressionError(
            f"invalid entity ref {ref!r}",
            errors=[FieldError("entityRef", "format", "must look like kind:namespace/name")],
        )
    return {"kind": kind, "namespace": namespace, "name": rest}


def _pick(value: Mapping[str, Any], key: str) -> Any:
    return value[key]


def _dump(value: Any, indent: int | None = None) -> str:
    return json.dumps(value, indent=indent, sort_keys=False, default=str)


FILTERS: dict[str, Any] = {
    "parseRepoUrl": parse_repo_url,
    "parseEntityRef": parse_entity_ref_filter,
    "pick": _pick,
    "projectSlug": project_slug,
    "dump": _dump,
}


def _finalize(value: Any) -> Any:
    # an unanswered optional parameter (None) prints as nothing, as in Backstage
    return "" if value is None else value


_UNDEFINED_SEEN: ContextVar[list[str] | None] = ContextVar("undefined_seen", default=None)


class _RecordedUndefined(ChainableUndefined):
    """Prints as nothing, reads as false and chains (``a.b.c``), as nunjucks does;
    each use is recorded for ``collect_undefined``."""

    __slots__ = ()

    def _record(self) -> None:
        if isinstance(self._undefined_exception, type) and issubclass(
            self._undefined_exception, SecurityError
        ):
            self._fail_with_undefined_error()  # the sandbox refused it: never print as empty
        seen = _UNDEFINED_SEEN.get()
        if seen is not None and self._undefined_name is not None:
            name = str(self._undefined_name)
            if name not in seen:
                seen.append(name)

    def __str__(self) -> str:
        self._record()
        return ""

    def __bool__(self) -> bool:
        self._record()
        return False

    def __iter__(self) -> Iterator[Any]:
        self._record()
        return iter(())

    def __add__(self, other: Any) -> Any:
        # ``values.a.owner + "/" + values.a.repo``: text joins as if this were empty
        self._record()
        return other if isinstance(other, str) else self

    def __radd__(self, other: Any) -> Any:
        self._record()
        return other if isinstance(other, str) else self


@contextmanager
def collect_undefined() -> Iterator[list[str]]:
    """The undefined names a lenient rendering met inside the block, in order of use."""
    seen: list[str] = []
    token = _UNDEFINED_SEEN.set(seen)
    try:
        yield seen
    finally:
        _UNDEFINED_SEEN.reset(token)


@lru_cache(maxsize=8)
def make_environment(
    *, trim_blocks: bool = False, lstrip_blocks: bool = False, lenient: bool = False
) -> ImmutableSandboxedEnvironment:
    """The one sandboxed environment: ``${{ }}`` variables, ``{% %}`` blocks, StrictUndefined
    (or, ``lenient``, undefined names printing as nothing: skeleton files only)."""
    env = ImmutableSandboxedEnvironment(
        variable_start_string="${{",
        variable_end_string="}}",
        undefined=_RecordedUndefined if lenient else StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,
        trim_blocks=trim_blocks,
        lstrip_blocks=lstrip_blocks,
        finalize=_finalize,
    )
    env.filters.update(FILTERS)
    return env


def is_single_expression(value: str) -> bool:
    """True when the whole string is one ``${{ ... }}`` (so the result keeps its type)."""
    return _SINGLE.match(value) is not None


def _expression_error(where: str, exc: Exception) -> ExpressionError:
    if isinstance(exc, SecurityError):
        rule, message = "sandbox", f"not allowed in a template expression: {exc}"
    elif isinstance(exc, UndefinedError):
        rule, message = "undefined", str(exc)
    elif isinstance(exc, ExpressionError):
        return exc
    else:
        rule, message = "syntax", str(exc)
    return ExpressionError(
        f"cannot render {where}: {message}", errors=[FieldError(where, rule, message)]
    )


@lru_cache(maxsize=4096)
def _compiled(env: ImmutableSandboxedEnvironment, source: str) -> Template:
    # skeletons are rendered again and again with new values: compile each text once
    return env.from_string(source)


@lru_cache(maxsize=4096)
def _compiled_expression(expression: str) -> Any:
    return make_environment().compile_expression(expression, undefined_to_none=False)


def render_text(
    template: str,
    context: Mapping[str, Any],
    *,
    where: str = "value",
    env: ImmutableSandboxedEnvironment | None = None,
) -> str:
    """Render a string with ``${{ }}`` and ``{% %}`` to text."""
    env = env or make_environment()
    try:
        return _compiled(env, template).render(dict(context))
    except (TemplateError, ExpressionError, TypeError, ValueError, KeyError) as exc:
        raise _expression_error(where, exc) from None


def _evaluate(expression: str, context: Mapping[str, Any], where: str) -> Any:
    try:
        compiled = _compiled_expression(expression.strip())
        result = compiled(**dict(context))
    except (TemplateError, ExpressionError, TypeError, ValueError, KeyError) as exc:
        raise _expression_error(where, exc) from None
    if isinstance(result, Undefined):
        try:
            str(result)
        except TemplateError as exc:
            raise _expression_error(where, exc) from None
    return result


def render_value(value: Any, context: Mapping[str, Any], *, where: str = "value") -> Any:
    """Render every string in a (nested) value; a single expression keeps its type."""
    if isinstance(value, str):
        if "${{" not in value and "{%" not in value:
            return value
        match = _SINGLE.match(value)
        if match is not None and "{%" not in value:
            return _evaluate(match.group("expr"), context, where)
        return render_text(value, context, where=where)
    if isinstance(value, Mapping):
        return {
            key: render_value(item, context, where=f"{where}.{key}") for key, item in value.items()
        }
    if isinstance(value, list):
        return [render_value(item, context, where=f"{where}[{i}]") for i, item in enumerate(value)]
    return value
