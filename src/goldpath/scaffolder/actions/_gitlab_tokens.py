"""The pipeline's GitOps token: its name, and rotating it before it expires.

``gitlab:project:configure`` gives each app's pipeline a project access token of the app's
GitOps project (scope ``write_repository``, at most a year, GitLab's limit), stored in the
app project's ``GITOPS_DEPLOY_TOKEN`` variable. A token that expires stops every
deployment of the app without a word until someone reads a failed pipeline, so
`rotate_pipeline_tokens` (``goldpath platform rotate-pipeline-tokens``, run from a
schedule) replaces each one that expires within a window:

1. a new token with the same name, scopes and access level is made;
2. the variable is updated to it (masked and protected, its description kept);
3. only then is the old token revoked.

So the variable never holds a revoked token, and a failure in step 2 revokes the new token
and leaves the old one working. The token's value is never logged or returned.

The apps are found in the catalog (components whose GitLab project is in the app group)
and in GitLab itself (every project of the GitOps group but the platform repo), so an app
whose component left the catalog keeps deploying. Only a catalog app without a token is
reported missing: a GitOps project may have no pipeline (made before its app, or by hand).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from goldpath.errors import GoldpathError
from goldpath.providers import GitLabProjects
from goldpath.providers.git import NoGitIntegrationError

if TYPE_CHECKING:
    from goldpath.config import GitIntegration, Settings

__all__ = [
    "GITOPS_TOKEN_VARIABLE",
    "MAX_TOKEN_DAYS",
    "TokenRotation",
    "TokenTarget",
    "gitlab_integration",
    "pipeline_token_name",
    "pipeline_token_projects",
    "pipeline_token_targets",
    "rotate_pipeline_tokens",
]

GITOPS_TOKEN_VARIABLE = "GITOPS_DEPLOY_TOKEN"
MAX_TOKEN_DAYS = 365
"""GitLab refuses project access tokens that live longer."""

RotationStatus = Literal["rotated", "would-rotate", "current", "missing", "failed"]


def pipeline_token_name(project: str, task_id: str) -> str:
    """The name of the token the Create ``task_id`` made for ``project``'s pipeline."""
    return f"goldpath-ci {project} {task_id}"


def gitlab_integration(settings: Settings, host: str) -> GitIntegration:
    """The configured GitLab integration of ``host``; NoGitIntegrationError without one."""
    for integration in settings.integrations.gitlab:
        if integration.host.lower() == host.lower():
            return integration
    raise NoGitIntegrationError(f"no GitLab integration is configured for host {host}",
                                host=host)


def pipeline_token_projects(
    entities: Iterable[Mapping[str, Any]], settings: Settings
) -> list[tuple[str, str]]:
    """(app project, GitOps project) of every component a golden path made: its
    ``gitlab.com/project-slug`` is in the platform's app group, its GitOps project has the
    same name in the GitOps group (as the Create's configure step set them up)."""
    platform = settings.platform
    pairs = set()
    for entity in entities:
        annotations = (entity.get("metadata") or {}).get("annotations") or {}
        slug = annotations.get("gitlab.com/project-slug")
        if not isinstance(slug, str):
            continue
        group, _, name = slug.strip("/").rpartition("/")
        if group == platform.app_group and name:
            pairs.add((f"{group}/{name}", f"{platform.gitops_group}/{name}"))
    return sorted(pairs)


@dataclass(frozen=True, slots=True)
class TokenTarget:
    """An app whose pipeline token to look after: its project, its GitOps project, and
    whether the catalog lists it (then a missing token is reported, not passed over)."""

    project: str
    gitops: str
    registered: bool = True


def pipeline_token_targets(
    api: GitLabProjects, entities: Iterable[Mapping[str, Any]], settings: Settings
) -> list[TokenTarget]:
    """Every app with a pipeline token to look after: those of the catalog
    (`pipeline_token_projects`) and, found by listing the GitOps group on GitLab, those
    the catalog no longer lists. GitLabProjectError when the group cannot be listed."""
    from goldpath.gitops import PLATFORM_REPO

    platform = settings.platform
    targets = {gitops: TokenTarget(project, gitops)
               for project, gitops in pipeline_token_projects(entities, settings)}
    for gitops in api.group_projects(platform.gitops_group):
        name = gitops.rpartition("/")[2]
        if name != PLATFORM_REPO and gitops not in targets:
            targets[gitops] = TokenTarget(f"{platform.app_group}/{name}", gitops,
                                          registered=False)
    return sorted(targets.values(), key=lambda t: (t.project, t.gitops))


