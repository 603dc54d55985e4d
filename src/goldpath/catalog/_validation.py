"""Backstage's entity rules: envelope, metadata and each kind's spec; every problem at once."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from goldpath.catalog._refs import check_kind, check_name, check_namespace
from goldpath.catalog.errors import InvalidEntityError
from goldpath.errors import FieldError

__all__ = [
    "KINDS",
    "KindSpec",
    "entity_problems",
    "is_placeholder",
    "validate_entity",
]

_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_KEY_NAME = re.compile(r"^[a-z0-9A-Z]+(?:[-_.][a-z0-9A-Z]+)*$")
_LABEL_VALUE = _KEY_NAME
_TAG = re.compile(r"^[a-z0-9+#]+(\-[a-z0-9+#]+)*$")
_API_VERSION = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?v[a-z0-9]+$"
)
PLACEHOLDER_KEYS = frozenset({"$text", "$json", "$yaml"})

Check = Callable[[Any, str], list[FieldError]]


def is_placeholder(value: object) -> bool:
    """True for ``{"$text"|"$json"|"$yaml": "<target>"}`` (resolved at ingestion)."""
    return (
        isinstance(value, dict)
        and len(value) == 1
        and next(iter(value)) in PLACEHOLDER_KEYS
        and isinstance(next(iter(value.values())), str)
    )


def _string(min_length: int = 1) -> Check:
    def check(value: Any, field: str) -> list[FieldError]:
        if is_placeholder(value):
            return []
        if not isinstance(value, str):
            return [FieldError(field, "type", "must be a string")]
        if len(value) < min_length:
            return [FieldError(field, "min_length", f"must be at least {min_length} character(s)")]
        return []

    return check


def _string_list(value: Any, field: str) -> list[FieldError]:
    if not isinstance(value, list):
        return [FieldError(field, "type", "must be a list of strings")]
    return [
        FieldError(f"{field}[{i}]", "type", "must be a non-empty string")
        for i, item in enumerate(value)
        if not isinstance(item, str) or not item
    ]


def _object(value: Any, field: str) -> list[FieldError]:
    if is_placeholder(value) or isinstance(value, dict):
        return []
    return [FieldError(field, "type", "must be an object")]


def _object_or_list(value: Any, field: str) -> list[FieldError]:
    if isinstance(value, dict | list):
        return []
    return [FieldError(field, "type", "must be an object or a list")]


def _one_of(*choices: str) -> Check:
    def check(value: Any, field: str) -> list[FieldError]:
        if value not in choices:
            return [FieldError(field, "enum", f"must be one of {', '.join(choices)}")]
        return []

    return check


def _profile(value: Any, field: str) -> list[FieldError]:
    if not isinstance(value, dict):
        return [FieldError(field, "type", "must be an object")]
    problems: list[FieldError] = []
    for key in ("displayName", "email", "picture"):
        if key in value and not isinstance(value[key], str):
            problems.append(FieldError(f"{field}.{key}", "type", "must be a string"))
    return problems


def _steps(value: Any, field: str) -> list[FieldError]:
    if not isinstance(value, list):
        return [FieldError(field, "type", "must be a list of steps")]
    problems: list[FieldError] = []
    for i, step in enumerate(value):
        if not isinstance(step, dict):
            problems.append(FieldError(f"{field}[{i}]", "type", "must be an object"))
        elif not isinstance(step.get("action"), str) or not step["action"]:
            problems.append(
                FieldError(f"{field}[{i}].action", "required", "must be a non-empty string")
            )
    return problems


@dataclass(frozen=True, slots=True)
class KindSpec:
    """A kind's accepted apiVersions and the required/optional fields of its spec."""

    kind: str
    api_versions: tuple[str, ...]
    required: Mapping[str, Check]
    optional: Mapping[str, Check]


