"""Errors of the GitOps package."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from goldpath.errors import (
    ConflictError,
    FieldError,
    GoldpathError,
    InvalidInputError,
    NotFoundError,
)

__all__ = [
    "FindingsReport",
    "GitopsError",
    "GitopsRepoNotFoundError",
    "GitopsValidationError",
    "ImageNotFoundError",
    "NothingToPromoteError",
]


class FindingsReport(Protocol):
    """What a validation error carries: the ``ValidationReport`` (which imports this module)."""

    @property
    def failures(self) -> Sequence[object]:
        """Every finding, in a stable order."""

    def field_errors(self) -> list[FieldError]:
        """The findings as field errors."""


class GitopsError(GoldpathError):
    """Root of the GitOps package's errors."""


class GitopsValidationError(InvalidInputError, GitopsError):
    """Rendered or committed manifests failed validation; every finding is listed."""

    def __init__(self, message: str, /, *, report: FindingsReport, **context: Any) -> None:
        super().__init__(message, errors=report.field_errors(), **context)
        self.report = report

    def __str__(self) -> str:
        lines = [self.message]
        lines.extend(f"  - {finding}" for finding in self.report.failures)
        return "\n".join(lines)


class GitopsRepoNotFoundError(NotFoundError, GitopsError):
    """No GitOps repository exists for the app."""


class ImageNotFoundError(NotFoundError, GitopsError):
    """A kustomization has no image entry for the app."""



class NothingToPromoteError(ConflictError, GitopsError):
    """The environment already runs the tag a promotion would give it."""
