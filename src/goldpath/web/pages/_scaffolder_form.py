"""A template's JSON Schema parameter pages as form fields, and form data back into values.

The portal renders each field server-side (``scaffolder/_form.html``) so the form works
without JavaScript; the page's script only adds the stepper, pickers and live submit.
Field names are JSON Pointers (RFC 6901) into the values object. A pointer never holds
``~`` followed by anything but ``0`` or ``1``, so sub-inputs of a field (the parts of a
repo URL) are named ``<pointer>~host`` and can never clash with another field's name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product
from typing import Any, Literal
from urllib.parse import parse_qs, urlencode

from goldpath.errors import FieldError

__all__ = [
    "ENTITY_NAME_PATTERN",
    "Choice",
    "Form",
    "FormField",
    "FormPage",
    "ParsedForm",
    "PickerSpec",
    "RepoUrlSpec",
    "build_form",
    "errors_by_pointer",
    "html_pattern",
    "join_repo_url",
    "parse_form",
    "split_repo_url",
]

FieldKind = Literal[
    "boolean",
    "checkboxes",
    "entity",
    "entity_name",
    "hidden",
    "integer",
    "json",
    "number",
    "object",
    "password",
    "radio",
    "repo_url",
    "select",
    "string_list",
    "text",
    "textarea",
]

# Backstage's EntityNamePicker rule (a Kubernetes object name: 63 characters at most).
ENTITY_NAME_PATTERN = r"^([A-Za-z0-9][A-Za-z0-9_.\-]*)?[A-Za-z0-9]$"
_OWNER_KINDS = ("Group", "User")
_REPO_PARTS = ("host", "owner", "repo")


@dataclass(frozen=True, slots=True)
class Choice:
    """One option of an enum: the form value, its label and whether it is chosen."""

    value: str
    label: str
    selected: bool


@dataclass(frozen=True, slots=True)
class PickerSpec:
    """What an entity picker offers: catalog filters (by-query syntax) and ref display."""

    kinds: tuple[str, ...]
    filters: tuple[str, ...]
    default_kind: str | None = None
    default_namespace: str | None = None
    allow_arbitrary_values: bool = True


@dataclass(frozen=True, slots=True)
class RepoUrlSpec:
    """The parts of a RepoUrlPicker: current host/owner/repo and what is allowed."""

    host: str
    owner: str
    repo: str
    allowed_hosts: tuple[str, ...]
    allowed_owners: tuple[str, ...]
    allowed_repos: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FormField:
    """One input of the form (or a group of them for an object)."""

    pointer: str
    key: str
    kind: FieldKind
    label: str
    description: str = ""
    help: str = ""
    required: bool = False
    value: Any = None
    attrs: Mapping[str, str | bool] = field(default_factory=dict)
    choices: tuple[Choice, ...] = ()
    children: tuple[FormField, ...] = ()
    errors: tuple[str, ...] = ()
    picker: PickerSpec | None = None
    repo: RepoUrlSpec | None = None
    rows: int = 4

    @property
    def dom_id(self) -> str:
        """A stable HTML id for this field (letters, digits, ``-`` and ``_`` only)."""
        body = "".join(c if c.isascii() and c.isalnum() else f"_{ord(c):x}_" for c in self.pointer)
        return "f" + body

    @property
    def text_value(self) -> str:
        """The current value as an input's ``value`` attribute shows it."""
        return _as_text(self.value)

    @property
    def list_values(self) -> list[str]:
        """The current value of a list field, one string per item."""
        if isinstance(self.value, list):
            return [_as_text(v) for v in self.value]
        return []

    @property
    def json_text(self) -> str:
        """The current value as indented JSON (for the JSON fallback field)."""
        if self.value is None:
            return ""
        if isinstance(self.value, str):
            return self.value
        return json.dumps(self.value, indent=2)

    def walk(self) -> Iterable[FormField]:
        """This field and every field nested in it, depth first."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(frozen=True, slots=True)
class FormPage:
    """One step of the stepper: a parameter page of the template."""

    index: int
    title: str
    description: str
    fields: tuple[FormField, ...]

    @property
    def has_errors(self) -> bool:
        """Whether any field of this page carries a validation message."""
        return any(f.errors for top in self.fields for f in top.walk())


@dataclass(frozen=True, slots=True)
class Form:
    """Every page of a template's form, plus messages that belong to no single field."""

    pages: tuple[FormPage, ...]
    errors: tuple[str, ...] = ()

    def fields(self) -> Iterable[FormField]:
        """Every field of every page, depth first."""
        for page in self.pages:
            for top in page.fields:
                yield from top.walk()

    @property
    def first_error_page(self) -> int:
        """The index of the first page with a field error (0 when none has one)."""
        for page in self.pages:
            if page.has_errors:
                return page.index
        return 0


