"""GitLab through python-gitlab (REST) and git over HTTPS; errors converted at this boundary."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import gitlab
import gitlab.exceptions
import requests

from goldpath.config import GitIntegration
from goldpath.providers.git._cli import GitAuthor
from goldpath.providers.git._merge import HostedMergeRequest
from goldpath.providers.git._protocol import GitHostKind, RepoInfo, TransportAuth, Visibility
from goldpath.providers.git._remote import (
    push_over_https,
    read_folder_over_https,
    transport_auth,
)
from goldpath.providers.git._url import (
    checked_repo_name,
    ref_and_path_splits,
)
from goldpath.providers.git.errors import (
    BranchMovedError,
    GitHostError,
    GitHostUnavailableError,
    GitPathNotFoundError,
    MergeConflictError,
    MergeRequestExistsError,
    RepoExistsError,
    RepoNotFoundError,
)
from goldpath.redaction import redact_text

__all__ = ["GitLabHost"]

log = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 30.0


def _names(owner: str, repo: str) -> str:
    return checked_repo_name(owner, repo, what="GitLab project")


class GitLabHost:
    """A GitLab instance: projects through its REST API, content pushed over HTTPS."""

    def __init__(
        self,
        integration: GitIntegration,
        *,
        session_factory: Callable[[], requests.Session] = requests.Session,
        tmp_root: Path | None = None,
    ) -> None:
        self._host = integration.host.lower()
        self._tmp_root = tmp_root
        api = (integration.api_base_url or f"https://{self._host}/api/v4").rstrip("/")
        self._base_url = api.removesuffix("/api/v4")
        self._token = integration.token.get_secret_value() if integration.token else ""
        self._client = gitlab.Gitlab(
            url=self._base_url,
            private_token=self._token or None,
            timeout=_TIMEOUT_SECONDS,
            session=session_factory(),
        )

    @property
    def kind(self) -> GitHostKind:
        """Always ``gitlab``."""
        return "gitlab"

    @property
    def host(self) -> str:
        """The host name repoUrls use for this instance."""
        return self._host

    def clone_url(self, owner: str, repo: str) -> str:
        """``<base>/<owner>/<repo>.git``."""
        return f"{self._base_url}/{owner}/{_names(owner, repo)}.git"

    def transport_auth(self) -> TransportAuth:
        """The token as ``oauth2``'s password, scoped to this GitLab's URL."""
        return transport_auth(self._base_url, "oauth2", self._token)

    def web_url(self, owner: str, repo: str) -> str:
        """``<base>/<owner>/<repo>``."""
        return f"{self._base_url}/{owner}/{_names(owner, repo)}"

    def contents_url(self, owner: str, repo: str, branch: str) -> str:
        """``<base>/<owner>/<repo>/-/blob/<branch>``."""
        return f"{self.web_url(owner, repo)}/-/blob/{quote(branch, safe='/')}"

    def _convert(self, exc: Exception, doing: str) -> Exception:
        """A goldpath error for a python-gitlab or requests failure, without the token."""
        if isinstance(exc, gitlab.exceptions.GitlabAuthenticationError):
            return GitHostError(
                f"GitLab {self._host} refused the token while {doing} "
                f"({exc.response_code}); check integrations.gitlab's token",
                host=self._host,
            )
        if isinstance(exc, gitlab.exceptions.GitlabError):
            message = redact_text(str(exc.error_message), [self._token], urls=True)
            return GitHostError(
                f"GitLab {self._host} failed while {doing} ({exc.response_code}): {message}",
                host=self._host,
                status=exc.response_code,
            )
        if isinstance(exc, requests.RequestException):
            return GitHostUnavailableError(
                f"GitLab {self._host} could not be reached while {doing}: "
                + redact_text(f"{type(exc).__name__}: {exc}", [self._token], urls=True),
                host=self._host,
            )
        return exc

    def _info(self, project: Any, owner: str, repo: str) -> RepoInfo:
        return RepoInfo(
            host=self._host,
            owner=owner,
            name=repo,
            id=str(project.id),
            clone_url=str(getattr(project, "http_url_to_repo", "") or self.clone_url(owner, repo)),
            web_url=str(getattr(project, "web_url", "") or self.web_url(owner, repo)),
            default_branch=str(getattr(project, "default_branch", None) or "main"),
        )

    def get_repo(self, owner: str, repo: str) -> RepoInfo:
        """The project ``owner/repo``; RepoNotFoundError when GitLab has none."""
        repo = _names(owner, repo)
        try:
            project = self._client.projects.get(f"{owner}/{repo}")
        except gitlab.exceptions.GitlabGetError as exc:
            if exc.response_code == 404:
                raise RepoNotFoundError(
                    f"GitLab {self._host} has no project {owner}/{repo}", owner=owner, repo=repo
                ) from None
            raise self._convert(exc, f"reading project {owner}/{repo}") from exc
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, f"reading project {owner}/{repo}") from exc
        return self._info(project, owner, repo)

    def repo_exists(self, owner: str, repo: str) -> bool:
        """Whether the project exists."""
        try:
            self.get_repo(owner, repo)
        except RepoNotFoundError:
            return False
        return True

    def create_repo(
        self,
        owner: str,
        repo: str,
        *,
        description: str = "",
        default_branch: str = "main",
        visibility: Visibility = "private",
    ) -> RepoInfo:
        """Create an empty project in the namespace ``owner``; RepoExistsError if taken."""
        repo = _names(owner, repo)
        try:
            namespace = self._client.namespaces.get(owner)
        except gitlab.exceptions.GitlabGetError as exc:
            if exc.response_code == 404:
                raise RepoNotFoundError(
                    f"GitLab {self._host} has no group or user {owner!r} to create {repo} in",
                    owner=owner,
                ) from None
            raise self._convert(exc, f"looking up namespace {owner}") from exc
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, f"looking up namespace {owner}") from exc
        data = {
            "name": repo,
            "path": repo,
            "namespace_id": namespace.id,
            "description": description,
            "visibility": visibility,
        }
        try:
            project = self._client.projects.create(data)
        except gitlab.exceptions.GitlabCreateError as exc:
            if exc.response_code in (400, 409) and "has already been taken" in str(
                exc.error_message
            ):
                raise RepoExistsError(
                    f"GitLab {self._host} already has a project {owner}/{repo}",
                    owner=owner,
                    repo=repo,
                ) from None
            raise self._convert(exc, f"creating project {owner}/{repo}") from exc
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, f"creating project {owner}/{repo}") from exc
        log.info("created GitLab project %s/%s on %s", owner, repo, self._host)
        info = self._info(project, owner, repo)
        return RepoInfo(
            host=info.host,
            owner=info.owner,
            name=info.name,
            id=info.id,
            clone_url=info.clone_url,
            web_url=info.web_url,
            default_branch=default_branch,
        )

    def delete_repo(self, owner: str, repo: str, *, repo_id: str | None = None) -> None:
        """Delete the project; with ``repo_id`` it deletes that project id and nothing else."""
        repo = _names(owner, repo)
        target: str | int = repo_id if repo_id is not None else f"{owner}/{repo}"
        if repo_id is not None:
            current = self.get_repo(owner, repo)
            if current.id != repo_id:
                raise RepoNotFoundError(
                    f"GitLab project {owner}/{repo} is no longer the one created "
                    f"(id {repo_id}); left untouched",
                    owner=owner,
                    repo=repo,
                )
            target = int(repo_id)
        try:
            self._client.projects.delete(target)
        except gitlab.exceptions.GitlabDeleteError as exc:
            if exc.response_code == 404:
                raise RepoNotFoundError(
                    f"GitLab {self._host} has no project {owner}/{repo}", owner=owner, repo=repo
                ) from None
            raise self._convert(exc, f"deleting project {owner}/{repo}") from exc
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, f"deleting project {owner}/{repo}") from exc
        log.info("deleted GitLab project %s/%s on %s", owner, repo, self._host)

    def push(
        self,
        source_dir: Path,
        repo: RepoInfo,
        *,
        branch: str,
        message: str,
        author_name: str,
        author_email: str,
    ) -> str:
        """Commit ``source_dir`` on ``branch`` and push it over HTTPS with the token."""
        return push_over_https(
            source_dir,
            clone_url=repo.clone_url,
            branch=branch,
            message=message,
            author=GitAuthor(author_name, author_email),
            username="oauth2",
            token=self._token,
            tmp_root=self._tmp_root,
        )

    # -- branches and merge requests --------------------------------------------------------

    def _project(self, owner: str, repo: str) -> Any:
        return self._client.projects.get(f"{owner}/{_names(owner, repo)}", lazy=True)

    def _hosted(self, data: Any) -> HostedMergeRequest:
        return HostedMergeRequest(
            iid=str(data.iid),
            web_url=str(getattr(data, "web_url", "") or ""),
            state=str(getattr(data, "state", "opened")),
            draft=bool(getattr(data, "draft", False)),
        )

    def create_branch(self, owner: str, repo: str, branch: str, *, start: str) -> str:
        """``POST /projects/:id/repository/branches``: ``branch`` at ``start``; its sha."""
        try:
            created = self._project(owner, repo).branches.create({"branch": branch, "ref": start})
        except gitlab.exceptions.GitlabCreateError as exc:
            if exc.response_code == 400 and "already exists" in str(exc.error_message):
                raise BranchMovedError(
                    f"{owner}/{repo} already has a branch {branch!r}", owner=owner, repo=repo
                ) from None
            raise self._convert(exc, f"creating branch {branch} of {owner}/{repo}") from exc
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, f"creating branch {branch} of {owner}/{repo}") from exc
        commit = getattr(created, "commit", None) or {}
        return str(commit.get("id", "")) if isinstance(commit, dict) else ""

    def open_merge_request(
        self,
        owner: str,
        repo: str,
        *,
        source_branch: str,
        target_branch: str,
        title: str,
        description: str,
        draft: bool,
    ) -> HostedMergeRequest:
        """``POST /projects/:id/merge_requests``; a draft's title starts with ``Draft:``."""
        shown = f"Draft: {title}" if draft and not title.startswith("Draft:") else title
        doing = f"opening a merge request {source_branch} -> {target_branch} in {owner}/{repo}"
        try:
            created = self._project(owner, repo).mergerequests.create(
                {
                    "source_branch": source_branch,
                    "target_branch": target_branch,
                    "title": shown,
                    "description": description,
                    "remove_source_branch": True,
                }
            )
        except gitlab.exceptions.GitlabCreateError as exc:
            if exc.response_code == 409:
                raise MergeRequestExistsError(
                    f"GitLab {self._host} already has an open merge request from "
                    f"{source_branch} in {owner}/{repo}",
                    owner=owner,
                    repo=repo,
                ) from None
            raise self._convert(exc, doing) from exc
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, doing) from exc
        return self._hosted(created)

    def merge_merge_request(self, owner: str, repo: str, iid: str) -> str:
        """``PUT /projects/:id/merge_requests/:iid/merge``; the merge commit's sha."""
        doing = f"merging merge request !{iid} of {owner}/{repo}"
        try:
            mr = self._project(owner, repo).mergerequests.get(int(iid), lazy=True)
            result = mr.merge()
        except gitlab.exceptions.GitlabMRClosedError as exc:
            # 405: not mergeable (draft, closed, pipeline); 406: conflicts; 409: SHA moved
            raise MergeConflictError(
                f"GitLab {self._host} would not merge !{iid} of {owner}/{repo} "
                f"({exc.response_code}): "
                + redact_text(str(exc.error_message), [self._token], urls=True),
                conflicts=[],
                owner=owner,
                repo=repo,
            ) from None
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, doing) from exc
        data = result if isinstance(result, dict) else {}
        return str(data.get("merge_commit_sha") or data.get("sha") or "")

    def set_merge_request_draft(
        self, owner: str, repo: str, iid: str, *, title: str, draft: bool
    ) -> None:
        """``PUT /projects/:id/merge_requests/:iid`` with the title: GitLab marks a merge
        request a draft by its ``Draft:`` prefix, and ready when the prefix goes."""
        shown = f"Draft: {title}" if draft else title
        try:
            self._project(owner, repo).mergerequests.update(int(iid), {"title": shown})
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            state = "a draft" if draft else "ready"
            raise self._convert(
                exc, f"marking merge request !{iid} of {owner}/{repo} {state}"
            ) from exc

    def close_merge_request(self, owner: str, repo: str, iid: str) -> None:
        """``PUT /projects/:id/merge_requests/:iid`` with ``state_event=close``."""
        try:
            self._project(owner, repo).mergerequests.update(int(iid), {"state_event": "close"})
        except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
            raise self._convert(exc, f"closing merge request !{iid} of {owner}/{repo}") from exc

    # -- the catalog's UrlReader ------------------------------------------------------------

    def _split_url(self, url: str) -> tuple[str, str]:
        """``(project path, "<ref>/<path>")`` of a ``/-/blob|raw|tree/`` URL of this instance."""
        base_path = urlsplit(self._base_url).path
        rest = unquote(urlsplit(url).path)[len(base_path) + 1 :]
        project_path, _, tail = rest.partition("/-/")
        _, _, ref_and_path = tail.partition("/")
        return project_path, ref_and_path

    def can_read(self, url: str) -> bool:
        """Whether ``url`` is a ``/-/blob/`` or ``/-/raw/`` file URL of this instance."""
        return url.startswith(self._base_url + "/") and ("/-/blob/" in url or "/-/raw/" in url)

    def read(self, url: str) -> bytes:
        """The file's bytes, through the repository files API (the ref may hold slashes)."""
        project_path, ref_and_path = self._split_url(url)
        candidates = ref_and_path_splits(ref_and_path, url)
        project = self._client.projects.get(project_path, lazy=True)
        for ref, file_path in candidates:
            try:
                return project.files.raw(file_path=file_path, ref=ref)
            except gitlab.exceptions.GitlabGetError as exc:
                if exc.response_code != 404:
                    raise self._convert(exc, f"reading {url}") from exc
            except (gitlab.exceptions.GitlabError, requests.RequestException) as exc:
                raise self._convert(exc, f"reading {url}") from exc
        raise GitPathNotFoundError(f"GitLab {self._host} has no file at {url}", url=url)

    def can_read_folder(self, url: str) -> bool:
        """Whether ``url`` is a ``/-/tree/`` or ``/-/blob/`` URL of this instance."""
        return url.startswith(self._base_url + "/") and ("/-/tree/" in url or "/-/blob/" in url)

    def read_folder(self, url: str) -> dict[str, tuple[bytes, int]]:
        """Every file under the folder ``url`` names, from a shallow fetch of its ref."""
        project_path, ref_and_path = self._split_url(url)
        owner, _, repo = project_path.rpartition("/")
        return read_folder_over_https(
            self.clone_url(owner, repo),
            ref_and_path,
            url=url,
            username="oauth2",
            token=self._token,
            tmp_root=self._tmp_root,
        )
