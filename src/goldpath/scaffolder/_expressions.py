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

import functools
import json
import re
import string
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

from jinja2 import (
    ChainableUndefined,
    Environment,
    StrictUndefined,
    Template,
    TemplateError,
    Undefined,
    nodes,
)
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import Namespace
from jinja2.visitor import NodeTransformer

from goldpath.errors import FieldError
from goldpath.scaffolder.errors import ExpressionError, ExpressionLimitError

__all__ = [
    "DEFAULT_LIMITS",
    "FILTERS",
    "ExpressionLimits",
    "collect_undefined",
    "expression_limits",
    "is_single_expression",
    "make_environment",
    "parse_entity_ref_filter",
    "parse_repo_url",
    "project_slug",
    "render_text",
    "render_value",
    "truthy",
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


# ---- bounds: every value an expression makes is measured, every render has a deadline ----


@dataclass(frozen=True)
class ExpressionLimits:
    """What one render (one string, or one nested value of a step) may do.

    ``max_size`` bounds every intermediate value: a string's length, a list's or dict's
    items plus the size of what they hold (a list holding one big string 1000 times
    counts it 1000 times), measured before an operation that could multiply it runs.
    """

    max_size: int = 1_000_000
    max_int_bits: int = 4096
    max_width: int = 10_000  # a width or precision in a format spec, an indent
    max_template: int = 4_000_000  # characters of one template text
    max_output: int = 10_000_000  # characters one render writes
    max_work: int = 20_000_000  # size of every value one render makes, added up
    seconds: float = 2.0  # CPU seconds of the rendering thread


DEFAULT_LIMITS = ExpressionLimits()
_LIMITS: ContextVar[ExpressionLimits] = ContextVar("expression_limits", default=DEFAULT_LIMITS)


@contextmanager
def expression_limits(limits: ExpressionLimits) -> Iterator[ExpressionLimits]:
    """Render with other limits inside the block (tests, and callers that need more)."""
    token = _LIMITS.set(limits)
    try:
        yield limits
    finally:
        _LIMITS.reset(token)


class _LimitExceeded(Exception):  # noqa: N818 - an internal signal, not a public error
    """Raised inside the sandbox; becomes an ExpressionLimitError naming the expression."""


class _Budget:
    """The clock and the running total of one render."""

    __slots__ = ("deadline", "limits", "work")

    def __init__(self, limits: ExpressionLimits) -> None:
        self.limits = limits
        # CPU time of this thread, not wall time: a render on a busy machine (other
        # requests, other processes) is not cut short for waiting its turn
        self.deadline = time.thread_time() + limits.seconds
        self.work = 0

    def tick(self) -> None:
        if time.thread_time() > self.deadline:
            raise _LimitExceeded(
                f"rendering took longer than {self.limits.seconds:g}s of CPU time and was stopped"
            )

    def check(self, value: Any) -> int:
        return _measure(value, self.limits)

    def charge(self, value: Any) -> Any:
        self.work += _measure(value, self.limits)
        if self.work > self.limits.max_work:
            raise _LimitExceeded(
                f"the render made more than {self.limits.max_work} units of values in all"
            )
        return value


_BUDGET: ContextVar[_Budget | None] = ContextVar("expression_budget", default=None)


def _budget() -> _Budget:
    budget = _BUDGET.get()
    return budget if budget is not None else _Budget(_LIMITS.get())


@contextmanager
def _render_budget() -> Iterator[_Budget]:
    """The budget of the render in progress, or a new one for a render starting here."""
    budget = _BUDGET.get()
    if budget is not None:
        yield budget
        return
    budget = _Budget(_LIMITS.get())
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)


def _too_big(what: str, size: int, limit: int) -> _LimitExceeded:
    return _LimitExceeded(f"{what} would be {size} long; at most {limit} is allowed")


def _measure(value: Any, limits: ExpressionLimits) -> int:
    """The size of a value (characters, items, int bytes), refusing one past the limits."""
    total = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, bool) or item is None or isinstance(item, float):
            total += 1
        elif isinstance(item, int):
            bits = item.bit_length()
            if bits > limits.max_int_bits:
                raise _LimitExceeded(
                    f"a number of {bits} bits; at most {limits.max_int_bits} are allowed"
                )
            total += bits // 64 + 1
        else:
            if depth > 64:
                raise _LimitExceeded("a value nested more than 64 levels deep")
            if isinstance(item, Mapping):
                children: Any = [x for pair in item.items() for x in pair]
            elif isinstance(item, list | tuple | set | frozenset):
                children = item
            elif isinstance(item, Namespace):
                children = list(getattr(item, "_Namespace__attrs", {}).values())
            else:
                children = ()
            total += 1 + len(children)
            if total > limits.max_size:
                break
            stack.extend((child, depth + 1) for child in children)
        if total > limits.max_size:
            break
    if total > limits.max_size:
        raise _too_big("a value", total, limits.max_size)
    return total


