"""Catalog errors: every one subclasses a category from ``goldpath.errors``."""

from __future__ import annotations

from goldpath.errors import (
    BadRequestError,
    ConflictError,
    FieldError,
    GoldpathError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
)

__all__ = [
    "CatalogError",
    "EntityNotFoundError",
    "InvalidEntityError",
    "InvalidEntityRefError",
    "InvalidLocationError",
    "InvalidQueryError",
    "LocationAccessDeniedError",
    "LocationExistsError",
    "LocationNotFoundError",
    "LocationReadError",
    "LocationTargetNotFoundError",
    "LocationTooLargeError",
]


class CatalogError(GoldpathError):
    """Something went wrong inside the catalog."""


class EntityNotFoundError(NotFoundError):
    """No entity has the ref or uid asked for."""


class LocationNotFoundError(NotFoundError):
    """No registered location has the id or target asked for."""


class LocationTargetNotFoundError(NotFoundError):
    """A location's target (file or URL) does not exist."""


class LocationReadError(BadRequestError):
    """A location's target exists but could not be read or parsed."""


class LocationAccessDeniedError(PermissionDeniedError):
    """A target lies outside the file roots or on a host reading is not allowed from."""


class LocationTooLargeError(BadRequestError):
    """A target (or a location's reads together) is bigger than the reading limits."""


class LocationExistsError(ConflictError):
    """A location with the same type and target is already registered."""


class InvalidEntityRefError(InvalidInputError):
    """An entity ref is malformed; ``errors`` name the part (kind, namespace, name)."""


class InvalidEntityError(BadRequestError):
    """An entity breaks Backstage's rules; ``errors`` lists every problem."""

    def __init__(
        self, message: str, /, *, errors: list[FieldError] | None = None, **context: object
    ) -> None:
        super().__init__(message, errors=errors, **context)


class InvalidQueryError(BadRequestError):
    """A catalog query (filter, order, cursor, fields) is malformed."""


class InvalidLocationError(BadRequestError):
    """A location's type or target is malformed."""
