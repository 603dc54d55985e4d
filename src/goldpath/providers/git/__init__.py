"""goldpath's one git entry point: `Repository`, `run_git` and the hosts behind `GitHost`.

`Repository` reads and writes repositories in-process; the git CLI runs only for
transport, through `run_git`, whose failures are the one git error, `GitCommandError`.
Hosts: local bare repositories, GitLab and GitHub.
"""

from goldpath.providers.git._cli import GitAuthor, clean_git_env, run_git
from goldpath.providers.git._github import GitHubHost
from goldpath.providers.git._hosts import GitHosts, RemoteKind
from goldpath.providers.git._local import LocalFileRef, LocalGitHost
from goldpath.providers.git._merge import (
    HostedMergeRequest,
    MergeKind,
    MergeOutcome,
    merge_branch,
    merge_conflicts,
)
from goldpath.providers.git._protocol import (
    GitHost,
    GitHostKind,
    NewRepo,
    RepoInfo,
    TransportAuth,
    Visibility,
)
from goldpath.providers.git._repository import Repository
from goldpath.providers.git._smart_http import SmartHttpResponse, serve_git_http
from goldpath.providers.git._staged import StagedRepo, staged_repo
from goldpath.providers.git._url import (
    RepoUrl,
    check_owner,
    check_repo_name,
    normalise_repo_name,
    parse_repo_url,
)
from goldpath.providers.git.errors import (
    BranchMovedError,
    GitCommandError,
    GitHostError,
    GitHostUnavailableError,
    GitPathNotFoundError,
    InvalidRepoUrlError,
    MergeConflictError,
    MergeRequestExistsError,
    NoGitIntegrationError,
    RepoExistsError,
    RepoNotFoundError,
)

__all__ = [
    "BranchMovedError",
    "GitAuthor",
    "GitCommandError",
    "GitHost",
    "GitHostError",
    "GitHostKind",
    "GitHostUnavailableError",
    "GitHosts",
    "GitHubHost",
    "GitLabHost",
    "GitPathNotFoundError",
    "HostedMergeRequest",
    "InvalidRepoUrlError",
    "LocalFileRef",
    "LocalGitHost",
    "MergeConflictError",
    "MergeKind",
    "MergeOutcome",
    "MergeRequestExistsError",
    "NewRepo",
    "NoGitIntegrationError",
    "RemoteKind",
    "RepoExistsError",
    "RepoInfo",
    "RepoNotFoundError",
    "RepoUrl",
    "TransportAuth",
    "Repository",
    "SmartHttpResponse",
    "StagedRepo",
    "Visibility",
    "check_owner",
    "staged_repo",
    "check_repo_name",
    "clean_git_env",
    "merge_branch",
    "merge_conflicts",
    "normalise_repo_name",
    "parse_repo_url",
    "run_git",
    "serve_git_http",
]


def __getattr__(name: str) -> object:
    # python-gitlab (and requests) load only when GitLab is actually used.
    if name == "GitLabHost":
        from goldpath.providers.git._gitlab import GitLabHost

        return GitLabHost
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