_V1 = ("backstage.io/v1alpha1", "backstage.io/v1beta1")
_S = _string()
KINDS: dict[str, KindSpec] = {
    spec.kind.lower(): spec
    for spec in (
        KindSpec(
            "Component",
            _V1,
            {"type": _S, "lifecycle": _S, "owner": _S},
            {
                "system": _S,
                "subcomponentOf": _S,
                "providesApis": _string_list,
                "consumesApis": _string_list,
                "dependsOn": _string_list,
                "dependencyOf": _string_list,
            },
        ),
        KindSpec(
            "API",
            _V1,
            {"type": _S, "lifecycle": _S, "owner": _S, "definition": _S},
            {"system": _S},
        ),
        KindSpec(
            "Resource",
            _V1,
            {"type": _S, "owner": _S},
            {"system": _S, "dependsOn": _string_list, "dependencyOf": _string_list},
        ),
        KindSpec("System", _V1, {"owner": _S}, {"domain": _S, "type": _S}),
        KindSpec("Domain", _V1, {"owner": _S}, {"subdomainOf": _S, "type": _S}),
        KindSpec(
            "Group",
            _V1,
            {"type": _S, "children": _string_list},
            {"profile": _profile, "parent": _S, "members": _string_list},
        ),
        KindSpec("User", _V1, {"memberOf": _string_list}, {"profile": _profile}),
        KindSpec(
            "Location",
            _V1,
            {},
            {
                "type": _S,
                "target": _S,
                "targets": _string_list,
                "presence": _one_of("required", "optional"),
            },
        ),
        KindSpec(
            "Template",
            ("scaffolder.backstage.io/v1beta3",),
            {"type": _S, "steps": _steps},
            {
                "owner": _S,
                "parameters": _object_or_list,
                "output": _object,
                "lifecycle": _S,
                "system": _S,
            },
        ),
    )
}


def _key_problems(key: object, field: str) -> list[FieldError]:
    if not isinstance(key, str) or not key:
        return [FieldError(field, "type", "keys must be non-empty strings")]
    prefix, slash, name = key.rpartition("/")
    problems: list[FieldError] = []
    if slash and (not prefix or len(prefix) > 253 or not _DNS_SUBDOMAIN.fullmatch(prefix)):
        problems.append(
            FieldError(
                f"{field}.{key}",
                "key_prefix",
                f"key prefix {prefix!r} must be a DNS subdomain of at most 253 characters",
            )
        )
    if not name or len(name) > 63 or not _KEY_NAME.fullmatch(name):
        problems.append(
            FieldError(
                f"{field}.{key}",
                "key_pattern",
                f"key name {name!r} must be 1-63 characters matching {_KEY_NAME.pattern}",
            )
        )
    return problems


def _metadata_problems(metadata: Any) -> list[FieldError]:
    if not isinstance(metadata, dict):
        return [FieldError("metadata", "required", "metadata must be an object")]
    problems: list[FieldError] = []
    if "name" not in metadata:
        problems.append(FieldError("metadata.name", "required", "name is required"))
    else:
        problems += check_name(metadata["name"])
    if "namespace" in metadata:
        problems += check_namespace(metadata["namespace"])
    for key in ("title", "description", "uid", "etag"):
        if key in metadata and not isinstance(metadata[key], str):
            problems.append(FieldError(f"metadata.{key}", "type", f"{key} must be a string"))
    labels = metadata.get("labels")
    if labels is not None:
        if not isinstance(labels, dict):
            problems.append(FieldError("metadata.labels", "type", "labels must be an object"))
        else:
            for key, value in labels.items():
                problems += _key_problems(key, "metadata.labels")
                if (
                    not isinstance(value, str)
                    or len(value) > 63
                    or not _LABEL_VALUE.fullmatch(value)
                ):
                    problems.append(
                        FieldError(
                            f"metadata.labels.{key}",
                            "value_pattern",
                            f"label value must be 1-63 characters matching {_LABEL_VALUE.pattern}",
                        )
                    )
    annotations = metadata.get("annotations")
    if annotations is not None:
        if not isinstance(annotations, dict):
            problems.append(
                FieldError("metadata.annotations", "type", "annotations must be an object")
            )
        else:
            for key, value in annotations.items():
                problems += _key_problems(key, "metadata.annotations")
                if not isinstance(value, str):
                    problems.append(
                        FieldError(
                            f"metadata.annotations.{key}",
                            "type",
                            "annotation values must be strings",
                        )
                    )
    tags = metadata.get("tags")
    if tags is not None:
        if not isinstance(tags, list):
            problems.append(FieldError("metadata.tags", "type", "tags must be a list"))
        else:
            for i, tag in enumerate(tags):
                if not isinstance(tag, str) or not (1 <= len(tag) <= 63) or not _TAG.fullmatch(tag):
                    problems.append(
                        FieldError(
                            f"metadata.tags[{i}]",
                            "pattern",
                            f"tag {tag!r} must be 1-63 characters matching {_TAG.pattern}",
                        )
                    )
    links = metadata.get("links")
    if links is not None:
        if not isinstance(links, list):
            problems.append(FieldError("metadata.links", "type", "links must be a list"))
        else:
            for i, link in enumerate(links):
                if not isinstance(link, dict):
                    problems.append(FieldError(f"metadata.links[{i}]", "type", "must be an object"))
                    continue
                if not isinstance(link.get("url"), str) or not link["url"]:
                    problems.append(
                        FieldError(f"metadata.links[{i}].url", "required", "url is required")
                    )
                for key in ("title", "icon", "type"):
                    if key in link and not isinstance(link[key], str):
                        problems.append(
                            FieldError(
                                f"metadata.links[{i}].{key}", "type", f"{key} must be a string"
                            )
                        )
    return problems


