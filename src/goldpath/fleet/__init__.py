"""The fleet: what made each repository (answers files), template versions, upgrades as
merge requests, and the fleet's status."""

from goldpath.fleet._answers import (
    ANSWERS_PATH,
    Answers,
    answers_for,
    secret_parameters,
)
from goldpath.fleet._merge3 import TreeMerge, merge_text, merge_trees
from goldpath.fleet._render import WORKSPACE_ACTIONS, render_repository
from goldpath.fleet._service import (
    UPGRADE_LABEL,
    FleetMember,
    FleetService,
    MemberStatus,
    RepoLocation,
    TemplateFleet,
    UpgradeResult,
    upgrade_branch,
)
from goldpath.fleet._snapshots import TemplateSnapshot, TemplateSnapshots
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
    "UPGRADE_LABEL",
    "VERSION_ANNOTATION",
    "WORKSPACE_ACTIONS",
    "Answers",
    "AnswersFileError",
    "AnswersNotFoundError",
    "FleetError",
    "FleetMember",
    "FleetService",
    "MemberStatus",
    "RepoLocation",
    "TemplateFilesError",
    "TemplateFleet",
    "TemplateSnapshot",
    "TemplateSnapshotNotFoundError",
    "TemplateSnapshots",
    "TemplateVersion",
    "TreeMerge",
    "UpgradeResult",
    "answers_for",
    "merge_text",
    "merge_trees",
    "render_repository",
    "secret_parameters",
    "template_files",
    "template_version",
    "upgrade_branch",
]
