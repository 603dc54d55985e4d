"""The three-way merge of an upgrade: the old render is the base, the repository's tree is
"ours" and the new render is "theirs"; git's own line merge (``git merge-file``) merges a
file both changed, and a file it cannot merge keeps conflict markers and is listed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from goldpath.providers.git import run_git
from goldpath.scratch import scratch_dir
from goldpath.trees import TreeFile

__all__ = ["TreeMerge", "merge_text", "merge_trees"]

OURS_LABEL = "repository"
BASE_LABEL = "template (old)"
THEIRS_LABEL = "template (new)"


@dataclass(frozen=True, slots=True)
class TreeMerge:
    """The merged tree and the files that carry conflict markers (or kept the repository's
    version against a template change that could not be merged)."""

    files: dict[PurePosixPath, TreeFile]
    conflicts: tuple[str, ...]


def _is_binary(*contents: bytes) -> bool:
    return any(b"\0" in content for content in contents)


def merge_text(
    base: bytes, ours: bytes, theirs: bytes, *, tmp_root: Path | None = None
) -> tuple[bytes, bool]:
    """``(merged bytes, whether it conflicts)`` for one file both sides changed."""
    if ours == theirs:
        return ours, False
    if _is_binary(base, ours, theirs):
        return ours, True
    with scratch_dir(tmp_root, prefix="merge-") as folder:
        for name, content in (("ours", ours), ("base", base), ("theirs", theirs)):
            (folder / name).write_bytes(content)
        merged = run_git(
            [
                "merge-file",
                "-p",
                "-L",
                OURS_LABEL,
                "-L",
                BASE_LABEL,
                "-L",
                THEIRS_LABEL,
                folder / "ours",
                folder / "base",
                folder / "theirs",
            ],
            ok_codes=tuple(range(1, 128)),  # the number of conflicts
        )
    lines = merged.splitlines()
    conflicted = any(line.startswith(b"<<<<<<< " + OURS_LABEL.encode()) for line in lines) and any(
        line.startswith(b">>>>>>> " + THEIRS_LABEL.encode()) for line in lines
    )
    return merged, conflicted


def merge_trees(
    base: Mapping[PurePosixPath, TreeFile],
    ours: Mapping[PurePosixPath, TreeFile],
    theirs: Mapping[PurePosixPath, TreeFile],
    *,
    tmp_root: Path | None = None,
) -> TreeMerge:
    """Merge what the template changed (``base`` -> ``theirs``) into ``ours``.

    A file the template did not change keeps the repository's version; a file the
    repository did not change takes the template's (added, changed or removed); a file
    both changed is merged line by line. A file one side removed and the other changed
    stays as the repository has it and is listed as a conflict.
    """
    merged: dict[PurePosixPath, TreeFile] = {}
    conflicts: list[str] = []
    for path in sorted(set(base) | set(ours) | set(theirs)):
        b, o, t = base.get(path), ours.get(path), theirs.get(path)
        if t == b:
            result = o
        elif o in (b, t):
            result = t
        elif o is None or t is None:
            result = o  # removed on one side, changed on the other: keep it and say so
            conflicts.append(path.as_posix())
        else:
            content, conflicted = merge_text(
                b.content if b is not None else b"", o.content, t.content, tmp_root=tmp_root
            )
            mode = t.mode if b is not None and o.mode == b.mode else o.mode
            result = TreeFile(content, mode)
            if conflicted:
                conflicts.append(path.as_posix())
        if result is not None:
            merged[path] = result
    return TreeMerge(files=merged, conflicts=tuple(conflicts))