@dataclass(frozen=True, slots=True)
class ParsedForm:
    """Values read back from submitted form data, and what could not be read."""

    values: dict[str, Any]
    errors: list[FieldError]


# --- pointers ---------------------------------------------------------------------------


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _pointer(parent: str, key: str) -> str:
    return f"{parent}/{_escape(key)}"


def _pointer_from_parts(parts: Iterable[str]) -> str:
    return "".join(f"/{_escape(p)}" for p in parts)


_LEADING_SEGMENTS = frozenset({"parameters", "values", "body", "instance", "$"})
_REQUIRED_MESSAGE = re.compile(r"""^['"]?(?P<name>[^'"]+)['"]? is a required property""")


def _field_to_pointer(name: str, rule: str, message: str) -> str:
    """Read a field name from a validation error (pointer, dotted path or ``a[0].b``)."""
    if name.startswith("/"):
        # A JSON Pointer is exact: a field may well be called "$" or "values".
        parts = [_unescape(t) for t in name.split("/")[1:]]
    else:
        parts = [p for p in re.split(r"\.|\[(\d+)\]", name) if p]
        while parts and parts[0] in _LEADING_SEGMENTS:
            parts = parts[1:]
    if rule == "required":
        match = _REQUIRED_MESSAGE.match(message)
        if match and (not parts or parts[-1] != match.group("name")):
            parts.append(match.group("name"))
    return _pointer_from_parts(parts)


def errors_by_pointer(
    errors: Iterable[FieldError | Mapping[str, Any]],
) -> dict[str, list[str]]:
    """Group validation problems (FieldErrors or their JSON form) by the field they name."""
    grouped: dict[str, list[str]] = {}
    for error in errors:
        if isinstance(error, FieldError):
            name, rule, message = error.field, error.rule, error.message
        else:
            name = str(error.get("field") or error.get("path") or "")
            rule = str(error.get("rule") or error.get("name") or "")
            message = str(error.get("message") or "")
        grouped.setdefault(_field_to_pointer(name, rule, message), []).append(message)
    return grouped


# --- schema -> fields -------------------------------------------------------------------


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


# Characters a character class must escape under the ``v`` flag browsers apply to ``pattern``.
_CLASS_SYNTAX = frozenset("()[]{}/|")


def _v_flag_safe(pattern: str) -> str:
    """Escape what JavaScript's ``v`` flag refuses inside character classes (``[-a-z]``).

    JSON Schema patterns are written for the ``u`` flag; browsers compile ``pattern``
    attributes with ``v``, where a leading or trailing ``-`` or a bare ``(`` ``/`` ``|``
    inside ``[...]`` is a syntax error (and the hint is then silently dropped).
    """
    out: list[str] = []
    in_class = False
    class_start = 0
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            out.append(pattern[i : i + 2])
            i += 2
            continue
        if not in_class:
            if char == "[":
                in_class = True
                out.append(char)
                if pattern[i + 1 : i + 2] == "^":
                    out.append("^")
                    i += 1
                class_start = len(out)
            else:
                out.append(char)
        elif char == "]":
            in_class = False
            out.append(char)
        elif char == "-" and (len(out) == class_start or pattern[i + 1 : i + 2] == "]"):
            out.append("\\-")
        elif char in _CLASS_SYNTAX:
            out.append("\\" + char)
        else:
            out.append(char)
        i += 1
    return "".join(out)


def html_pattern(pattern: str) -> str:
    """A JSON Schema ``pattern`` (searched anywhere) as an HTML ``pattern`` (whole value)."""
    safe = _v_flag_safe(pattern)
    if pattern.startswith("^") and pattern.endswith("$") and not pattern.endswith("\\$"):
        return safe
    return rf"[\s\S]*(?:{safe})[\s\S]*"


def split_repo_url(value: str) -> tuple[str, str, str]:
    """Backstage's ``host?owner=o&repo=r`` as (host, owner, repo); missing parts are empty."""
    host, _, query = value.partition("?")
    params = parse_qs(query, keep_blank_values=True)
    return host, params.get("owner", [""])[0], params.get("repo", [""])[0]


