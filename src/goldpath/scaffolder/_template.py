"""The ``scaffolder.backstage.io/v1beta3`` Template model and server-side value validation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from jsonschema import Draft7Validator
from jsonschema.exceptions import SchemaError

from goldpath.catalog import EntityRef
from goldpath.errors import FieldError
from goldpath.memo import Memo
from goldpath.scaffolder._paths import is_http_url
from goldpath.scaffolder.errors import TemplateInvalidError, TemplateValuesError

__all__ = [
    "API_VERSION",
    "RESERVED_NAME_ANNOTATION",
    "StepSpec",
    "Template",
    "TemplateInfo",
    "parameter_schema",
    "parse_template",
    "validate_values",
    "with_declared",
    "with_defaults",
]

API_VERSION = "scaffolder.backstage.io/v1beta3"
RESERVED_NAME_ANNOTATION = "goldpath.dev/reserved-name-parameter"
LOCATION_ANNOTATIONS = ("backstage.io/source-location", "backstage.io/managed-by-location")

_schema_problems: Memo[str, str | None] = Memo(256)
"""Why a parameters page is not a valid JSON Schema (None: it is), by the page's JSON:
a template is parsed when a task is made and again by steps that read it, and Draft 7's
meta-schema check was a millisecond each time."""


def _page_problem(page: dict[str, Any]) -> str | None:
    try:
        text = json.dumps(page, sort_keys=True)
    except (TypeError, ValueError):  # not JSON (a YAML date, say): checked, not remembered
        return _schema_problem_of(page)
    return _schema_problems.get(text, partial(_schema_problem_of, page))


def _schema_problem_of(page: dict[str, Any]) -> str | None:
    try:
        Draft7Validator.check_schema(page)
    except SchemaError as exc:
        return str(exc.message)
    return None


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One step: id, name, action id, raw input, and optional ``if`` / ``each``."""

    id: str
    name: str
    action: str
    input: dict[str, Any] = field(default_factory=dict)
    if_: Any = None
    each: Any = None

    def as_dict(self) -> dict[str, Any]:
        """Backstage's step shape (for the task spec)."""
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "action": self.action,
            "input": self.input,
        }
        if self.if_ is not None:
            data["if"] = self.if_
        if self.each is not None:
            data["each"] = self.each
        return data


