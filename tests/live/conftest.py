"""Fixtures for the live tests: schema-checked Argo CD and GitLab doubles, a dead address."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from tests.live._doubles import ArgoCdState, GitLabState, fake_argocd, fake_gitlab_pipelines
from tests.providers.git._server import serve

ARGOCD_TOKEN = "argocd-token-d7b1e0"
GITLAB_TOKEN = "glpat-live-3c9e51"


@pytest.fixture
def argocd() -> Iterator[tuple[ArgoCdState, str]]:
    """An Argo CD double on loopback: its state and base URL."""
    state = ArgoCdState(token=ARGOCD_TOKEN)
    with serve(lambda _base: fake_argocd(state)) as base_url:
        yield state, base_url
    assert state.violations == [], "the Argo CD double broke its contract"


@pytest.fixture
def gitlab() -> Iterator[tuple[GitLabState, str]]:
    """A GitLab double (pipelines and jobs) on loopback: its state and base URL."""
    state = GitLabState(token=GITLAB_TOKEN)
    with serve(lambda _base: fake_gitlab_pipelines(state)) as base_url:
        yield state, base_url
    assert state.violations == [], "the GitLab double broke its contract"


@pytest.fixture
def dead_url() -> str:
    """An http URL on loopback where nothing listens (connections are refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
