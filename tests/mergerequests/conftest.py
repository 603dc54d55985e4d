"""Fixtures for the merge-request store: a local git host with a pushed repository."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.config import Settings
from goldpath.mergerequests import MergeRequestService
from goldpath.providers.git import GitHosts, LocalGitHost, RepoInfo
from goldpath.runtime import Runtime
from tests.permissions.conftest import cli_env, demo  # noqa: F401 (fixtures for test_web)


def write_files(root: Path, files: dict[str, str]) -> Path:
    """``files`` (path -> text) written under ``root``; returns ``root``."""
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def push(
    host: LocalGitHost | object, info: RepoInfo, tmp: Path, branch: str, files: dict[str, str]
) -> str:
    """Commit ``files`` as the whole tree on top of ``branch``; returns the sha."""
    count = len(list(tmp.glob("push-*")))
    source = write_files(tmp / f"push-{count}", files)
    return host.push(  # type: ignore[attr-defined, no-any-return]
        source,
        info,
        branch=branch,
        message=f"change {branch}",
        author_name="Ada",
        author_email="ada@example.com",
    )


@pytest.fixture
def runtime(settings: Settings) -> Runtime:
    """A prepared (migrated) runtime on the test's home."""
    root = Runtime(settings)
    root.prepare()
    return root


@pytest.fixture
def hosts(runtime: Runtime) -> GitHosts:
    """The runtime's git hosts (the local host in development)."""
    return runtime.git_hosts


@pytest.fixture
def service(runtime: Runtime) -> MergeRequestService:
    """The runtime's merge-request store."""
    return runtime.merge_requests


@pytest.fixture
def repo(hosts: GitHosts, tmp_path: Path) -> RepoInfo:
    """``team/orders`` on the local host with one commit on main and a feature branch
    that changes ``app.txt``."""
    info = hosts.local.create_repo("team", "orders")
    push(hosts.local, info, tmp_path, "main", {"app.txt": "v1\n", "keep.txt": "k\n"})
    hosts.local.create_branch("team", "orders", "feature", start="main")
    push(hosts.local, info, tmp_path, "feature", {"app.txt": "v2\n", "keep.txt": "k\n"})
    return info