def entity_problems(entity: object) -> list[FieldError]:
    """Every rule an entity breaks (empty when it is valid)."""
    if not isinstance(entity, dict):
        return [FieldError("entity", "type", "an entity must be an object")]
    problems: list[FieldError] = []
    api_version = entity.get("apiVersion")
    kind = entity.get("kind")
    if api_version is None:
        problems.append(FieldError("apiVersion", "required", "apiVersion is required"))
    elif not isinstance(api_version, str) or not _API_VERSION.fullmatch(api_version):
        problems.append(
            FieldError("apiVersion", "pattern", f"apiVersion must match {_API_VERSION.pattern}")
        )
    if kind is None:
        problems.append(FieldError("kind", "required", "kind is required"))
    else:
        problems += check_kind(kind)
    problems += _metadata_problems(entity.get("metadata"))
    spec = entity.get("spec")
    if spec is not None and not isinstance(spec, dict):
        problems.append(FieldError("spec", "type", "spec must be an object"))
    if not isinstance(kind, str) or check_kind(kind):
        return problems
    kind_spec = KINDS.get(kind.lower())
    if kind_spec is None:
        known = ", ".join(s.kind for s in KINDS.values())
        problems.append(FieldError("kind", "known_kind", f"kind {kind!r} is not one of {known}"))
        return problems
    if isinstance(api_version, str) and api_version not in kind_spec.api_versions:
        problems.append(
            FieldError(
                "apiVersion",
                "kind_api_version",
                f"{kind_spec.kind} needs apiVersion {' or '.join(kind_spec.api_versions)}",
            )
        )
    if spec is None:
        if kind_spec.required:
            problems.append(FieldError("spec", "required", f"{kind_spec.kind} needs a spec"))
        return problems
    if not isinstance(spec, dict):
        return problems
    for key, check in kind_spec.required.items():
        if key not in spec or spec[key] is None:
            problems.append(
                FieldError(f"spec.{key}", "required", f"{kind_spec.kind} needs spec.{key}")
            )
        else:
            problems += check(spec[key], f"spec.{key}")
    for key, check in kind_spec.optional.items():
        if key in spec and spec[key] is not None:
            problems += check(spec[key], f"spec.{key}")
    return problems


def validate_entity(entity: object) -> None:
    """Raise InvalidEntityError listing every problem, or return when the entity is valid."""
    problems = entity_problems(entity)
    if problems:
        name = "entity"
        if isinstance(entity, dict):
            meta = entity.get("metadata")
            if isinstance(meta, dict) and isinstance(meta.get("name"), str):
                name = f"{entity.get('kind', 'entity')} {meta['name']!r}"
        raise InvalidEntityError(
            f"{name} is invalid: " + "; ".join(f"{p.field}: {p.message}" for p in problems),
            errors=problems,
        )
