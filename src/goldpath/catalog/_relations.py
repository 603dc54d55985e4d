"""Relations computed from an entity's spec, each emitted together with its reverse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from goldpath.catalog._refs import parse_entity_ref, stringify_entity_ref
from goldpath.catalog.errors import InvalidEntityRefError
from goldpath.errors import FieldError

__all__ = [
    "RELATION_PAIRS",
    "REVERSE",
    "Relation",
    "compute_relations",
]

RELATION_PAIRS: tuple[tuple[str, str], ...] = (
    ("ownedBy", "ownerOf"),
    ("partOf", "hasPart"),
    ("dependsOn", "dependencyOf"),
    ("providesApi", "apiProvidedBy"),
    ("consumesApi", "apiConsumedBy"),
    ("memberOf", "hasMember"),
    ("childOf", "parentOf"),
)
REVERSE: dict[str, str] = {a: b for a, b in RELATION_PAIRS} | {b: a for a, b in RELATION_PAIRS}


@dataclass(frozen=True, slots=True, order=True)
class Relation:
    """A directed edge between two canonical refs."""

    source: str
    type: str
    target: str

    def reversed(self) -> Relation:
        """The same edge seen from the other end."""
        return Relation(self.target, REVERSE[self.type], self.source)


# kind -> (spec field, relation type, default target kind, is list)
_RULES: dict[str, tuple[tuple[str, str, str | None, bool], ...]] = {
    "component": (
        ("owner", "ownedBy", "Group", False),
        ("subcomponentOf", "partOf", "Component", False),
        ("providesApis", "providesApi", "API", True),
        ("consumesApis", "consumesApi", "API", True),
        ("dependsOn", "dependsOn", None, True),
        ("dependencyOf", "dependencyOf", None, True),
        ("system", "partOf", "System", False),
    ),
    "api": (("owner", "ownedBy", "Group", False), ("system", "partOf", "System", False)),
    "resource": (
        ("owner", "ownedBy", "Group", False),
        ("dependsOn", "dependsOn", None, True),
        ("dependencyOf", "dependencyOf", None, True),
        ("system", "partOf", "System", False),
    ),
    "system": (("owner", "ownedBy", "Group", False), ("domain", "partOf", "Domain", False)),
    "domain": (("owner", "ownedBy", "Group", False), ("subdomainOf", "partOf", "Domain", False)),
    "user": (("memberOf", "memberOf", "Group", True),),
    "group": (
        ("parent", "childOf", "Group", False),
        ("children", "parentOf", "Group", True),
        ("members", "hasMember", "User", True),
    ),
    "template": (("owner", "ownedBy", "Group", False),),
}


def compute_relations(entity: dict[str, Any]) -> tuple[list[Relation], list[FieldError]]:
    """Every relation the entity's spec implies, each with its reverse, plus bad refs."""
    kind = str(entity["kind"]).lower()
    metadata = entity["metadata"]
    namespace = str(metadata.get("namespace") or "default")
    source = stringify_entity_ref(kind=kind, namespace=namespace, name=str(metadata["name"]))
    spec = entity.get("spec") or {}
    relations: set[Relation] = set()
    problems: list[FieldError] = []
    for field, rel_type, default_kind, is_list in _RULES.get(kind, ()):
        value = spec.get(field)
        if value is None:
            continue
        values = value if is_list and isinstance(value, list) else [value]
        for index, item in enumerate(values):
            where = f"spec.{field}[{index}]" if is_list else f"spec.{field}"
            if not isinstance(item, str):
                continue  # validation already reported it
            try:
                target = parse_entity_ref(
                    item,
                    default_kind=default_kind,
                    default_namespace=namespace,
                    field=where,
                    strict=False,
                )
            except InvalidEntityRefError as exc:
                problems.extend(exc.errors)
                continue
            relation = Relation(source, rel_type, target.key)
            relations.add(relation)
            relations.add(relation.reversed())
    return sorted(relations), problems
