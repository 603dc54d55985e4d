"""GitHosts: which git host a repoUrl publishes to (an integration, else the local host)."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Literal

from pydantic import SecretStr

from goldpath.config import GitIntegration, Settings
from goldpath.errors import FieldError
from goldpath.providers.git._github import GitHubHost
from goldpath.providers.git._local import LocalGitHost
from goldpath.providers.git._protocol import GitHost
from goldpath.providers.git._url import RepoUrl, parse_repo_url
from goldpath.providers.git.errors import NoGitIntegrationError

__all__ = ["GitHosts", "RemoteKind"]

log = logging.getLogger(__name__)

RemoteKind = Literal["gitlab", "github"]


class GitHosts:
    """Resolves hosts to GitLab/GitHub integrations, or to the local host in development."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self.local = LocalGitHost(
            settings.git_root, settings.server.public_url, tmp_root=settings.tmp_root
        )
        self._remote: dict[tuple[RemoteKind, str], GitHost] = {}
        self._lock = threading.Lock()

    def _integration(self, host: str) -> tuple[RemoteKind, GitIntegration] | None:
        for kind, integrations in (
            ("gitlab", self._settings.integrations.gitlab),
            ("github", self._settings.integrations.github),
        ):
            for integration in integrations:
                if integration.host.lower() == host.lower():
                    return kind, integration  # type: ignore[return-value]
        return None

    def _build(self, kind: RemoteKind, integration: GitIntegration) -> GitHost:
        key = (kind, integration.host.lower())
        with self._lock:
            if key not in self._remote:
                self._remote[key] = _remote_host(kind, integration, self._settings.tmp_root)
            return self._remote[key]

    def for_host(
        self,
        host: str,
        *,
        kind: RemoteKind | None = None,
        field: str = "host",
        token: str | None = None,
    ) -> GitHost:
        """The host's integration; else the local host in development, else an error.

        ``kind`` is the kind the caller expects (``publish:gitlab`` expects GitLab): a host
        configured as the other kind is refused rather than silently used. ``token`` (a
        user's own, from the template's secrets) replaces the integration's token.
        """
        found = self._integration(host)
        if found is not None:
            found_kind, integration = found
            if kind is not None and found_kind != kind:
                raise NoGitIntegrationError(
                    f"{host} is configured as a {found_kind} integration, not {kind}",
                    errors=[FieldError(field, "integration", f"{host} is a {found_kind} host")],
                    host=host,
                )
            if token:
                integration = integration.model_copy(update={"token": SecretStr(token)})
                return _remote_host(found_kind, integration, self._settings.tmp_root)
            return self._build(found_kind, integration)
        if self._settings.is_production:
            where = f"integrations.{kind}" if kind else "integrations.gitlab or integrations.github"
            raise NoGitIntegrationError(
                f"no git integration is configured for host {host} ({where}); "
                "production never publishes to the local git host",
                errors=[FieldError(field, "integration", f"no integration for host {host}")],
                host=host,
            )
        log.info("no integration for %s: using the local git host (development)", host)
        return self.local

    def for_repo_url(
        self,
        repo_url: str,
        *,
        kind: RemoteKind | None = None,
        field: str = "repoUrl",
        token: str | None = None,
    ) -> tuple[GitHost, RepoUrl]:
        """Parse ``host?owner=o&repo=r`` and pick the host it publishes to."""
        parsed = parse_repo_url(repo_url, field=field)
        return self.for_host(parsed.host, kind=kind, field=field, token=token), parsed

    def url_readers(self) -> list[GitHost]:
        """Every host as a catalog UrlReader: the local host, then each integration."""
        readers: list[GitHost] = [self.local]
        for kind, integrations in (
            ("gitlab", self._settings.integrations.gitlab),
            ("github", self._settings.integrations.github),
        ):
            for integration in integrations:
                readers.append(self._build(kind, integration))  # type: ignore[arg-type]
        return readers

    def platform_host(self) -> GitHost:
        """The host of ``settings.platform.git_host`` (where GitOps repositories live)."""
        return self.for_host(self._settings.platform.git_host, field="platform.git_host")


def _remote_host(kind: RemoteKind, integration: GitIntegration, tmp_root: Path) -> GitHost:
    """A GitLab or GitHub host; python-gitlab is imported only when GitLab is configured."""
    if kind == "gitlab":
        from goldpath.providers.git._gitlab import GitLabHost

        return GitLabHost(integration, tmp_root=tmp_root)
    return GitHubHost(integration, tmp_root=tmp_root)
