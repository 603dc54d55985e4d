"""Scaffolder errors: templates, expressions, actions, tasks and reservations."""

from __future__ import annotations

from goldpath.errors import (
    BadRequestError,
    ConflictError,
    GoldpathError,
    InvalidInputError,
    NotFoundError,
)
from goldpath.trees import UnsafePathError

__all__ = [
    "ActionExistsError",
    "ActionInputError",
    "ActionNotFoundError",
    "ExpressionError",
    "ExpressionLimitError",
    "NameReservedError",
    "PathEscapeError",
    "ResourceExistsError",
    "ScaffolderError",
    "TaskCancelledError",
    "TaskNotFoundError",
    "TaskStateError",
    "TemplateInvalidError",
    "TemplateNotFoundError",
    "TemplateValuesError",
]


class ScaffolderError(GoldpathError):
    """Root of the scaffolder's own errors (a step that failed for its own reasons)."""


class ActionNotFoundError(NotFoundError):
    """No action with this id is registered."""


class ActionExistsError(ConflictError):
    """An action with this id is already registered."""


class ActionInputError(InvalidInputError):
    """A step's rendered input does not match its action's input schema."""


class ResourceExistsError(ConflictError):
    """A provisioning step found a resource of that name that this task did not make; it
    neither uses nor deletes it (the message says what exists)."""


class ExpressionError(InvalidInputError):
    """A ``${{ }}`` expression is malformed, undefined or reaches outside the sandbox."""


class ExpressionLimitError(ExpressionError, BadRequestError):
    """An expression made a value too big, or rendered for too long (400, naming it)."""


class PathEscapeError(UnsafePathError):
    """A path input or rendered path leaves the task workspace."""


class TemplateInvalidError(BadRequestError):
    """A Template entity is not a usable scaffolder.backstage.io/v1beta3 template."""


class TemplateNotFoundError(NotFoundError):
    """No Template entity with this ref is in the catalog."""


class TemplateValuesError(InvalidInputError):
    """Submitted values break the template's parameter schemas (every problem listed)."""


class NameReservedError(ConflictError):
    """The name a template creates is already taken (catalog, git host or a task in flight)."""


class TaskNotFoundError(NotFoundError):
    """No task with this id."""


class TaskStateError(ConflictError):
    """The task is not in a state that allows this (cancelling a finished task)."""


class TaskCancelledError(ScaffolderError):
    """Raised inside a running step when its task has been cancelled."""
