"""Fixtures of the TechDocs tests: a build policy, a sandbox pool, a moto server for S3."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from goldpath.config import TechDocsSettings
from goldpath.techdocs import Builder, BuildPolicy, SandboxPool
from tests.support.moto import aws, moto_endpoint

__all__ = ["aws", "builder", "moto_endpoint", "policy", "sandbox_pool"]


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
