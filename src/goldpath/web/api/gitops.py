"""The GitOps validation report of an app's repository (schemas, policies, promtool, kustomize)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from goldpath.providers.git import LocalGitHost
from goldpath.web._deps import GitHostsDep, SettingsDep

__all__ = ["router"]

router = APIRouter(prefix="/api/gitops", tags=["gitops"])


@router.get("/apps/{app}/report")
def app_report(app: str, settings: SettingsDep, hosts: GitHostsDep) -> dict[str, Any]:
    """Validate the app's GitOps repository as committed and return every finding."""
    # Imported here: goldpath.gitops is heavy and only this endpoint needs it at request time.
    from goldpath.gitops import validate_repo
    from goldpath.gitops.errors import GitopsRepoNotFoundError

    platform = settings.platform
    host = hosts.platform_host()
    owner = platform.gitops_group
    if not host.repo_exists(owner, app):
        raise GitopsRepoNotFoundError(
            f"no GitOps repository {owner}/{app} on {platform.git_host}", app=app
        )
    # The local host's bare repository is read directly; a remote host is cloned.
    source = (
        host.repo_path(owner, app) if isinstance(host, LocalGitHost) else host.clone_url(owner, app)
    )
    report = validate_repo(
        source,
        kubernetes_version=platform.kubernetes_version,
        tmp_root=settings.scratch_root,
        secrets_prefix=platform.secrets_prefix,
    )
    return {"app": app, "repository": host.web_url(owner, app), **report.as_dict()}