def join_repo_url(host: str, owner: str, repo: str) -> str:
    """The RepoUrlPicker value for these parts (Backstage's serializeRepoPickerUrl)."""
    query = {k: v for k, v in (("owner", owner), ("repo", repo)) if v}
    return f"{host}?{urlencode(query)}" if query else host


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _catalog_filters(raw: Any, kinds: Sequence[str]) -> tuple[str, ...]:
    """Backstage ``catalogFilter`` (a mapping or a list of them) as by-query filter strings."""
    mappings: list[Mapping[str, Any]]
    if isinstance(raw, Mapping):
        mappings = [raw]
    elif isinstance(raw, list):
        mappings = [m for m in raw if isinstance(m, Mapping)]
    else:
        mappings = [{"kind": list(kinds)}] if kinds else []
    filters: list[str] = []
    for mapping in mappings:
        keys = list(mapping)
        choices = [_strings(mapping[k]) or ("",) for k in keys]
        for combo in product(*choices):
            filters.append(",".join(f"{k}={v}" for k, v in zip(keys, combo, strict=True)))
    return tuple(filters)


def _optional_str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _picker(kind: str, options: Mapping[str, Any]) -> PickerSpec:
    allowed = _strings(options.get("allowedKinds"))
    if kind == "OwnerPicker" and not allowed:
        allowed = _OWNER_KINDS
    return PickerSpec(
        kinds=allowed,
        filters=_catalog_filters(options.get("catalogFilter"), allowed),
        default_kind=_optional_str(options.get("defaultKind")),
        default_namespace=_optional_str(options.get("defaultNamespace")),
        allow_arbitrary_values=options.get("allowArbitraryValues", True) is not False,
    )


def _attrs(schema: Mapping[str, Any], kind: FieldKind, *, required: bool) -> dict[str, str | bool]:
    """HTML validation hints that mirror the schema's rules."""
    attrs: dict[str, str | bool] = {}
    if required and kind not in ("boolean", "checkboxes", "object", "hidden"):
        attrs["required"] = True
    if kind in ("text", "textarea", "password", "entity", "entity_name", "string_list"):
        source = schema.get("items", {}) if kind == "string_list" else schema
        if isinstance(source, Mapping):
            if isinstance(source.get("minLength"), int):
                attrs["minlength"] = str(source["minLength"])
            if isinstance(source.get("maxLength"), int):
                attrs["maxlength"] = str(source["maxLength"])
            if isinstance(source.get("pattern"), str) and kind != "textarea":
                attrs["pattern"] = html_pattern(source["pattern"])
                attrs["title"] = f"must match {source['pattern']}"
    if kind == "entity_name" and "pattern" not in attrs:
        attrs["pattern"] = ENTITY_NAME_PATTERN
        attrs["maxlength"] = attrs.get("maxlength", "63")
        attrs["title"] = "letters, digits, '-', '_' and '.'; a letter or digit at each end"
    if kind in ("integer", "number"):
        for key, attr in (("minimum", "min"), ("maximum", "max")):
            if isinstance(schema.get(key), int | float) and not isinstance(schema.get(key), bool):
                attrs[attr] = _number_text(schema[key])
        lo, hi = schema.get("exclusiveMinimum"), schema.get("exclusiveMaximum")
        if kind == "integer" and isinstance(lo, int) and not isinstance(lo, bool):
            attrs["min"] = str(lo + 1)
        if kind == "integer" and isinstance(hi, int) and not isinstance(hi, bool):
            attrs["max"] = str(hi - 1)
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and not isinstance(step, bool):
            attrs["step"] = _number_text(step)
        else:
            attrs["step"] = "1" if kind == "integer" else "any"
    return attrs


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


def _enum_choices(
    enum: Sequence[Any], names: Sequence[Any] | None, current: Any, *, multiple: bool
) -> tuple[Choice, ...]:
    chosen = current if multiple and isinstance(current, list) else [current]
    chosen_text = {_as_text(v) for v in chosen if v is not None}
    labels = list(names) if names and len(names) == len(enum) else [None] * len(enum)
    return tuple(
        Choice(
            value=_as_text(v),
            label=str(label) if label is not None else _as_text(v),
            selected=_as_text(v) in chosen_text,
        )
        for v, label in zip(enum, labels, strict=True)
    )


