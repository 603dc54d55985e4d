"""GitHosts: a repoUrl's host goes to its integration, else the local host in development."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from goldpath.config import Settings, load_settings
from goldpath.providers.git import (
    GitHosts,
    GitHubHost,
    GitLabHost,
    LocalGitHost,
    NoGitIntegrationError,
)


def _settings(home: Path, **overrides: object) -> Settings:
    return load_settings(
        home=home,
        integrations={
            "gitlab": [{"host": "gitlab.acme.io", "token": "t-gl"}],
            "github": [{"host": "github.com", "token": "t-gh"}],
        },
        **overrides,
    )


def test_configured_hosts_resolve_to_their_integration(goldpath_home: Path) -> None:
    hosts = GitHosts(_settings(goldpath_home))
    gitlab, parsed = hosts.for_repo_url("gitlab.acme.io?owner=team&repo=svc")
    assert isinstance(gitlab, GitLabHost)
    assert (parsed.owner, parsed.repo) == ("team", "svc")
    github, _ = hosts.for_repo_url("GitHub.com?owner=acme&repo=svc", kind="github")
    assert isinstance(github, GitHubHost)


def test_same_host_gives_the_same_instance(goldpath_home: Path) -> None:
    hosts = GitHosts(_settings(goldpath_home))
    assert hosts.for_host("gitlab.acme.io") is hosts.for_host("gitlab.acme.io")


def test_unconfigured_host_in_development_uses_local_and_says_so(
    goldpath_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hosts = GitHosts(_settings(goldpath_home))
    caplog.set_level(logging.INFO)
    host, parsed = hosts.for_repo_url("gitlab.example.com?owner=team&repo=svc")
    assert isinstance(host, LocalGitHost)
    assert host.root == goldpath_home / "git"
    assert "gitlab.example.com" in caplog.text and "local git host" in caplog.text
    assert parsed.host == "gitlab.example.com"


def test_unconfigured_host_in_production_is_an_error_naming_it(goldpath_home: Path) -> None:
    settings = _settings(goldpath_home, env="production")
    with pytest.raises(NoGitIntegrationError) as caught:
        GitHosts(settings).for_repo_url("gitlab.example.com?owner=team&repo=svc", kind="gitlab")
    assert "gitlab.example.com" in str(caught.value)
    assert caught.value.errors[0].field == "repoUrl"


def test_host_of_the_other_kind_is_refused(goldpath_home: Path) -> None:
    hosts = GitHosts(_settings(goldpath_home))
    with pytest.raises(NoGitIntegrationError, match="github"):
        hosts.for_repo_url("github.com?owner=acme&repo=svc", kind="gitlab")


def test_platform_host_defaults_to_local_in_development(settings: Settings) -> None:
    assert isinstance(GitHosts(settings).platform_host(), LocalGitHost)


def test_platform_host_uses_its_integration(goldpath_home: Path) -> None:
    settings = _settings(goldpath_home, platform={"git_host": "gitlab.acme.io"})
    assert isinstance(GitHosts(settings).platform_host(), GitLabHost)