@dataclass(frozen=True, slots=True)
class TemplateInfo:
    """Backstage's ``templateInfo``: which template, where its files are, its metadata."""

    entity_ref: str
    base_url: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path | None:
        """The template's folder on this machine, when its base URL is a ``file:`` URL."""
        if self.base_url and self.base_url.startswith("file:"):
            return Path(unquote(urlsplit(self.base_url).path))
        return None

    @property
    def remote_base(self) -> str | None:
        """The template's folder URL on a git host, when it was read from one."""
        return self.base_url if self.base_url and is_http_url(self.base_url) else None

    def as_dict(self) -> dict[str, Any]:
        """Backstage's shape."""
        return {
            "entityRef": self.entity_ref,
            "baseUrl": self.base_url,
            "entity": {"metadata": self.metadata},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> TemplateInfo:
        """The inverse of ``as_dict``."""
        data = data or {}
        entity = data.get("entity") or {}
        base = data.get("baseUrl")
        return cls(
            entity_ref=str(data.get("entityRef") or ""),
            base_url=base if isinstance(base, str) else None,
            metadata=dict(entity.get("metadata") or {}),
        )


@dataclass(frozen=True)
class Template:
    """A parsed Template entity: parameter pages, steps, output, and where its files are."""

    entity: dict[str, Any]
    parameters: list[dict[str, Any]]
    steps: list[StepSpec]
    output: dict[str, Any]
    base_dir: Path | None = None
    base_url: str | None = None  # a template read from a git host: its folder's URL

    @property
    def ref(self) -> str:
        """``template:<namespace>/<name>``."""
        return EntityRef.of(self.entity, default_kind="template").key

    @property
    def text_parameters(self) -> frozenset[str]:
        """Parameters declared as strings: what was typed for them stays text (a
        ``pythonVersion`` of ``3.13`` stays ``"3.13"``, a description with ``: `` stays text)."""
        return frozenset(
            name
            for page in self.parameters
            for name, schema in (page.get("properties") or {}).items()
            if isinstance(schema, dict) and schema.get("type") == "string"
        )

    @property
    def title(self) -> str:
        """The template's title, else its name."""
        meta = self.entity.get("metadata", {})
        return str(meta.get("title") or meta.get("name"))

    @property
    def reserved_name_parameter(self) -> str | None:
        """The parameter that names what this template creates, when it declares one."""
        annotations = self.entity.get("metadata", {}).get("annotations") or {}
        value = annotations.get(RESERVED_NAME_ANNOTATION)
        return str(value) if value else None

    def info(self) -> TemplateInfo:
        """Backstage's ``templateInfo``: entity ref, base URL and metadata."""
        return TemplateInfo(
            entity_ref=self.ref,
            base_url=self.base_dir.as_uri() + "/" if self.base_dir else self.base_url,
            metadata=dict(self.entity.get("metadata") or {}),
        )


def _base_of(entity: Mapping[str, Any]) -> tuple[Path | None, str | None]:
    """Where the template's files are: a folder, or the URL of a folder on a git host."""
    annotations = entity.get("metadata", {}).get("annotations") or {}
    for key in LOCATION_ANNOTATIONS:
        value = annotations.get(key)
        if not isinstance(value, str):
            continue
        kind, _, target = value.partition(":")
        if kind == "file" and target:
            path = Path(target)
            return (path if target.endswith("/") or path.is_dir() else path.parent), None
        if kind == "url" and target.startswith("file:"):
            return Path(unquote(urlsplit(target).path)).parent, None
        if kind == "url" and is_http_url(target):
            return None, target if target.endswith("/") else target.rsplit("/", 1)[0] + "/"
    return None, None


def parse_template(entity: Mapping[str, Any], *, base_dir: Path | None = None) -> Template:
    """Check a Template entity's shape; every problem is reported at once."""
    problems: list[FieldError] = []
    if entity.get("apiVersion") != API_VERSION:
        problems.append(
            FieldError(
                "apiVersion", "enum", f"must be {API_VERSION}, got {entity.get('apiVersion')!r}"
            )
        )
    if entity.get("kind") != "Template":
        problems.append(FieldError("kind", "enum", f"must be Template, got {entity.get('kind')!r}"))
    if not isinstance(entity.get("metadata"), Mapping) or not entity["metadata"].get("name"):
        problems.append(FieldError("metadata.name", "required", "a template needs a name"))
    spec = entity.get("spec")
    if not isinstance(spec, Mapping):
        raise TemplateInvalidError(
            "the template has no spec",
            errors=[*problems, FieldError("spec", "required", "missing")],
        )
    raw_parameters = spec.get("parameters") or []
    if isinstance(raw_parameters, Mapping):
        raw_parameters = [raw_parameters]
    parameters: list[dict[str, Any]] = []
    if not isinstance(raw_parameters, list):
        problems.append(
            FieldError("spec.parameters", "type", "must be an object or a list of objects")
        )
    else:
        for index, page in enumerate(raw_parameters):
            if not isinstance(page, Mapping):
                problems.append(
                    FieldError(f"spec.parameters[{index}]", "type", "must be an object")
                )
                continue
            problem = _page_problem(dict(page))
            if problem is not None:
                problems.append(FieldError(f"spec.parameters[{index}]", "schema", problem))
            parameters.append(dict(page))
    steps: list[StepSpec] = []
    raw_steps = spec.get("steps") or []
    if not isinstance(raw_steps, list):
        problems.append(FieldError("spec.steps", "type", "must be a list"))
        raw_steps = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_steps):
        where = f"spec.steps[{index}]"
        if not isinstance(raw, Mapping):
            problems.append(FieldError(where, "type", "must be an object"))
            continue
        step_id = str(raw.get("id") or f"step-{index}")
        if step_id in seen:
            problems.append(
                FieldError(f"{where}.id", "unique", f"step id {step_id!r} is used twice")
            )
        seen.add(step_id)
        action = raw.get("action")
        if not isinstance(action, str) or not action:
            problems.append(FieldError(f"{where}.action", "required", "every step needs an action"))
            continue
        step_input = raw.get("input") or {}
        if not isinstance(step_input, Mapping):
            problems.append(FieldError(f"{where}.input", "type", "must be an object"))
            step_input = {}
        steps.append(
            StepSpec(
                id=step_id,
                name=str(raw.get("name") or step_id),
                action=action,
                input=dict(step_input),
                if_=raw.get("if"),
                each=raw.get("each"),
            )
        )
    output = spec.get("output") or {}
    if not isinstance(output, Mapping):
        problems.append(FieldError("spec.output", "type", "must be an object"))
        output = {}
    if problems:
        name = (
            entity.get("metadata", {}).get("name")
            if isinstance(entity.get("metadata"), Mapping)
            else None
        )
        raise TemplateInvalidError(
            f"template {name!r} is not a valid v1beta3 template", errors=problems
        )
    found_dir, found_url = (base_dir, None) if base_dir is not None else _base_of(entity)
    return Template(
        entity=dict(entity),
        parameters=parameters,
        steps=steps,
        output=dict(output),
        base_dir=found_dir,
        base_url=found_url,
    )