def _one_of_enum(schema: Mapping[str, Any]) -> tuple[list[Any], list[Any]] | None:
    """``oneOf: [{const, title}, ...]`` (a titled enum) as (values, labels)."""
    one_of = schema.get("oneOf")
    if not isinstance(one_of, list) or not one_of:
        return None
    if not all(isinstance(o, Mapping) and "const" in o for o in one_of):
        return None
    return [o["const"] for o in one_of], [o.get("title", _as_text(o["const"])) for o in one_of]


def _kind_of(schema: Mapping[str, Any], ui_field: str, widget: str) -> FieldKind:
    if ui_field in ("OwnerPicker", "EntityPicker", "MyGroupsPicker", "OwnedEntityPicker"):
        return "entity"
    if ui_field == "EntityNamePicker":
        return "entity_name"
    if ui_field == "RepoUrlPicker":
        return "repo_url"
    if widget == "hidden":
        return "hidden"
    type_ = schema.get("type", "string")
    if isinstance(type_, list):
        non_null = [t for t in type_ if t != "null"]
        type_ = non_null[0] if len(non_null) == 1 else "mixed"
    is_enum = "enum" in schema or _one_of_enum(schema) is not None
    if is_enum and type_ in ("string", "integer", "number", "boolean"):
        return "radio" if widget == "radio" else "select"
    if type_ == "string":
        if widget == "password":
            return "password"
        if widget == "textarea":
            return "textarea"
        return "text"
    if type_ in ("integer", "number", "boolean"):
        return type_  # type: ignore[no-any-return]
    if type_ == "object" and isinstance(schema.get("properties"), Mapping):
        return "object"
    if type_ == "array":
        items = schema.get("items")
        if isinstance(items, Mapping):
            if isinstance(items.get("enum"), list) and schema.get("uniqueItems", True):
                return "checkboxes"
            if items.get("type", "string") == "string" and "enum" not in items:
                return "string_list"
    return "json"


def _build_field(
    key: str,
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    *,
    parent: str,
    required: bool,
    values: Mapping[str, Any] | None,
    errors: dict[str, list[str]],
    repo_hosts: Sequence[str],
) -> FormField:
    pointer = _pointer(parent, key)
    ui_field = str(ui.get("ui:field", schema.get("ui:field", "")))
    widget = str(ui.get("ui:widget", schema.get("ui:widget", "")))
    ui_options = ui.get("ui:options", schema.get("ui:options", {}))
    options: Mapping[str, Any] = ui_options if isinstance(ui_options, Mapping) else {}
    kind = _kind_of(schema, ui_field, widget)
    value = values[key] if values is not None and key in values else schema.get("default")
    attrs = _attrs(schema, kind, required=required)
    if ui.get("ui:autofocus", schema.get("ui:autofocus")):
        attrs["autofocus"] = True
    if ui.get("ui:readonly", schema.get("ui:readonly")):
        attrs["readonly"] = True
    placeholder = ui.get("ui:placeholder", schema.get("ui:placeholder"))
    if isinstance(placeholder, str):
        attrs["placeholder"] = placeholder
    help_text = ui.get("ui:help", schema.get("ui:help", ""))
    choices: tuple[Choice, ...] = ()
    children: tuple[FormField, ...] = ()
    picker: PickerSpec | None = None
    repo: RepoUrlSpec | None = None
    if kind in ("select", "radio"):
        enum_names = schema.get("enumNames")
        titled = _one_of_enum(schema)
        enum, names = titled if titled else (list(schema["enum"]), enum_names)
        choices = _enum_choices(enum, names, value, multiple=False)
    elif kind == "checkboxes":
        items = schema["items"]
        choices = _enum_choices(items["enum"], items.get("enumNames"), value, multiple=True)
    elif kind == "object":
        child_values = value if isinstance(value, Mapping) else None
        children = _build_fields(
            schema, ui, parent=pointer, values=child_values, errors=errors, repo_hosts=repo_hosts
        )
    elif kind == "entity":
        picker = _picker(ui_field, options)
    elif kind == "repo_url":
        host, owner, repo_name = split_repo_url(value) if isinstance(value, str) else ("", "", "")
        allowed_hosts = _strings(options.get("allowedHosts")) or tuple(repo_hosts)
        repo = RepoUrlSpec(
            host=host or (allowed_hosts[0] if allowed_hosts else ""),
            owner=owner,
            repo=repo_name,
            allowed_hosts=allowed_hosts,
            allowed_owners=_strings(options.get("allowedOwners")),
            allowed_repos=_strings(options.get("allowedRepos")),
        )
    rows = options.get("rows", 4)
    title = ui.get("ui:title", schema.get("title"))
    description = ui.get("ui:description", schema.get("description", ""))
    return FormField(
        pointer=pointer,
        key=key,
        kind=kind,
        label=str(title) if title else key,
        description=str(description or ""),
        help=str(help_text or ""),
        required=required,
        value=value,
        attrs=attrs,
        choices=choices,
        children=children,
        errors=tuple(errors.pop(pointer, ())),
        picker=picker,
        repo=repo,
        rows=rows if isinstance(rows, int) and rows > 0 else 4,
    )


