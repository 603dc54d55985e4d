"""Scorecard errors: every one subclasses a category from ``goldpath.errors``."""

from __future__ import annotations

from goldpath.errors import GoldpathError, InvalidInputError, NotFoundError

__all__ = [
    "CheckDefinitionError",
    "RepositoryUnavailableError",
    "ScorecardError",
    "ScorecardNotFoundError",
]


class ScorecardError(GoldpathError):
    """Something went wrong evaluating or storing scorecards."""


class CheckDefinitionError(InvalidInputError):
    """A scorecard checks file breaks the format; ``errors`` names each field and rule."""


class ScorecardNotFoundError(NotFoundError):
    """The entity has no scorecard (no check applies to it, or it is not in the catalog)."""


class RepositoryUnavailableError(ScorecardError):
    """A component's repository could not be located or read; the message says why."""
