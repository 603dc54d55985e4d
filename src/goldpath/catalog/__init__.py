"""The software catalog: Backstage's entity format, refs, relations, locations and queries."""

from goldpath.catalog._changes import CatalogChangeListener
from goldpath.catalog._ingest import (
    ANNOTATION_LOCATION,
    ANNOTATION_ORIGIN_LOCATION,
    generated_location_entity,
)
from goldpath.catalog._models import FacetCount, LocationRecord, QueryResult
from goldpath.catalog._query import (
    CATALOG_FILTER_EXISTS,
    FullTextFilter,
    OrderField,
    parse_filter_params,
    parse_order_params,
    split_fields,
)
from goldpath.catalog._reading import (
    ConfinedReader,
    FolderReader,
    ReadingPolicy,
    UrlReader,
    location_key,
    parse_location_key,
)
from goldpath.catalog._refresh import RefreshLoop
from goldpath.catalog._refs import (
    DEFAULT_NAMESPACE,
    EntityRef,
    parse_entity_ref,
    stringify_entity_ref,
)
from goldpath.catalog._relations import RELATION_PAIRS, REVERSE, Relation, compute_relations
from goldpath.catalog._service import (
    CHANGES_CHANNEL,
    DEFAULT_LIMIT,
    MAX_BY_REFS,
    MAX_LIMIT,
    MAX_OFFSET,
    CatalogService,
    RefreshListener,
)
from goldpath.catalog._validation import KINDS, entity_problems, validate_entity
from goldpath.catalog.errors import (
    CatalogError,
    EntityNotFoundError,
    InvalidEntityError,
    InvalidEntityRefError,
    InvalidLocationError,
    InvalidQueryError,
    LocationAccessDeniedError,
    LocationExistsError,
    LocationNotFoundError,
    LocationReadError,
    LocationTargetNotFoundError,
    LocationTooLargeError,
)

__all__ = [
    "ANNOTATION_LOCATION",
    "ANNOTATION_ORIGIN_LOCATION",
    "CATALOG_FILTER_EXISTS",
    "CHANGES_CHANNEL",
    "DEFAULT_LIMIT",
    "DEFAULT_NAMESPACE",
    "KINDS",
    "MAX_BY_REFS",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "RELATION_PAIRS",
    "REVERSE",
    "CatalogChangeListener",
    "CatalogError",
    "CatalogService",
    "ConfinedReader",
    "EntityNotFoundError",
    "EntityRef",
    "FacetCount",
    "FolderReader",
    "FullTextFilter",
    "InvalidEntityError",
    "InvalidEntityRefError",
    "InvalidLocationError",
    "InvalidQueryError",
    "LocationAccessDeniedError",
    "LocationExistsError",
    "LocationNotFoundError",
    "LocationReadError",
    "LocationRecord",
    "LocationTargetNotFoundError",
    "LocationTooLargeError",
    "OrderField",
    "QueryResult",
    "ReadingPolicy",
    "RefreshListener",
    "RefreshLoop",
    "Relation",
    "UrlReader",
    "compute_relations",
    "entity_problems",
    "generated_location_entity",
    "location_key",
    "parse_entity_ref",
    "parse_filter_params",
    "parse_location_key",
    "parse_order_params",
    "split_fields",
    "stringify_entity_ref",
    "validate_entity",
]
