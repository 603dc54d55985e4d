"""The fleet: what made each repository (answers files), template versions, upgrades as
merge requests, and the fleet's status."""

from goldpath.fleet._answers import (
    ANSWERS_PATH,
    Answers,
    answers_for,
    secret_parameters,
)
from goldpath.fleet._version import (
    VERSION_ANNOTATION,
    TemplateVersion,
    template_files,
    template_version,
)
from goldpath.fleet.errors import (
    AnswersFileError,
    AnswersNotFoundError,
    FleetError,
    TemplateFilesError,
    TemplateSnapshotNotFoundError,
)

__all__ = [
    "ANSWERS_PATH",
    "VERSION_ANNOTATION",
    "Answers",
    "AnswersFileError",
    "AnswersNotFoundError",
    "FleetError",
    "TemplateFilesError",
    "TemplateSnapshotNotFoundError",
    "TemplateVersion",
    "answers_for",
    "secret_parameters",
    "template_files",
    "template_version",
]
