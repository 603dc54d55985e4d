"""The one tree writer writes every file under its root and nothing anywhere else."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.trees import TreeFile, UnsafePathError, write_tree

folder = st.sampled_from(["a", "b", "link", "..", "."])
paths = st.lists(folder, max_size=4).map(lambda parts: "/".join([*parts, "f.txt"]))


def _everything(folder: Path) -> set[str]:
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(st.one_of(paths, paths.map(lambda p: "/" + p)), min_size=1, max_size=5))
def test_nothing_is_ever_written_outside_the_root(
    tmp_path_factory: pytest.TempPathFactory, names: list[str]
) -> None:
    base = tmp_path_factory.mktemp("tree")
    root, outside = base / "root", base / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "link")  # a folder symlink that leads out
    for name in names:
        try:
            written = write_tree(root, {PurePosixPath(name): "x"})
        except UnsafePathError:
            continue
        assert all(".." not in p.parts and not p.is_absolute() for p in written)
    assert _everything(outside) == set()


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(names=st.lists(paths, min_size=1, max_size=8, unique=True))
def test_nothing_is_written_outside_the_root_by_a_whole_tree(
    tmp_path_factory: pytest.TempPathFactory, names: list[str]
) -> None:
    # one call for many files: a folder checked for one file is trusted for the next only
    # because the writer itself never makes a symlink
    base = tmp_path_factory.mktemp("tree")
    root, outside = base / "root", base / "outside"
    root.mkdir()
    outside.mkdir()
    os.symlink(outside, root / "link")
    with contextlib.suppress(UnsafePathError, OSError):
        write_tree(root, {PurePosixPath(name): "x" for name in ["ok/first", *names]})
    assert _everything(outside) == set()


def test_text_bytes_and_modes_are_written_as_given(tmp_path: Path) -> None:
    files: dict[PurePosixPath, str | bytes | TreeFile] = {
        PurePosixPath("a/readme.md"): "héllo\n",
        PurePosixPath("b.bin"): b"\x00\xff",
        PurePosixPath("bin/run"): TreeFile(b"#!/bin/sh\n", 0o755),
    }
    assert write_tree(tmp_path / "out", files) == list(files)
    assert (tmp_path / "out/a/readme.md").read_text(encoding="utf-8") == "héllo\n"
    assert (tmp_path / "out/b.bin").read_bytes() == b"\x00\xff"
    assert os.stat(tmp_path / "out/bin/run").st_mode & 0o777 == 0o755


def test_a_symlink_inside_the_root_is_replaced_by_the_file(tmp_path: Path) -> None:
    (tmp_path / "target.txt").write_text("keep")
    os.symlink(tmp_path / "target.txt", tmp_path / "link.txt")  # inside the root
    write_tree(tmp_path, {PurePosixPath("link.txt"): "new"})
    assert not (tmp_path / "link.txt").is_symlink()
    assert (tmp_path / "target.txt").read_text() == "keep"


def test_a_refused_path_is_named_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(UnsafePathError) as info:
        write_tree(tmp_path, {PurePosixPath("../escape.txt"): "x"})
    assert info.value.reason == "contains '..'"
    assert info.value.errors[0].field == "path"