_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?[a-zA-Z%]")


def _check_widths(numbers: list[str], limits: ExpressionLimits, where: str) -> None:
    for number in numbers:
        if number == "*" or (number and int(number) > limits.max_width):
            raise _LimitExceeded(
                f"a {where} width or precision of {number}; at most {limits.max_width}"
            )


def _check_percent_format(text: str, limits: ExpressionLimits) -> None:
    for match in _PERCENT_SPEC.finditer(text):
        _check_widths([g for g in match.groups() if g], limits, "%-format")


def _check_brace_format(text: str, limits: ExpressionLimits) -> None:
    try:
        fields = list(string.Formatter().parse(text))
    except ValueError:
        return  # str.format itself reports the malformed string
    for _literal, _name, spec, _conversion in fields:
        if spec and "{" in spec:
            raise _LimitExceeded("a format spec may not take its width from an argument")
        if spec:
            _check_widths(re.findall(r"\d+", spec), limits, "format")


def _product(size: int, times: int, limits: ExpressionLimits, what: str) -> None:
    if times > 0 and size * times > limits.max_size:
        raise _too_big(what, size * times, limits.max_size)


def _predict_binop(operator: str, left: Any, right: Any, limits: ExpressionLimits) -> None:
    """Refuse an operation whose result would be too big, before computing it."""
    ints = isinstance(left, int) and isinstance(right, int)
    if operator == "**" and ints and right > 0 and abs(left) > 1:
        bits = left.bit_length() * right
        if bits > limits.max_int_bits:
            raise _LimitExceeded(
                f"a number of about {bits} bits; at most {limits.max_int_bits} are allowed"
            )
    elif operator == "*":
        if ints and left.bit_length() + right.bit_length() > limits.max_int_bits:
            raise _LimitExceeded(f"a number of more than {limits.max_int_bits} bits")
        if isinstance(right, int) and not isinstance(left, int | float):
            _product(_measure(left, limits), right, limits, "a repeated value")
        elif isinstance(left, int) and not isinstance(right, int | float):
            _product(_measure(right, limits), left, limits, "a repeated value")
    elif operator == "+" and not ints:
        size = _measure(left, limits) + _measure(right, limits)
        if size > limits.max_size:
            raise _too_big("a joined value", size, limits.max_size)
    elif operator == "%" and isinstance(left, str):
        _check_percent_format(left, limits)
        _measure(right, limits)


def _check_str_method(method: Any, args: tuple[Any, ...], limits: ExpressionLimits) -> None:
    """Refuse str methods whose result would be too big (``'x'.ljust(10**9)``)."""
    owner = getattr(method, "__self__", None)
    name = getattr(method, "__name__", "")
    if not isinstance(owner, str | bytes) or not args:
        return
    first = args[0]
    if name in ("ljust", "rjust", "center", "zfill") and isinstance(first, int):
        if first > limits.max_size:
            raise _too_big("a padded string", first, limits.max_size)
    elif name == "expandtabs" and isinstance(first, int):
        tabs = owner.count("\t") if isinstance(owner, str) else owner.count(b"\t")
        _product(first, tabs, limits, "text")
    elif name == "replace" and len(args) >= 2 and isinstance(args[1], str | bytes):
        old, new = args[0], args[1]
        count = owner.count(old) if old else len(owner) + 1
        _product(len(new) + 1, count, limits, "a replaced string")


def _guarded_iter(iterable: Any) -> Iterator[Any]:
    """Every ``{% for %}`` iterates through here: each turn checks the render's clock."""
    budget = _budget()
    for item in iterable:
        budget.tick()
        yield item


def _guarded_concat(*parts: Any) -> str:
    """The ``~`` operator, with its operands and its result measured."""
    budget = _budget()
    budget.tick()
    size = sum(budget.check(part) for part in parts)
    if size > budget.limits.max_size:
        raise _too_big("a joined string", size, budget.limits.max_size)
    return str(budget.charge("".join(str(part) for part in parts)))


def _guarded_join(owner: str | bytes, iterable: Any) -> Any:
    budget = _budget()
    items = []
    size = 0
    for item in iterable:
        budget.tick()
        size += budget.check(item) + len(owner)
        if size > budget.limits.max_size:
            raise _too_big("a joined string", size, budget.limits.max_size)
        items.append(item)
    return owner.join(items)