def _field_of(error_path: list[Any], validator: str, error_instance: Any, schema: Any) -> str:
    path = ".".join(str(p) for p in error_path)
    if validator == "required" and isinstance(schema, Mapping):
        # jsonschema reports the object; name the missing property itself
        missing = [key for key in schema.get("required", []) if key not in (error_instance or {})]
        if missing:
            return ".".join(filter(None, [path, missing[0]]))
    return path or "values"


def validate_values(template: Template, values: Mapping[str, Any]) -> None:
    """Validate values against every parameter page; raise with every problem at once."""
    problems: list[FieldError] = []
    seen: set[tuple[str, str, str]] = set()
    for page in template.parameters:
        validator = Draft7Validator(page)
        for error in sorted(validator.iter_errors(dict(values)), key=lambda e: list(e.path)):
            if error.validator == "required":
                for key in error.validator_value:
                    if isinstance(error.instance, Mapping) and key not in error.instance:
                        prefix = ".".join(str(p) for p in error.path)
                        name = f"{prefix}.{key}" if prefix else str(key)
                        item = (name, "required", f"{key} is required")
                        if item not in seen:
                            seen.add(item)
                            problems.append(FieldError(*item))
                continue
            name = _field_of(list(error.path), str(error.validator), error.instance, error.schema)
            item = (name, str(error.validator), error.message)
            if item not in seen:
                seen.add(item)
                problems.append(FieldError(*item))
    if problems:
        raise TemplateValuesError(
            f"the values do not match the parameters of {template.ref}", errors=problems
        )


def with_defaults(template: Template, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values with each page's top-level ``default`` filled in where a value is missing."""
    merged = dict(values)
    for page in template.parameters:
        for name, prop in (page.get("properties") or {}).items():
            if name not in merged and isinstance(prop, Mapping) and "default" in prop:
                merged[name] = prop["default"]
    return merged


def with_declared(template: Template, values: Mapping[str, Any]) -> dict[str, Any]:
    """Values with every declared but unanswered optional parameter set to None.

    Backstage templates routinely use optional parameters nobody filled in
    (``${{ parameters.description }}``); they read as empty, while a name the template
    never declared is still an error (StrictUndefined).
    """
    merged = dict(values)
    for page in template.parameters:
        for name in page.get("properties") or {}:
            merged.setdefault(name, None)
    return merged


def parameter_schema(template: Template) -> dict[str, Any]:
    """Backstage's parameter-schema answer: title, description, and one step per page."""
    meta = template.entity.get("metadata", {})
    return {
        "title": meta.get("title") or meta.get("name"),
        "description": meta.get("description"),
        "steps": [
            {
                "title": page.get("title") or "Please enter the following information",
                "description": page.get("description"),
                "schema": page,
            }
            for page in template.parameters
        ],
    }
