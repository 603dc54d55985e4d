"""The root of every goldpath domain error and the categories the edges map.

Each package defines its own errors in its ``errors.py`` by subclassing one of the
categories below. The web layer maps categories to HTTP status codes in one table
(``goldpath.web._errors``); the CLI maps them to exit codes in one handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = [
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "FieldError",
    "GoldpathError",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "ProviderError",
]


class GoldpathError(Exception):
    """Root of every goldpath error; carries keyword-only context."""

    def __init__(self, message: str, /, **context: Any) -> None:
        super().__init__(message)
        self.message = message
        self.context = context

    @property
    def name(self) -> str:
        """The error's class name, as Backstage reports it (``NotFoundError``)."""
        return type(self).__name__


class NotFoundError(GoldpathError):
    """Something asked for does not exist."""


class ConflictError(GoldpathError):
    """The request clashes with something that already exists."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one input field: which field, which rule, and a sentence."""

    field: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"

    def as_dict(self) -> dict[str, str]:
        """A JSON-friendly form of this problem."""
        return {"field": self.field, "rule": self.rule, "message": self.message}


class InvalidInputError(GoldpathError):
    """Input broke one or more rules; every problem is listed at once."""

    def __init__(
        self, message: str, /, *, errors: list[FieldError] | None = None, **context: Any
    ) -> None:
        super().__init__(message, **context)
        self.errors: list[FieldError] = list(errors or [])

    def __str__(self) -> str:
        if not self.errors:
            return self.message
        return self.message + "\n" + "\n".join(f"  - {e}" for e in self.errors)


class BadRequestError(InvalidInputError):
    """A submitted document or request body is malformed (Backstage's InputError, 400)."""


class AuthenticationError(GoldpathError):
    """The caller is not signed in, or its credentials are not valid."""


class PermissionDeniedError(GoldpathError):
    """The caller is signed in but may not do this."""


class ProviderError(GoldpathError):
    """An external system (git host, AWS, Argo CD, ...) failed or refused."""
