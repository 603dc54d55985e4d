"""Temporary folders live under the home, and start-up removes what dead processes left."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.config import Settings, load_settings
from goldpath.gitops import render_app, validate_tree
from goldpath.runtime import Runtime
from goldpath.scratch import ORPHAN_AGE_SECONDS, process_scratch, scratch_dir, sweep
from tests.gitops.helpers import spec

ROOT = Path(__file__).resolve().parents[1]

# A child that stages a repository on the local host the way a Create does, and is killed
# with SIGKILL while the staged repository exists (the host's rename never comes).
_STAGE_AND_HANG = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from goldpath.config import load_settings
    from goldpath.providers.git import GitHosts
    from goldpath.providers.git import _local
    from goldpath.scratch import scratch_dir

    settings = load_settings(home=Path(sys.argv[1]))
    host = GitHosts(settings).local
    def hang(*args, **kwargs):
        print("staged", flush=True)
        time.sleep(600)
    _local.LocalGitHost._move_into_place = hang
    with scratch_dir(settings.tmp_root, prefix="validate-"):
        host.create_repo("team", "doomed")
    """
)


def _home_settings(home: Path) -> Settings:
    return load_settings(home=home, catalog={"refresh_enabled": False}, scaffolder={"workers": 0})


@pytest.fixture
def hanging_child(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], Settings]]:
    """A process with a staged repository and a validation folder under the home."""
    home = tmp_path / "home"
    child = subprocess.Popen(
        [sys.executable, "-c", _STAGE_AND_HANG, str(home)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "staged"
        yield child, _home_settings(home)
    finally:
        if child.poll() is None:
            child.kill()
        child.wait(timeout=30)


def _left(settings: Settings) -> list[str]:
    root = settings.tmp_root
    return sorted(p.name for p in root.rglob("*")) if root.is_dir() else []


def test_start_up_removes_what_a_killed_create_left_under_the_home(
    hanging_child: tuple[subprocess.Popen[str], Settings],
) -> None:
    child, settings = hanging_child
    assert any(name.startswith("create-") for name in _left(settings))
    assert any(name.startswith("validate-") for name in _left(settings))
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    runtime = Runtime(settings)
    runtime.prepare()
    runtime.stop()
    assert _left(settings) == []
    assert not (settings.git_root / "team" / "doomed.git").exists()


def test_start_up_keeps_the_folders_of_a_live_process_sharing_the_home(
    hanging_child: tuple[subprocess.Popen[str], Settings],
) -> None:
    child, settings = hanging_child
    before = _left(settings)
    runtime = Runtime(settings)
    runtime.prepare()
    runtime.stop()
    assert child.poll() is None
    assert [name for name in before if name not in _left(settings)] == []


def test_validation_and_dry_runs_write_nothing_to_the_system_temp_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system_tmp = tmp_path / "system-tmp"
    system_tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(system_tmp))
    settings = _home_settings(tmp_path / "home")
    report = validate_tree(render_app(spec()), tmp_root=settings.tmp_root)
    assert report.ok, report.failures
    assert list(system_tmp.iterdir()) == []
    own = process_scratch(settings.tmp_root)
    assert own.parent == settings.tmp_root
    # finished folders are removed in the background; the pool of parked validators
    # (gitops/_warm.py) keeps its folder for as long as it lives
    def left() -> list[str]:
        return [p.name for p in own.iterdir() if not p.name.startswith("warm-validators-")]

    deadline = time.monotonic() + 30
    while left() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert left() == []


def test_leftovers_of_earlier_versions_go_once_they_are_old(tmp_path: Path) -> None:
    legacy = tmp_path / "git" / ".tmp"
    (legacy / "create-old").mkdir(parents=True)
    (legacy / "create-new").mkdir()
    old = time.time() - ORPHAN_AGE_SECONDS - 60
    os.utime(legacy / "create-old", (old, old))
    removed = sweep(tmp_path / "tmp", extra=(legacy,))
    assert removed == [legacy / "create-old"]
    assert [p.name for p in legacy.iterdir()] == ["create-new"]


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(alive=st.lists(st.booleans(), min_size=1, max_size=6))
def test_sweep_removes_exactly_the_folders_no_live_process_holds(
    tmp_path: Path, alive: list[bool]
) -> None:
    root = tmp_path / f"tmp-{time.perf_counter_ns()}"
    root.mkdir()
    with ExitStack() as stack:
        folders = []
        for index, is_alive in enumerate(alive):
            folder = root / f"host-{10_000 + index}-abcd{index:04d}"
            (folder / "work").mkdir(parents=True)
            lock = stack.enter_context(open(folder.with_name(folder.name + ".lock"), "ab"))
            if is_alive:  # an open file description of its own: another process's lock
                fcntl.flock(lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            folders.append(folder)
        removed = sweep(root)
        assert sorted(removed) == sorted(f for f, a in zip(folders, alive, strict=True) if not a)
        for folder, is_alive in zip(folders, alive, strict=True):
            assert folder.is_dir() == is_alive
            assert folder.with_name(folder.name + ".lock").exists() == is_alive


def test_a_scratch_folder_is_removed_when_its_block_ends(tmp_path: Path) -> None:
    with scratch_dir(tmp_path / "tmp", prefix="x-") as folder:
        (folder / "file").write_text("x")
    assert not folder.exists()
    assert folder.parent == process_scratch(tmp_path / "tmp")
