"""Processing a location: read, follow nested Locations, validate, resolve placeholders."""

from __future__ import annotations

import copy
import gc
import hashlib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypedDict

from goldpath.catalog._reading import ConfinedReader, LocationTarget, location_key
from goldpath.catalog._refs import stringify_entity_ref
from goldpath.catalog._relations import Relation, compute_relations
from goldpath.catalog._validation import entity_problems, is_placeholder
from goldpath.catalog.errors import LocationTargetNotFoundError
from goldpath.errors import GoldpathError
from goldpath.safe_yaml import MAX_YAML_BYTES, load_yaml, load_yaml_all

__all__ = [
    "ANNOTATION_LOCATION",
    "ANNOTATION_ORIGIN_LOCATION",
    "ProcessedEntity",
    "ProcessingError",
    "ProcessedLocation",
    "generated_location_entity",
    "load_yaml_documents",
    "paused_gc",
    "prepare_entity",
    "process_location",
]

ANNOTATION_LOCATION = "backstage.io/managed-by-location"
ANNOTATION_ORIGIN_LOCATION = "backstage.io/managed-by-origin-location"
MAX_DEPTH = 32


class ErrorDetail(TypedDict):
    """The error inside a processing problem: its class name and message."""

    name: str
    message: str


class ProcessingError(TypedDict):
    """One item of an entity's ``status.items``: a problem found while processing it."""

    type: str
    level: str
    message: str
    error: ErrorDetail


@dataclass
class ProcessedEntity:
    """An entity ready to store: body (no uid/relations), its ref, relations, errors."""

    ref: str
    body: dict[str, Any]
    relations: list[Relation]
    location_key: str
    errors: list[ProcessingError] = field(default_factory=list)

    @cached_property
    def serialised(self) -> str:
        """The stored JSON: the body plus ``status`` when processing found errors."""
        if self.errors:
            self.body["status"] = {"items": self.errors}
        else:
            self.body.pop("status", None)
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False)

    @property
    def etag(self) -> str:
        """A hash of everything stored, so unchanged entities are not rewritten."""
        # the same file parses to the same key order, so no sort_keys is needed
        return hashlib.sha1(self.serialised.encode()).hexdigest()


@dataclass
class ProcessedLocation:
    """What a location yields: entities to store and problems to record on it."""

    entities: list[ProcessedEntity] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    root_error: GoldpathError | None = None  # the registered target itself was not read


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a location is processed or stored.

    Ingestion builds hundreds of thousands of acyclic dicts and lists that stay alive until
    they are stored; each full collection walks all of them again, which cost about a third
    of the ingest's CPU time. Reference counting still frees everything as usual; only the
    cycle detector waits, and it runs again (as it was) when the block ends.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def load_yaml_documents(data: bytes, where: str, *, max_bytes: int = MAX_YAML_BYTES) -> list[Any]:
    """Every document of a YAML stream (empty documents dropped), bounded like all user YAML."""
    return load_yaml_all(data, where=where, max_bytes=max(max_bytes, len(data)))


def generated_location_entity(type_: str, target: str) -> dict[str, Any]:
    """The Location entity Backstage creates for a registered location."""
    key = location_key(type_, target)
    digest = hashlib.sha1(key.encode()).hexdigest()
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Location",
        "metadata": {
            "name": f"generated-{digest}",
            "namespace": "default",
            "annotations": {ANNOTATION_LOCATION: key, ANNOTATION_ORIGIN_LOCATION: key},
        },
        "spec": {"type": type_, "target": target},
    }


