"""Errors of the fleet: answers files, template versions and upgrades."""

from __future__ import annotations

from goldpath.errors import ConflictError, InvalidInputError, NotFoundError

__all__ = [
    "AnswersFileError",
    "AnswersNotFoundError",
    "FleetError",
    "TemplateFilesError",
    "TemplateSnapshotNotFoundError",
]


class FleetError(ConflictError):
    """A fleet operation cannot go ahead in the current state of a repository."""


class AnswersFileError(InvalidInputError):
    """A ``.goldpath/answers.yaml`` is malformed; the message names the field."""


class AnswersNotFoundError(NotFoundError):
    """The repository has no ``.goldpath/answers.yaml`` (adopt it first)."""


class TemplateFilesError(InvalidInputError):
    """The template's files cannot be read on this machine."""


class TemplateSnapshotNotFoundError(NotFoundError):
    """goldpath holds no copy of the template version a repository was made from."""
