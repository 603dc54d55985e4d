"""Owner parameters: a Create names an owner that is a real Group or User of the catalog.

A parameter is an owner when its schema says ``ui:field: OwnerPicker`` (Backstage's
widget for it). Its value is parsed as a Backstage entity ref (``[kind:][namespace/]name``,
kind defaulting to Group, each part held to Backstage's rules), must be of kind Group or
User, and must exist in the catalog; every problem is named by its parameter.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from goldpath.catalog import InvalidEntityRefError, parse_entity_ref
from goldpath.errors import FieldError
from goldpath.scaffolder._template import Template
from goldpath.scaffolder.errors import TemplateValuesError

if TYPE_CHECKING:
    from goldpath.catalog import CatalogService

__all__ = ["OWNER_KINDS", "check_owners", "owner_parameters"]

OWNER_KINDS = ("group", "user")


def owner_parameters(template: Template) -> Iterator[str]:
    """The names of the template's top-level parameters that pick an owner."""
    for page in template.parameters:
        properties = page.get("properties")
        if not isinstance(properties, Mapping):
            continue
        for name, schema in properties.items():
            if isinstance(schema, Mapping) and schema.get("ui:field") == "OwnerPicker":
                yield str(name)


def check_owners(
    template: Template, values: Mapping[str, Any], catalog: CatalogService | None
) -> None:
    """Raise TemplateValuesError naming every owner parameter that is not a catalog owner."""
    problems: list[FieldError] = []
    for name in owner_parameters(template):
        value = values.get(name)
        if value is None or value == "":
            continue  # required-ness is the schema's business
        if not isinstance(value, str):
            problems.append(FieldError(name, "type", "must be an entity ref"))
            continue
        try:
            ref = parse_entity_ref(value, default_kind="group", field=name)
        except InvalidEntityRefError as exc:
            problems.extend(exc.errors or [FieldError(name, "entity-ref", exc.message)])
            continue
        if ref.kind.lower() not in OWNER_KINDS:
            problems.append(FieldError(name, "kind", f"{ref.key} must be a Group or a User"))
        elif catalog is not None and catalog.find_entity(ref) is None:
            problems.append(
                FieldError(name, "catalog", f"{ref.key} is not a Group or User in the catalog")
            )
    if problems:
        raise TemplateValuesError(
            f"{template.ref} needs an owner from the catalog: "
            + "; ".join(f"{p.field}: {p.message}" for p in problems),
            errors=problems,
        )