def _placeholders(node: Any, path: str) -> Iterator[tuple[Any, Any, str, dict[str, str]]]:
    """(container, key, path, placeholder) for every placeholder in the tree."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else str(key)
            if is_placeholder(value):
                yield node, key, where, value
            else:
                yield from _placeholders(value, where)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            where = f"{path}[{index}]"
            if is_placeholder(value):
                yield node, index, where, value
            else:
                yield from _placeholders(value, where)


def _resolve_placeholders(
    entity: dict[str, Any], base: LocationTarget, reader: ConfinedReader
) -> list[ProcessingError]:
    errors: list[ProcessingError] = []
    for container, key, where, placeholder in list(_placeholders(entity, "")):
        ((kind, reference),) = placeholder.items()
        try:
            # relative to the entity's own file and inside its root; the error never
            # carries what was read
            target = reader.resolve_relative(base, str(reference))
            data = reader.read(*target)
            if kind == "$text":
                container[key] = data.decode("utf-8")
            elif kind == "$json":
                container[key] = json.loads(data)
            else:
                container[key] = load_yaml(data, where=location_key(*target), max_bytes=len(data))
        except (GoldpathError, ValueError, RecursionError) as exc:
            if isinstance(exc, GoldpathError):
                message = exc.message
            elif isinstance(exc, RecursionError):
                message = "nested too deeply"
            else:
                message = str(exc).splitlines()[0]
            errors.append(
                {
                    "type": "backstage.io/catalog-processing",
                    "level": "error",
                    "message": f"{where}: cannot resolve {kind} {reference!r}: {message}",
                    "error": {"name": "PlaceholderError", "message": message},
                }
            )
    return errors


def prepare_entity(entity: dict[str, Any], *, copy_first: bool = True) -> dict[str, Any]:
    """The entity (a copy unless told otherwise) with namespace defaulted, server fields gone."""
    body = copy.deepcopy(entity) if copy_first else entity
    body.pop("relations", None)
    body.pop("status", None)
    metadata = body.setdefault("metadata", {})
    metadata.setdefault("namespace", "default")
    for key in ("uid", "etag", "generation"):
        metadata.pop(key, None)
    return body


def _describe(doc: Any) -> str:
    if isinstance(doc, dict):
        meta = doc.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        return f"{doc.get('kind', 'entity')} {name!r}" if name else str(doc.get("kind", "entity"))
    return "document"


def process_location(
    root: LocationTarget, reader: ConfinedReader, *, with_generated: bool = True
) -> ProcessedLocation:
    """Everything a registered location yields, following nested Location targets."""
    result = ProcessedLocation()
    origin = location_key(*root)
    seen_refs: set[str] = set()
    visited: set[LocationTarget] = set()

    def add(entity: dict[str, Any], here: LocationTarget, where: str, scan: bool) -> None:
        problems = entity_problems(entity)
        if problems:
            detail = "; ".join(f"{p.field}: {p.message}" for p in problems)
            result.errors.append(f"{where}: {_describe(entity)} is invalid: {detail}")
            return
        body = prepare_entity(entity, copy_first=False)  # freshly parsed: nobody else holds it
        annotations = body["metadata"].setdefault("annotations", {})
        annotations[ANNOTATION_LOCATION] = location_key(*here)
        annotations[ANNOTATION_ORIGIN_LOCATION] = origin
        relations, ref_problems = compute_relations(body)
        if ref_problems:
            detail = "; ".join(f"{p.field}: {p.message}" for p in ref_problems)
            result.errors.append(f"{where}: {_describe(entity)} is invalid: {detail}")
            return
        ref = stringify_entity_ref(
            kind=body["kind"],
            namespace=body["metadata"]["namespace"],
            name=body["metadata"]["name"],
        )
        if ref in seen_refs:
            result.errors.append(f"{where}: {ref} is defined more than once in this location")
            return
        seen_refs.add(ref)
        errors = _resolve_placeholders(body, here, reader) if scan else []
        result.entities.append(ProcessedEntity(ref, body, relations, location_key(*here), errors))
        if body["kind"].lower() == "location":
            spec = body.get("spec") or {}
            targets = list(spec.get("targets") or [])
            if spec.get("target"):
                targets.insert(0, spec["target"])
            optional = spec.get("presence") == "optional"
            for reference in targets:
                visit(reader.resolve(here, reference), depth_of[here] + 1, optional)

    depth_of: dict[LocationTarget, int] = {}

    def visit(here: LocationTarget, depth: int, optional: bool) -> None:
        if here in visited:
            return
        if depth > MAX_DEPTH:
            result.errors.append(f"{location_key(*here)}: nested deeper than {MAX_DEPTH} locations")
            return
        visited.add(here)
        depth_of[here] = depth
        where = location_key(*here)
        try:
            data = reader.read(*here)
        except GoldpathError as exc:
            if depth == 0:
                result.root_error = exc
            if isinstance(exc, LocationTargetNotFoundError) and optional:
                return
            result.errors.append(
                exc.message if exc.message.startswith(where) else f"{where}: {exc.message}"
            )
            return
        try:
            documents = load_yaml_documents(data, where, max_bytes=reader.policy.max_file_bytes)
        except GoldpathError as exc:
            result.errors.append(
                exc.message if exc.message.startswith(where) else f"{where}: {exc.message}"
            )
            return
        # walking every entity for placeholders is wasted work when the file has none
        scan = any(marker in data for marker in (b"$text", b"$json", b"$yaml"))
        for index, doc in enumerate(documents):
            if not isinstance(doc, dict):
                result.errors.append(f"{where}: document {index + 1} is not an object")
                continue
            add(doc, here, where, scan)

    if with_generated:
        generated = generated_location_entity(*root)
        relations, _ = compute_relations(prepare_entity(generated))
        result.entities.append(
            ProcessedEntity(
                stringify_entity_ref(
                    kind="location", namespace="default", name=generated["metadata"]["name"]
                ),
                prepare_entity(generated),
                relations,
                origin,
            )
        )
    with paused_gc():
        visit(root, 0, False)
    return result
