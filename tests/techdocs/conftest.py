"""Fixtures of the TechDocs tests: a build policy, a sandbox pool, a moto server for S3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from moto.server import ThreadedMotoServer

from goldpath.config import TechDocsSettings
from goldpath.techdocs import Builder, BuildPolicy, SandboxPool


@pytest.fixture
def policy() -> BuildPolicy:
    """The default allow-lists and limits."""
    return BuildPolicy.from_settings(TechDocsSettings())


@pytest.fixture(scope="session")
def sandbox_pool() -> Iterator[SandboxPool]:
    """Build sandboxes shared by the tests of one process (each imports MkDocs once)."""
    pool = SandboxPool()
    yield pool
    pool.close()


@pytest.fixture
def builder(policy: BuildPolicy, sandbox_pool: SandboxPool, tmp_path: Path) -> Builder:
    """A builder under the default policy."""
    return Builder(policy, scratch=tmp_path / "scratch", pool=sandbox_pool)


@pytest.fixture(scope="session")
def moto_endpoint() -> Iterator[str]:
    """A moto server on a free loopback port for this test process."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def aws(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Dummy credentials pointing boto3 at a freshly reset moto server."""
    httpx.post(f"{moto_endpoint}/moto-api/reset", timeout=10).raise_for_status()
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    return moto_endpoint
