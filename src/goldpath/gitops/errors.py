"""Errors of the GitOps package."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from goldpath.errors import GoldpathError, InvalidInputError, NotFoundError

if TYPE_CHECKING:
    from goldpath.gitops._report import ValidationReport

__all__ = [
    "GitopsError",
    "GitopsRepoNotFoundError",
    "GitopsValidationError",
    "ImageNotFoundError",
]


class GitopsError(GoldpathError):
    """Root of the GitOps package's errors."""


class GitopsValidationError(InvalidInputError, GitopsError):
    """Rendered or committed manifests failed validation; every finding is listed."""

    def __init__(self, message: str, /, *, report: ValidationReport, **context: Any) -> None:
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

