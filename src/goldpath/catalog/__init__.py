"""The software catalog: Backstage's entity format, refs, relations, locations and queries."""

from goldpath.catalog._ingest import (
    ANNOTATION_LOCATION,
    ANNOTATION_ORIGIN_LOCATION,
    generated_location_entity,
)
from goldpath.catalog._models import LocationRecord, QueryResult
from goldpath.catalog._query import (
    CATALOG_FILTER_EXISTS,
    FullTextFilter,
    OrderField,
    parse_filter_params,
    parse_order_params,
    split_fields,
)
from goldpath.catalog._reading import UrlReader
from goldpath.catalog._refresh import RefreshLoop
from goldpath.catalog._refs import (
    DEFAULT_NAMESPACE,
    EntityRef,
    parse_entity_ref,
    stringify_entity_ref,
)
from goldpath.catalog._relations import RELATION_PAIRS, REVERSE, Relation, compute_relations
from goldpath.catalog._service import DEFAULT_LIMIT, CatalogService, RefreshListener
from goldpath.catalog._validation import KINDS, entity_problems, validate_entity
from goldpath.catalog.errors import (
    CatalogError,
    EntityNotFoundError,
    InvalidEntityError,
    InvalidEntityRefError,
    InvalidLocationError,
    InvalidQueryError,
    LocationExistsError,
    LocationNotFoundError,
    LocationReadError,
    LocationTargetNotFoundError,
)

__all__ = [
    "ANNOTATION_LOCATION",
    "ANNOTATION_ORIGIN_LOCATION",
    "CATALOG_FILTER_EXISTS",
    "DEFAULT_LIMIT",
    "DEFAULT_NAMESPACE",
    "KINDS",
    "RELATION_PAIRS",
    "REVERSE",
    "CatalogError",
    "CatalogService",
    "EntityNotFoundError",
    "EntityRef",
    "FullTextFilter",
    "InvalidEntityError",
    "InvalidEntityRefError",
    "InvalidLocationError",
    "InvalidQueryError",
    "LocationExistsError",
    "LocationNotFoundError",
    "LocationReadError",
    "LocationRecord",
    "LocationTargetNotFoundError",
    "OrderField",
    "QueryResult",
    "RefreshListener",
    "RefreshLoop",
    "Relation",
    "UrlReader",
    "compute_relations",
    "entity_problems",
    "generated_location_entity",
    "parse_entity_ref",
    "parse_filter_params",
    "parse_order_params",
    "split_fields",
    "stringify_entity_ref",
    "validate_entity",
]
