"""Scorecards: YAML-defined checks scored against each component's entity and repositories,
stored with their history, rolled up per team."""

from goldpath.scorecards._answers import (
    CachedTemplateVersions,
    MappingTemplateVersions,
    TemplateVersions,
)
from goldpath.scorecards._definitions import (
    API_VERSION,
    FILE_KIND,
    AppliesTo,
    Check,
    CheckSet,
    load_check_set,
    parse_checks,
    scorecard_problems,
)
from goldpath.scorecards._model import (
    CheckResult,
    Scorecard,
    TeamRollup,
    outcome_digest,
    rollup,
    score_of,
)
from goldpath.scorecards._rules import (
    RULE_KINDS,
    Evidence,
    Outcome,
    RepoFiles,
    RepoKind,
    Rule,
    compile_glob,
    dockerfile_user,
)
from goldpath.scorecards._service import (
    PushedRepository,
    RepoWebUrl,
    ScorecardService,
    ScorecardWorker,
    owner_key,
)
from goldpath.scorecards._sources import (
    CommitPinner,
    FolderReader,
    GitOpsFolder,
    RepositoryReader,
    app_name_of,
)
from goldpath.scorecards._store import MAX_HISTORY, ScorecardStore
from goldpath.scorecards.errors import (
    CheckDefinitionError,
    RepositoryUnavailableError,
    ScorecardError,
    ScorecardNotFoundError,
)

__all__ = [
    "API_VERSION",
    "FILE_KIND",
    "MAX_HISTORY",
    "RULE_KINDS",
    "AppliesTo",
    "CachedTemplateVersions",
    "Check",
    "CheckDefinitionError",
    "CheckResult",
    "CheckSet",
    "CommitPinner",
    "Evidence",
    "FolderReader",
    "GitOpsFolder",
    "MappingTemplateVersions",
    "Outcome",
    "PushedRepository",
    "RepoFiles",
    "RepoKind",
    "RepoWebUrl",
    "RepositoryReader",
    "RepositoryUnavailableError",
    "Rule",
    "ScorecardError",
    "ScorecardNotFoundError",
    "ScorecardService",
    "ScorecardStore",
    "ScorecardWorker",
    "Scorecard",
    "TeamRollup",
    "TemplateVersions",
    "app_name_of",
    "compile_glob",
    "dockerfile_user",
    "load_check_set",
    "outcome_digest",
    "owner_key",
    "parse_checks",
    "rollup",
    "score_of",
    "scorecard_problems",
]