def _ordered(keys: list[str], order: Any) -> list[str]:
    """Apply rjsf's ``ui:order`` (with ``*`` standing for every key not named)."""
    if not isinstance(order, list) or not order:
        return keys
    named = [k for k in order if k in keys]
    rest = [k for k in keys if k not in named]
    if "*" not in order:
        return named + rest
    star = order.index("*")
    before = [k for k in order[:star] if k in keys]
    after = [k for k in order[star + 1 :] if k in keys]
    middle = [k for k in keys if k not in before and k not in after]
    return before + middle + after


def _build_fields(
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    *,
    parent: str,
    values: Mapping[str, Any] | None,
    errors: dict[str, list[str]],
    repo_hosts: Sequence[str],
) -> tuple[FormField, ...]:
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return ()
    required = set(_strings(schema.get("required")))
    keys = _ordered(list(properties), ui.get("ui:order", schema.get("ui:order")))
    fields: list[FormField] = []
    for key in keys:
        prop = properties[key]
        if not isinstance(prop, Mapping):
            continue
        child_ui = ui.get(key, {})
        fields.append(
            _build_field(
                key,
                prop,
                child_ui if isinstance(child_ui, Mapping) else {},
                parent=parent,
                required=key in required,
                values=values,
                errors=errors,
                repo_hosts=repo_hosts,
            )
        )
    return tuple(fields)


def _pages(parameters: Any) -> list[Mapping[str, Any]]:
    if isinstance(parameters, Mapping):
        return [parameters]
    if isinstance(parameters, list):
        return [p for p in parameters if isinstance(p, Mapping)]
    return []


def _attach_to_ancestor(
    fields: Iterable[FormField], errors: dict[str, list[str]]
) -> list[FormField]:
    """Give each still-unplaced error to the deepest field whose pointer is its prefix."""
    updated: list[FormField] = []
    for f in fields:
        children = _attach_to_ancestor(f.children, errors) if f.children else []
        mine = list(f.errors)
        for pointer in [p for p in errors if p.startswith(f.pointer + "/")]:
            mine.extend(errors.pop(pointer))
        updated.append(
            FormField(**{**_fields_of(f), "children": tuple(children), "errors": tuple(mine)})
        )
    return updated


def _fields_of(f: FormField) -> dict[str, Any]:
    return {name: getattr(f, name) for name in FormField.__dataclass_fields__}


def build_form(
    parameters: Any,
    *,
    values: Mapping[str, Any] | None = None,
    errors: Iterable[FieldError | Mapping[str, Any]] = (),
    repo_hosts: Sequence[str] = (),
) -> Form:
    """The form for a template's ``spec.parameters`` (one page or a list of pages).

    ``values`` (from a submission) take the place of schema defaults; ``errors`` land
    next to the field they name; ``repo_hosts`` are the RepoUrlPicker's hosts when a
    template does not list ``allowedHosts``.
    """
    pending = errors_by_pointer(errors)
    pages: list[FormPage] = []
    for index, page in enumerate(_pages(parameters)):
        fields = _build_fields(
            page, page, parent="", values=values, errors=pending, repo_hosts=repo_hosts
        )
        title = page.get("title")
        pages.append(
            FormPage(
                index=index,
                title=str(title) if title else f"Step {index + 1}",
                description=str(page.get("description", "") or ""),
                fields=fields,
            )
        )
    if pending:
        pages = [
            FormPage(p.index, p.title, p.description, tuple(_attach_to_ancestor(p.fields, pending)))
            for p in pages
        ]
    leftover = tuple(m for messages in pending.values() for m in messages)
    return Form(pages=tuple(pages), errors=leftover)


# --- form data -> values ----------------------------------------------------------------


def _get_all(form: Mapping[str, Sequence[str]], name: str) -> list[str]:
    found = form.get(name, [])
    return [found] if isinstance(found, str) else list(found)


def _first(form: Mapping[str, Sequence[str]], name: str) -> str:
    found = _get_all(form, name)
    return found[0] if found else ""


