"""Fixtures for the git server: a portal with the demo organisation and one component whose
application and GitOps repositories live on the local git host."""

from __future__ import annotations

import base64
import hashlib
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from goldpath.config import Settings
from goldpath.providers.git import LocalGitHost, Repository
from goldpath.runtime import Runtime
from goldpath.web.auth import TokenStore
from tests.web.conftest import make_client

ADA = "user:default/ada"  # platform-team: a platform admin
GRACE = "user:default/grace"  # payments-team: owns the component below
LINUS = "user:default/linus"  # payments-team and storefront-team
MARGARET = "user:default/margaret"  # storefront-team: an outsider to it
APP = ("apps", "ledger")
GITOPS = ("gitops", "ledger")


def basic(token: str) -> dict[str, str]:
    """``Authorization: Basic`` with any user name and the token as the password (as git sends)."""
    raw = base64.b64encode(f"git:{token}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def pkt(line: bytes) -> bytes:
    """One pkt-line."""
    return f"{len(line) + 4:04x}".encode() + line


def empty_pack() -> bytes:
    """A pack of no objects (what git sends when every new sha is already there)."""
    header = b"PACK" + struct.pack(">II", 2, 0)
    return header + hashlib.sha1(header).digest()


def receive_pack_body(commands: list[tuple[str, str, str]]) -> bytes:
    """A ``git-receive-pack`` request: the commands, a flush, then an empty pack."""
    lines = []
    for index, (old, new, ref) in enumerate(commands):
        text = f"{old} {new} {ref}".encode()
        if index == 0:
            text += b"\0report-status"
        lines.append(pkt(text + b"\n"))
    body = b"".join(lines) + b"0000"
    if any(new != "0" * 40 for _, new, _ in commands):
        body += empty_pack()
    return body


def _publish(host: LocalGitHost, owner: str, repo: str, files: dict[str, str], tmp: Path) -> None:
    source = tmp / f"{owner}-{repo}"
    source.mkdir(parents=True)
    for name, text in files.items():
        (source / name).write_text(text, encoding="utf-8")
    info = host.create_repo(owner, repo)
    host.push(source, info, branch="main", message="init", author_name="A", author_email="a@x")
    (source / "second.txt").write_text("two\n", encoding="utf-8")
    host.push(source, info, branch="main", message="two", author_name="A", author_email="a@x")


def component(name: str, description: str = "The ledger") -> str:
    """A catalog-info.yaml of a payments-team component on the local host's app group."""
    return yaml.safe_dump(
        {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {
                "name": name,
                "description": description,
                "annotations": {"gitlab.com/project-slug": f"{APP[0]}/{name}"},
            },
            "spec": {"type": "service", "lifecycle": "experimental", "owner": "payments-team"},
        }
    )


@dataclass
class GitPortal:
    """The portal, its runtime, and tokens of demo users."""

    client: TestClient
    runtime: Runtime
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def host(self) -> LocalGitHost:
        """The local git host."""
        return self.runtime.git_hosts.local

    def token(self, user: str) -> str:
        """A personal API token of ``user`` (minted once)."""
        if user not in self.tokens:
            self.tokens[user] = TokenStore(self.runtime.database).issue(user, "git").plaintext
        return self.tokens[user]

    def refs(self, owner: str, repo: str) -> dict[str, str]:
        """Every ref of a repository, read from disk."""
        return Repository(self.host.repo_path(owner, repo)).refs()


@pytest.fixture
def git_portal(settings: Settings, tmp_path: Path) -> Iterator[GitPortal]:
    """The development portal with the demo organisation, ``apps/ledger`` (registered as
    payments-team's component) and ``gitops/ledger``, each with two commits on main."""
    for client, runtime in make_client(settings, seed=True):
        host = runtime.git_hosts.local
        _publish(host, *APP, {"catalog-info.yaml": component("ledger")}, tmp_path)
        _publish(host, *GITOPS, {"values.yaml": "replicas: 2\n"}, tmp_path)
        contents = host.contents_url(*APP, "main")
        runtime.catalog.add_location("url", f"{contents}/catalog-info.yaml")
        yield GitPortal(client, runtime)
