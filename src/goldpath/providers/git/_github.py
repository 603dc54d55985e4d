"""GitHub (or GitHub Enterprise) through its REST API with httpx, and git over HTTPS."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx

from goldpath.config import GitIntegration
from goldpath.providers.git._cli import GitAuthor
from goldpath.providers.git._protocol import GitHostKind, RepoInfo, Visibility
from goldpath.providers.git._remote import push_over_https, read_folder_over_https
from goldpath.providers.git._url import (
    checked_repo_name,
    ref_and_path_splits,
)
from goldpath.providers.git.errors import (
    GitHostError,
    GitHostUnavailableError,
    GitPathNotFoundError,
    RepoExistsError,
    RepoNotFoundError,
)
from goldpath.redaction import redact_text

__all__ = ["GitHubHost"]

log = logging.getLogger(__name__)

_TIMEOUT_SECONDS = 30.0
_API_VERSION = "2022-11-28"


def _names(owner: str, repo: str) -> str:
    return checked_repo_name(owner, repo, what="GitHub repository", flat_owner=True)


def _urls(integration: GitIntegration) -> tuple[str, str]:
    """(API base, web base) for github.com, GitHub Enterprise, or an explicit API URL."""
    host = integration.host.lower()
    if integration.api_base_url:
        api = integration.api_base_url.rstrip("/")
        parts = urlsplit(api)
        if parts.netloc == "api.github.com":
            return api, "https://github.com"
        if api.endswith("/api/v3"):
            return api, api.removesuffix("/api/v3")
        return api, f"{parts.scheme}://{parts.netloc}"
    if host == "github.com":
        return "https://api.github.com", "https://github.com"
    return f"https://{host}/api/v3", f"https://{host}"


class GitHubHost:
    """GitHub: repositories through the REST API, content pushed over HTTPS."""

    def __init__(
        self,
        integration: GitIntegration,
        *,
        transport: httpx.BaseTransport | None = None,
        tmp_root: Path | None = None,
    ) -> None:
        self._host = integration.host.lower()
        self._tmp_root = tmp_root
        self._api, self._web = _urls(integration)
        self._token = integration.token.get_secret_value() if integration.token else ""
        headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": _API_VERSION}
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        self._client = httpx.Client(
            base_url=self._api, headers=headers, timeout=_TIMEOUT_SECONDS, transport=transport
        )

    @property
    def kind(self) -> GitHostKind:
        """Always ``github``."""
        return "github"

    @property
    def host(self) -> str:
        """The host name repoUrls use for this instance."""
        return self._host

    def clone_url(self, owner: str, repo: str) -> str:
        """``<web>/<owner>/<repo>.git``."""
        return f"{self._web}/{owner}/{_names(owner, repo)}.git"

    def web_url(self, owner: str, repo: str) -> str:
        """``<web>/<owner>/<repo>``."""
        return f"{self._web}/{owner}/{_names(owner, repo)}"

    def contents_url(self, owner: str, repo: str, branch: str) -> str:
        """``<web>/<owner>/<repo>/blob/<branch>``, as Backstage builds it."""
        return f"{self.web_url(owner, repo)}/blob/{quote(branch, safe='/')}"

    def _request(
        self,
        method: str,
        path: str,
        doing: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = self._client.request(method, path, json=json, params=params, headers=headers)
        except httpx.HTTPError as exc:
            raise GitHostUnavailableError(
                f"GitHub {self._host} could not be reached while {doing}: "
                + redact_text(f"{type(exc).__name__}: {exc}", [self._token], urls=True),
                host=self._host,
            ) from exc
        if response.status_code == 401:
            raise GitHostError(
                f"GitHub {self._host} refused the token while {doing} (401); "
                "check integrations.github's token",
                host=self._host,
                status=401,
            )
        return response

    def _fail(self, response: httpx.Response, doing: str) -> GitHostError:
        try:
            body = response.json()
            detail = str(body.get("message", "")) if isinstance(body, dict) else str(body)
        except ValueError:
            detail = response.text[:200]
        return GitHostError(
            f"GitHub {self._host} failed while {doing} ({response.status_code}): "
            + redact_text(detail, [self._token], urls=True),
            host=self._host,
            status=response.status_code,
        )

    def _info(self, data: dict[str, Any], owner: str, repo: str) -> RepoInfo:
        return RepoInfo(
            host=self._host,
            owner=owner,
            name=repo,
            id=str(data["id"]),
            clone_url=str(data.get("clone_url") or self.clone_url(owner, repo)),
            web_url=str(data.get("html_url") or self.web_url(owner, repo)),
            default_branch=str(data.get("default_branch") or "main"),
        )

    def get_repo(self, owner: str, repo: str) -> RepoInfo:
        """The repository; RepoNotFoundError when GitHub has none."""
        repo = _names(owner, repo)
        doing = f"reading repository {owner}/{repo}"
        response = self._request("GET", f"/repos/{owner}/{repo}", doing)
        if response.status_code == 404:
            raise RepoNotFoundError(
                f"GitHub {self._host} has no repository {owner}/{repo}", owner=owner, repo=repo
            )
        if response.status_code != 200:
            raise self._fail(response, doing)
        return self._info(response.json(), owner, repo)

    def repo_exists(self, owner: str, repo: str) -> bool:
        """Whether the repository exists."""
        try:
            self.get_repo(owner, repo)
        except RepoNotFoundError:
            return False
        return True

    def _authenticated_login(self) -> str:
        response = self._request("GET", "/user", "reading the token's user")
        if response.status_code != 200:
            raise self._fail(response, "reading the token's user")
        return str(response.json().get("login", ""))

    def create_repo(
        self,
        owner: str,
        repo: str,
        *,
        description: str = "",
        default_branch: str = "main",
        visibility: Visibility = "private",
    ) -> RepoInfo:
        """Create an empty repository for the token's user or in organisation ``owner``."""
        repo = _names(owner, repo)
        doing = f"creating repository {owner}/{repo}"
        body: dict[str, Any] = {
            "name": repo,
            "description": description,
            "private": visibility != "public",
            "auto_init": False,
        }
        if self._authenticated_login().lower() == owner.lower():
            path = "/user/repos"
        else:
            path = f"/orgs/{owner}/repos"
            body["visibility"] = visibility
        response = self._request("POST", path, doing, json=body)
        if response.status_code == 422 and "already exists" in response.text:
            raise RepoExistsError(
                f"GitHub {self._host} already has a repository {owner}/{repo}",
                owner=owner,
                repo=repo,
            )
        if response.status_code == 404:
            raise RepoNotFoundError(
                f"GitHub {self._host} has no organisation {owner!r} the token may create in",
                owner=owner,
            )
        if response.status_code != 201:
            raise self._fail(response, doing)
        log.info("created GitHub repository %s/%s on %s", owner, repo, self._host)
        info = self._info(response.json(), owner, repo)
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
        """Delete the repository; with ``repo_id``, only if it is still that repository."""
        repo = _names(owner, repo)
        if repo_id is not None and self.get_repo(owner, repo).id != repo_id:
            raise RepoNotFoundError(
                f"GitHub repository {owner}/{repo} is no longer the one created "
                f"(id {repo_id}); left untouched",
                owner=owner,
                repo=repo,
            )
        doing = f"deleting repository {owner}/{repo}"
        response = self._request("DELETE", f"/repos/{owner}/{repo}", doing)
        if response.status_code == 404:
            raise RepoNotFoundError(
                f"GitHub {self._host} has no repository {owner}/{repo}", owner=owner, repo=repo
            )
        if response.status_code != 204:
            raise self._fail(response, doing)
        log.info("deleted GitHub repository %s/%s on %s", owner, repo, self._host)

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
            username="x-access-token",
            token=self._token,
            tmp_root=self._tmp_root,
        )

    # -- the catalog's UrlReader ------------------------------------------------------------

    def _split_url(self, url: str) -> tuple[str, str, str, str]:
        """``(owner, repo, "blob" or "tree", "<ref>/<path>")`` of a URL of this host."""
        base_path = urlsplit(self._web).path
        rest = unquote(urlsplit(url).path)[len(base_path) + 1 :]
        owner, _, rest = rest.partition("/")
        repo, _, rest = rest.partition("/")
        kind, _, ref_and_path = rest.partition("/")
        return owner, repo, kind, ref_and_path

    def can_read(self, url: str) -> bool:
        """Whether ``url`` is a ``/blob/`` file URL of this host."""
        return url.startswith(self._web + "/") and "/blob/" in url

    def read(self, url: str) -> bytes:
        """The file's bytes, through the contents API (the ref may hold slashes)."""
        owner, repo, kind, ref_and_path = self._split_url(url)
        if kind != "blob":
            raise GitPathNotFoundError(f"GitHub {self._host} has no file at {url}", url=url)
        for ref, file_path in ref_and_path_splits(ref_and_path, url):
            response = self._request(
                "GET",
                f"/repos/{owner}/{repo}/contents/{quote(file_path)}",
                f"reading {url}",
                params={"ref": ref},
                headers={"Accept": "application/vnd.github.raw+json"},
            )
            if response.status_code == 200:
                return response.content
            if response.status_code != 404:
                raise self._fail(response, f"reading {url}")
        raise GitPathNotFoundError(f"GitHub {self._host} has no file at {url}", url=url)

    def can_read_folder(self, url: str) -> bool:
        """Whether ``url`` is a ``/tree/`` or ``/blob/`` URL of this host."""
        return url.startswith(self._web + "/") and ("/tree/" in url or "/blob/" in url)

    def read_folder(self, url: str) -> dict[str, tuple[bytes, int]]:
        """Every file under the folder ``url`` names, from a shallow fetch of its ref."""
        owner, repo, kind, ref_and_path = self._split_url(url)
        if kind not in ("tree", "blob"):
            raise GitPathNotFoundError(f"{url} is not a folder URL of GitHub {self._host}")
        return read_folder_over_https(
            self.clone_url(owner, repo),
            ref_and_path,
            url=url,
            username="x-access-token",
            token=self._token,
            tmp_root=self._tmp_root,
        )