def _number(text: str, kind: FieldKind) -> int | float | None:
    try:
        if kind == "integer":
            return int(text)
        number = float(text)
    except ValueError:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    looks_whole = "." not in text and "e" not in text.lower()
    return int(number) if number.is_integer() and looks_whole else number


def _from_choice(text: str, f: FormField, original: Sequence[Any]) -> Any:
    for choice, value in zip(f.choices, original, strict=True):
        if choice.value == text:
            return value
    return text


def _enum_values(f: FormField, schema_values: Mapping[str, list[Any]]) -> list[Any]:
    return schema_values.get(f.pointer, [c.value for c in f.choices])


def _parse_field(
    f: FormField,
    form: Mapping[str, Sequence[str]],
    enums: Mapping[str, list[Any]],
    problems: list[FieldError],
) -> tuple[bool, Any]:
    """(present, value) for one field; absent fields are left out of the values."""
    name = f.pointer
    if f.kind == "object":
        nested: dict[str, Any] = {}
        for child in f.children:
            present, value = _parse_field(child, form, enums, problems)
            if present:
                nested[child.key] = value
        return bool(nested), nested
    if f.kind == "boolean":
        return True, _first(form, name) in ("true", "on", "1")
    if f.kind == "checkboxes":
        original = _enum_values(f, enums)
        return True, [_from_choice(t, f, original) for t in _get_all(form, name)]
    if f.kind == "string_list":
        items = [t for t in _get_all(form, name) if t != ""]
        return bool(items), items
    if f.kind == "repo_url":
        host, owner, repo = (_first(form, f"{name}~{part}").strip() for part in _REPO_PARTS)
        if not (owner or repo):
            return False, None
        missing = [p for p, v in zip(_REPO_PARTS, (host, owner, repo), strict=True) if not v]
        if missing:
            problems.append(
                FieldError(
                    field=name,
                    rule="required",
                    message=f"the repository {' and '.join(missing)} must be given",
                )
            )
        return True, join_repo_url(host, owner, repo)
    text = _first(form, name)
    if text == "":
        return False, None
    if f.kind in ("select", "radio"):
        return True, _from_choice(text, f, _enum_values(f, enums))
    if f.kind in ("integer", "number"):
        number = _number(text.strip(), f.kind)
        if number is None:
            problems.append(
                FieldError(field=name, rule="type", message=f"{text!r} is not a valid {f.kind}")
            )
            return True, text
        return True, number
    if f.kind == "json":
        try:
            return True, json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(
                FieldError(field=name, rule="json", message=f"not valid JSON: {exc.msg}")
            )
            return True, text
    if f.kind == "hidden" and not isinstance(f.value, str) and f.value is not None:
        try:
            return True, json.loads(text)
        except json.JSONDecodeError:
            return True, text
    return True, text


def _enum_sources(parameters: Any) -> dict[str, list[Any]]:
    """The original (typed) enum values of every enum field, by pointer."""
    found: dict[str, list[Any]] = {}

    def visit(schema: Mapping[str, Any], parent: str) -> None:
        properties = schema.get("properties")
        if not isinstance(properties, Mapping):
            return
        for key, prop in properties.items():
            if not isinstance(prop, Mapping):
                continue
            pointer = _pointer(parent, key)
            titled = _one_of_enum(prop)
            if titled:
                found[pointer] = titled[0]
            elif isinstance(prop.get("enum"), list):
                found[pointer] = list(prop["enum"])
            elif isinstance(prop.get("items"), Mapping) and isinstance(
                prop["items"].get("enum"), list
            ):
                found[pointer] = list(prop["items"]["enum"])
            visit(prop, pointer)

    for page in _pages(parameters):
        visit(page, "")
    return found


def parse_form(parameters: Any, form: Mapping[str, Sequence[str]]) -> ParsedForm:
    """Read submitted form data (name -> list of values) back into the template's values.

    Empty inputs are left out (as Backstage's form does); numbers, booleans, enums and
    lists get their schema's types back. Input that cannot be read (a number that is not
    one, a repo URL with parts missing) is kept as typed and reported in ``errors``.
    """
    built = build_form(parameters)
    enums = _enum_sources(parameters)
    values: dict[str, Any] = {}
    problems: list[FieldError] = []
    for page in built.pages:
        for f in page.fields:
            present, value = _parse_field(f, form, enums, problems)
            if present:
                values[f.key] = value
    return ParsedForm(values=values, errors=problems)
