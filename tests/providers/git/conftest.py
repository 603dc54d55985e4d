"""Fixtures for the git host tests: a local host and source directories to publish."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from goldpath.providers.git import LocalGitHost, clean_git_env


@pytest.fixture
def local_host(tmp_path: Path) -> LocalGitHost:
    """A LocalGitHost rooted in a temporary folder."""
    return LocalGitHost(tmp_path / "git-root", "http://portal.test:7007")


@pytest.fixture
def source_dir(tmp_path: Path) -> Path:
    """A small project to publish: a catalog file, a script with its executable bit, a
    nested file, and a .gitignore'd file that must not be committed."""
    src = tmp_path / "source"
    (src / "src").mkdir(parents=True)
    (src / "catalog-info.yaml").write_text("apiVersion: backstage.io/v1alpha1\nkind: Component\n")
    (src / "src" / "index.js").write_text("console.log('hi')\n")
    script = src / "run.sh"
    script.write_text("#!/bin/sh\necho run\n")
    script.chmod(0o755)
    (src / ".gitignore").write_text("node_modules/\n")
    (src / "node_modules").mkdir()
    (src / "node_modules" / "dep.js").write_text("ignored\n")
    return src


def git(*args: str, cwd: Path | None = None) -> str:
    """Run git with the same clean environment goldpath uses; return stdout."""
    return subprocess.run(
        ["git", *args], cwd=cwd, env=clean_git_env(), capture_output=True, text=True, check=True
    ).stdout
