"""Templates: the Template entities of the catalog, parsed and checked against the registry."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from goldpath.catalog import EntityRef, LocationRecord
from goldpath.errors import FieldError, GoldpathError
from goldpath.scaffolder._actions import ActionRegistry
from goldpath.scaffolder._template import Template, parameter_schema, parse_template
from goldpath.scaffolder.errors import TemplateInvalidError, TemplateNotFoundError

__all__ = ["TemplateEntities", "Templates", "template_ref"]

log = logging.getLogger(__name__)


def template_ref(text: str) -> str:
    """The canonical ref of a template named by ``name``, ``namespace/name`` or its ref."""
    return EntityRef.parse(text, default_kind="template", field="templateRef").key


class TemplateEntities(Protocol):
    """The part of the catalog templates come from."""

    def get_entity(self, ref: str) -> dict[str, Any]:
        """The entity with this ref (a NotFoundError otherwise)."""

    def ensure_location(self, type_: str, target: str, *, origin: str = ...) -> LocationRecord:
        """Register a location unless it already is, then refresh it."""


class Templates:
    """Template entities from the catalog, parsed; the built-ins registered as locations."""

    def __init__(self, catalog: TemplateEntities, registry: ActionRegistry) -> None:
        self.catalog = catalog
        self.registry = registry

    def register_builtin(self) -> list[str]:
        """Register every built-in template.yaml as its own catalog file location."""
        from goldpath.templates import builtin_template_paths

        registered: list[str] = []
        for path in builtin_template_paths():
            try:
                self.catalog.ensure_location("file", str(path), origin="builtin")
            except GoldpathError as exc:  # one broken template must not stop the portal
                log.warning("built-in template %s was not registered: %s", path, exc.message)
                continue
            registered.append(str(path))
        return registered

    def get(self, ref: str) -> Template:
        """The Template entity with this ref (``name``, ``ns/name`` or a full ref), parsed."""
        try:
            full = template_ref(ref)
        except GoldpathError as exc:
            raise TemplateNotFoundError(f"no template {ref} in the catalog", ref=ref) from exc
        try:
            entity = self.catalog.get_entity(full)
        except GoldpathError as exc:
            raise TemplateNotFoundError(f"no template {full} in the catalog", ref=full) from exc
        if entity.get("kind") != "Template":
            raise TemplateNotFoundError(
                f"{full} is a {entity.get('kind')}, not a Template", ref=full
            )
        return parse_template(entity)

    def parameter_schema(self, ref: str) -> dict[str, Any]:
        """Backstage's parameter-schema answer for a template."""
        return parameter_schema(self.get(ref))

    def check_actions(self, template: Template) -> None:
        """Refuse a template whose steps use actions that are not registered."""
        problems = [
            FieldError(
                f"spec.steps[{i}].action", "registered", f"no action {s.action!r} is registered"
            )
            for i, s in enumerate(template.steps)
            if s.action not in self.registry
        ]
        if problems:
            raise TemplateInvalidError(f"{template.ref} uses unknown actions", errors=problems)
