"""Short-lived trees go to a memory-backed scratch root when there is one, safely.

``scratch.memory`` (see docs/configuration.md, "Temporary files"): ``auto`` takes a tmpfs
with enough room, ``off`` keeps everything under the home, a path names a folder. The
folder goldpath makes there is private to its user, or goldpath stays on disk.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from goldpath import scratch
from goldpath.config import ConfigError, Settings, load_settings
from goldpath.runtime import Runtime
from goldpath.scratch import memory_scratch, process_scratch, sweep_memory

TEMPLATE = "template:default/nodejs-service"


@pytest.fixture(autouse=True)
def _fresh_decisions() -> Iterator[None]:
    """Each test decides anew (the choice is remembered per process)."""
    scratch._memory_base.cache_clear()
    yield
    scratch._memory_base.cache_clear()


def _settings(home: Path, memory: str, **more: object) -> Settings:
    return load_settings(
        home=home,
        catalog={"refresh_enabled": False, "file_roots": [str(home.parent)]},
        scaffolder={"workers": 0},
        scratch={"memory": memory, **more},
    )


def _fake_tmpfs(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    folder.mkdir(exist_ok=True)
    monkeypatch.setattr(scratch, "MEMORY_CANDIDATES", (folder,))
    monkeypatch.setattr(
        scratch, "_file_system_type", lambda path: "tmpfs" if path == folder else "ext4"
    )


def test_the_mount_table_names_a_path_s_file_system() -> None:
    assert scratch._file_system_type(Path("/proc/self")) == "proc"
    assert scratch._file_system_type(Path("/")) is not None


def test_dev_shm_is_used_when_it_is_a_tmpfs(tmp_path: Path) -> None:
    shm = Path("/dev/shm")
    if scratch._file_system_type(shm) != "tmpfs":
        pytest.skip("/dev/shm is not a tmpfs on this machine (the auto choice stays on disk)")
    settings = _settings(tmp_path / "home", "auto")
    root = settings.scratch_root
    assert root.parent == shm / f"goldpath-{os.geteuid()}"
    assert root != settings.tmp_root
    assert scratch._file_system_type(process_scratch(root)) == "tmpfs"


def test_auto_takes_a_tmpfs_with_room_and_keys_the_root_by_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    memory = tmp_path / "shm"
    _fake_tmpfs(monkeypatch, memory)
    one = _settings(tmp_path / "one", "auto").scratch_root
    two = _settings(tmp_path / "two", "auto").scratch_root
    assert one.parent == two.parent == memory / f"goldpath-{os.geteuid()}"
    assert one != two
    assert _settings(tmp_path / "one", "auto").scratch_root == one


@pytest.mark.parametrize(
    ("memory", "min_free_mb"),
    [("off", 0), ("auto", 10**9)],
    ids=["off", "tmpfs-without-room"],
)
def test_without_memory_scratch_everything_stays_under_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, memory: str, min_free_mb: int
) -> None:
    _fake_tmpfs(monkeypatch, tmp_path / "shm")
    settings = _settings(tmp_path / "home", memory, memory_min_free_mb=min_free_mb)
    assert settings.scratch_root == settings.tmp_root
    assert settings.workspace_root.parent.parent == settings.tmp_root


def test_auto_ignores_a_folder_that_is_not_a_memory_file_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    monkeypatch.setattr(scratch, "MEMORY_CANDIDATES", (disk,))
    settings = _settings(tmp_path / "home", "auto")
    assert settings.scratch_root == settings.tmp_root


def test_a_named_folder_is_used_whatever_its_file_system(tmp_path: Path) -> None:
    named = tmp_path / "fast"
    named.mkdir()
    settings = _settings(tmp_path / "home", str(named))
    assert settings.scratch_root.parent == named / f"goldpath-{os.geteuid()}"
    assert settings.workspace_root.is_relative_to(settings.scratch_root)


def test_a_named_folder_that_does_not_exist_falls_back_to_the_home(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(tmp_path / "home", str(tmp_path / "missing"))
    assert settings.scratch_root == settings.tmp_root
    assert "is not a folder" in caplog.text


@pytest.mark.parametrize("trap", ["shared", "symlink"])
def test_a_folder_another_user_could_have_made_is_not_trusted(
    tmp_path: Path, trap: str, caplog: pytest.LogCaptureFixture
) -> None:
    named = tmp_path / "shm"
    named.mkdir()
    ours = named / f"goldpath-{os.geteuid()}"
    if trap == "shared":
        ours.mkdir()
        ours.chmod(0o777)
    else:
        (tmp_path / "elsewhere").mkdir()
        ours.symlink_to(tmp_path / "elsewhere")
    settings = _settings(tmp_path / "home", str(named))
    assert settings.scratch_root == settings.tmp_root
    assert "not a private folder" in caplog.text


def test_the_private_folder_is_made_for_this_user_only(tmp_path: Path) -> None:
    named = tmp_path / "shm"
    named.mkdir()
    _settings(tmp_path / "home", str(named)).scratch_root  # noqa: B018 - decides
    made = os.lstat(named / f"goldpath-{os.geteuid()}")
    assert made.st_mode & 0o777 == 0o700


def test_a_private_folder_removed_from_under_a_process_is_made_private_again(
    tmp_path: Path,
) -> None:
    named = tmp_path / "shm"
    named.mkdir()
    settings = _settings(tmp_path / "home", str(named))
    first = settings.scratch_root
    ours = named / f"goldpath-{os.geteuid()}"
    ours.rmdir()
    assert settings.scratch_root == first
    assert os.lstat(ours).st_mode & 0o777 == 0o700


@pytest.mark.parametrize("value", ["relative/path", "yes", ""])
def test_scratch_memory_must_be_auto_off_or_an_absolute_path(
    tmp_path: Path, value: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        _settings(tmp_path / "home", value)
    (error,) = raised.value.errors
    assert error.field == "scratch.memory"
    assert "must be 'auto', 'off' or an absolute path" in error.message


def test_the_start_up_sweep_clears_every_home_s_memory_root(tmp_path: Path) -> None:
    named = tmp_path / "shm"
    named.mkdir()
    base_of = lambda home: memory_scratch(str(named), 0, home)  # noqa: E731
    dead_home, live_home = base_of(tmp_path / "dead"), base_of(tmp_path / "live")
    assert dead_home is not None and live_home is not None
    folders = []
    locks = []
    for home_root in (dead_home, live_home):
        folder = home_root / "otherhost-99999-abcdabcd"
        (folder / "workspaces" / "task").mkdir(parents=True)
        lock = open(folder.with_name(folder.name + ".lock"), "ab")  # noqa: SIM115
        locks.append(lock)
        folders.append(folder)
    try:
        # the live home's process holds its lock (an open file description of its own)
        fcntl.flock(locks[1].fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        removed = sweep_memory(live_home)
        assert removed == [folders[0]]
        assert not dead_home.exists()  # left empty: removed too
        assert folders[1].is_dir()
    finally:
        for lock in locks:
            lock.close()


def test_start_up_sweeps_the_memory_roots_of_other_homes(tmp_path: Path) -> None:
    named = tmp_path / "shm"
    named.mkdir()
    gone = memory_scratch(str(named), 0, tmp_path / "gone-home")
    assert gone is not None
    dead = gone / "otherhost-99999-abcdabcd"
    dead.mkdir(parents=True)
    dead.with_name(dead.name + ".lock").touch()
    runtime = Runtime(_settings(tmp_path / "home", str(named)))
    runtime.prepare()
    runtime.stop()
    assert not gone.exists()


def test_a_create_works_in_memory_and_leaves_nothing_under_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = tmp_path / "shm"
    named.mkdir()
    settings = _settings(tmp_path / "home", str(named))
    used: list[Path] = []
    finished = scratch._remover.remove
    monkeypatch.setattr(scratch._remover, "remove", lambda f: (used.append(f), finished(f)))
    runtime = Runtime(settings)
    runtime.start()
    try:
        org = tmp_path / "org.yaml"
        org.write_text(
            "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-orders\n"
            "spec:\n  type: team\n  children: []\n"
        )
        runtime.catalog.add_location("file", str(org))
        task_id = runtime.task_creator.create(TEMPLATE, {
            "name": "orders", "description": "Takes orders", "owner": "group:default/team-orders",
            "system": "commerce", "port": 3000, "nodeVersion": "26",
        })
        workspace = runtime.task_executor.workspace_of(task_id)
        runtime.task_executor.run_next("test")
        task = runtime.task_store.get(task_id)
    finally:
        runtime.stop()
    assert str(task.status) == "completed", task.error
    assert workspace.is_relative_to(settings.scratch_root)
    assert not workspace.exists()
    assert any(folder.name.startswith(".removing-validate-") or "validate-" in folder.name
               for folder in used)
    assert all(folder.is_relative_to(settings.scratch_root) for folder in used), used
    leftovers = [p for p in settings.tmp_root.rglob("*") if "validate-" in p.name
                 or "workspaces" in p.parts]
    assert leftovers == []