class _Guards(NodeTransformer):
    """Rewrites a parsed template so loops and ``~`` go through the guards above."""

    def visit_For(self, node: nodes.For) -> nodes.Node:  # noqa: N802 - jinja's visitor naming
        self.generic_visit(node)
        node.iter = nodes.Call(
            nodes.ImportedName(f"{__name__}._guarded_iter"), [node.iter], [], None, None
        ).set_lineno(node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:  # noqa: N802
        self.generic_visit(node)
        return nodes.Call(
            nodes.ImportedName(f"{__name__}._guarded_concat"), list(node.nodes), [], None, None
        ).set_lineno(node.lineno)


def _guard_filter(name: str, func: Any) -> Any:
    """A filter (or test) that checks its arguments and result against the limits."""

    @functools.wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        budget.tick()
        limits = budget.limits
        values = [a for a in args if not isinstance(a, Context | EvalContext | Environment)]
        for value in (*values, *kwargs.values()):
            budget.check(value)
        _predict_filter(name, values, kwargs, limits)
        if name == "join" and values:
            joiner = values[1] if len(values) > 1 else kwargs.get("d", "")
            if isinstance(joiner, str) and "attribute" not in kwargs:
                return budget.charge(_guarded_join(joiner, (str(v) for v in values[0])))
        result = func(*args, **kwargs)
        if isinstance(result, Iterator) and not isinstance(result, str):
            return _guarded_iter(result)
        return budget.charge(result)

    return guarded


def _predict_filter(
    name: str, values: list[Any], kwargs: Mapping[str, Any], limits: ExpressionLimits
) -> None:
    def arg(index: int, key: str, default: Any = None) -> Any:
        return values[index] if len(values) > index else kwargs.get(key, default)

    text = values[0] if values and isinstance(values[0], str) else ""
    if name == "center":
        width = arg(1, "width", 80)
        if isinstance(width, int) and width > limits.max_size:
            raise _too_big("a centred string", width, limits.max_size)
    elif name == "indent":
        width = arg(1, "width", 4)
        size = len(width) if isinstance(width, str) else width if isinstance(width, int) else 0
        _product(size, text.count("\n") + 1, limits, "indented text")
    elif name == "wordwrap":
        width, wrapstring = arg(1, "width", 79), arg(4, "wrapstring", "\n") or "\n"
        if isinstance(width, int) and isinstance(wrapstring, str):
            _product(len(wrapstring), len(text) // max(width, 1) + 1, limits, "wrapped text")
    elif name in ("batch", "slice"):
        count = arg(1, "linecount" if name == "batch" else "slices", 1)
        if isinstance(count, int) and count > limits.max_size:
            raise _too_big(f"a {name}", count, limits.max_size)
    elif name == "replace":
        old, new = arg(1, "old", ""), arg(2, "new", "")
        if isinstance(old, str) and isinstance(new, str):
            count = text.count(old) if old else len(text) + 1
            _product(len(new) + 1, count, limits, "a replaced string")
    elif name == "format":
        _check_percent_format(text, limits)
    elif name == "dump":
        indent = arg(1, "indent")
        if isinstance(indent, int) and indent > limits.max_width:
            raise _LimitExceeded(f"an indent of {indent}; at most {limits.max_width}")


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox with every operator, call, filter and loop measured and timed."""

    intercepted_binops = frozenset({"+", "-", "*", "/", "//", "%", "**"})
    intercepted_unops = frozenset({"+", "-"})

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        tree = super()._parse(source, name, filename)
        guarded: nodes.Template = _Guards().visit(tree)
        return guarded

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = _budget()
        budget.tick()
        _predict_binop(operator, left, right, budget.limits)
        return budget.charge(super().call_binop(context, operator, left, right))

    def call_unop(self, context: Context, operator: str, arg: Any) -> Any:
        _budget().tick()
        return super().call_unop(context, operator, arg)

    def getattr(self, obj: Any, attribute: str) -> Any:
        _budget().tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _budget().tick()
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Any:
        owner = getattr(value, "__self__", None)
        if isinstance(owner, str) and getattr(value, "__name__", "") in ("format", "format_map"):
            _check_brace_format(owner, _budget().limits)
        return super().wrap_str_format(value)

    def call(
        __self,  # noqa: N805, B902 - jinja's signature: these names cannot clash with kwargs
        __context: Context,
        __obj: Any,
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        budget = _budget()
        budget.tick()
        for value in (*args, *kwargs.values()):
            budget.check(value)
        owner = getattr(__obj, "__self__", None)
        if getattr(__obj, "__name__", "") == "join" and isinstance(owner, str | bytes) and args:
            if not __self.is_safe_callable(__obj):
                raise SecurityError(f"{__obj!r} is not safely callable")
            return budget.charge(_guarded_join(owner, args[0]))
        _check_str_method(__obj, args, budget.limits)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, Iterator) and not isinstance(result, str):
            return _guarded_iter(result)
        return budget.charge(result)


def _limit_error(where: str, message: str) -> ExpressionLimitError:
    return ExpressionLimitError(
        f"cannot render {where}: {message}", errors=[FieldError(where, "limit", message)]
    )


def _finalize(value: Any) -> Any:
    # an unanswered optional parameter (None) prints as nothing, as in Backstage
    return "" if value is None else _budget().charge(value)


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
    env = _BoundedSandbox(
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
    env.filters = {name: _guard_filter(name, f) for name, f in env.filters.items()}
    env.tests = {name: _guard_filter(name, f) for name, f in env.tests.items()}
    env.globals.pop("lipsum", None)  # lorem ipsum in any size: no template needs it
    return env


def is_single_expression(value: str) -> bool:
    """True when the whole string is one ``${{ ... }}`` (so the result keeps its type)."""
    return _SINGLE.match(value) is not None


_EXPRESSION_FAILURES = (
    TemplateError,
    ExpressionError,
    TypeError,
    ValueError,
    KeyError,
    IndexError,
    AttributeError,
    ArithmeticError,
)


def _expression_error(where: str, exc: Exception) -> ExpressionError:
    if isinstance(exc, _LimitExceeded):
        return _limit_error(where, str(exc))
    if isinstance(exc, RecursionError):
        return _limit_error(where, "calls nest too deeply")
    if isinstance(exc, SecurityError):
        rule, message = "sandbox", f"not allowed in a template expression: {exc}"
    elif isinstance(exc, UndefinedError):
        rule, message = "undefined", str(exc)
    elif isinstance(exc, ExpressionError):
        return exc
    elif isinstance(exc, ArithmeticError):
        rule, message = "arithmetic", f"{type(exc).__name__}: {exc}"
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
    limits = _LIMITS.get()
    if len(template) > limits.max_template:
        raise _limit_error(
            where, f"the text is {len(template)} long; at most {limits.max_template} is allowed"
        )
    try:
        compiled = _compiled(env, template)  # compiling is bounded by the text's length
        with _render_budget() as budget:
            return _render(compiled, context, budget)
    except (_LimitExceeded, RecursionError, *_EXPRESSION_FAILURES) as exc:
        raise _expression_error(where, exc) from None


def _render(template: Template, context: Mapping[str, Any], budget: _Budget) -> str:
    """Template.render, chunk by chunk, so the output and the clock are watched."""
    out: list[str] = []
    size = 0
    for chunk in template.root_render_func(template.new_context(dict(context))):
        size += len(chunk)
        if size > budget.limits.max_output:
            raise _too_big("the rendered text", size, budget.limits.max_output)
        budget.tick()
        out.append(chunk)
    return "".join(out)


def _evaluate(expression: str, context: Mapping[str, Any], where: str) -> Any:
    limits = _LIMITS.get()
    if len(expression) > limits.max_template:
        raise _limit_error(
            where, f"the text is {len(expression)} long; at most {limits.max_template} is allowed"
        )
    try:
        compiled = _compiled_expression(expression.strip())
        with _render_budget() as budget:
            result = budget.charge(compiled(**dict(context)))
            if isinstance(result, Iterator) and not isinstance(result, str):
                result = budget.charge(list(result))
    except (_LimitExceeded, RecursionError, *_EXPRESSION_FAILURES) as exc:
        raise _expression_error(where, exc) from None
    if isinstance(result, Undefined):
        try:
            str(result)
        except TemplateError as exc:
            raise _expression_error(where, exc) from None
    return result


def truthy(value: Any) -> bool:
    """Whether a rendered ``if`` is true: text is false when empty or a word for no."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "no", "off", "none", "null")
    return bool(value)


def render_value(value: Any, context: Mapping[str, Any], *, where: str = "value") -> Any:
    """Render every string in a (nested) value; a single expression keeps its type.

    The whole value is one render: its strings share one clock and one budget.
    """
    with _render_budget():
        return _render_value(value, context, where)


def _render_value(value: Any, context: Mapping[str, Any], where: str) -> Any:
    if isinstance(value, str):
        if "${{" not in value and "{%" not in value:
            return value
        match = _SINGLE.match(value)
        if match is not None and "{%" not in value:
            return _evaluate(match.group("expr"), context, where)
        return render_text(value, context, where=where)
    if isinstance(value, Mapping):
        return {key: _render_value(item, context, f"{where}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_render_value(item, context, f"{where}[{i}]") for i, item in enumerate(value)]
    return value