def _is_pipeline_token(name: str, project: str) -> bool:
    return name.startswith(pipeline_token_name(project, ""))


@dataclass(frozen=True, slots=True)
class TokenRotation:
    """What happened to one app's pipeline token."""

    project: str
    gitops: str
    status: RotationStatus
    detail: str
    expires_at: str | None = None
    new_expires_at: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        """JSON form."""
        return asdict(self)


def _expires(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _rotate_one(
    api: GitLabProjects, target: TokenTarget, *, within_days: int, days: int,
    dry_run: bool, today: date,
) -> TokenRotation | None:
    project, gitops = target.project, target.gitops
    tokens = [t for t in api.access_tokens(gitops)
              if t.active and _is_pipeline_token(t.name, project)]
    if not tokens:
        if not target.registered:
            return None  # a GitOps project no pipeline pushes to: nothing to look after
        return TokenRotation(project, gitops, "missing",
                             f"no active pipeline token on {gitops}: {project}'s pipeline "
                             "cannot deploy; run its Create's configure step again")
    token = max(tokens, key=lambda t: _expires(t.expires_at) or date.max)
    ends = _expires(token.expires_at)
    if ends is None or ends > today + timedelta(days=within_days):
        return TokenRotation(project, gitops, "current",
                             f"expires {token.expires_at or 'never'}",
                             expires_at=token.expires_at)
    new_end = (today + timedelta(days=days)).isoformat()
    if dry_run:
        return TokenRotation(project, gitops, "would-rotate",
                             f"expires {token.expires_at}; would be replaced by one "
                             f"expiring {new_end}", token.expires_at, new_end)
    variable = api.variable(project, GITOPS_TOKEN_VARIABLE)
    if variable is None:
        return TokenRotation(project, gitops, "failed",
                             f"{project} has no {GITOPS_TOKEN_VARIABLE} variable to update; "
                             "nothing was changed", token.expires_at)
    made, value = api.create_access_token(
        gitops, name=token.name, scopes=list(token.scopes), access_level=token.access_level,
        expires_at=new_end,
    )
    try:
        api.update_variable(project, replace(variable, value=value, masked=True,
                                              protected=True))
    except GoldpathError as exc:
        api.revoke_access_token(gitops, made.id)
        return TokenRotation(project, gitops, "failed",
                             f"{GITOPS_TOKEN_VARIABLE} of {project} could not be updated "
                             f"({exc.message}); the new token was revoked and the old one "
                             f"still works until {token.expires_at}", token.expires_at)
    for old in tokens:
        api.revoke_access_token(gitops, old.id)
    return TokenRotation(project, gitops, "rotated",
                         f"replaced the token expiring {token.expires_at} by one expiring "
                         f"{new_end}", token.expires_at, new_end)


def rotate_pipeline_tokens(
    api: GitLabProjects,
    projects: Iterable[TokenTarget | tuple[str, str]],
    *,
    within_days: int = 30,
    days: int = MAX_TOKEN_DAYS,
    dry_run: bool = False,
    today: date | None = None,
) -> list[TokenRotation]:
    """Replace each pipeline token that expires within ``within_days`` by one that lives
    ``days``; ``projects`` are `TokenTarget` (or (app project, GitOps project) path pairs,
    taken as registered). One app's failure is reported in its entry and does not stop the
    others; an unregistered app with no token has no entry."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValueError(f"days must be 1-{MAX_TOKEN_DAYS}")
    if within_days < 0:
        raise ValueError("within_days must not be negative")
    day = today or date.today()
    out = []
    for item in projects:
        target = item if isinstance(item, TokenTarget) else TokenTarget(*item)
        try:
            rotation = _rotate_one(api, target, within_days=within_days, days=days,
                                   dry_run=dry_run, today=day)
        except GoldpathError as exc:
            rotation = TokenRotation(target.project, target.gitops, "failed", exc.message)
        if rotation is not None:
            out.append(rotation)
    return out
