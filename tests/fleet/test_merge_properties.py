"""The upgrade's three-way merge: the issue's invariants as properties."""

from __future__ import annotations

from pathlib import PurePosixPath

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.fleet._merge3 import merge_text, merge_trees
from goldpath.trees import TreeFile

_PATHS = st.sampled_from(
    [PurePosixPath(p) for p in ("Dockerfile", "src/app.js", "README.md", "ci.yml")]
)
_LINE = st.sampled_from(
    ["FROM node:22", "USER node", "run()", "x = 1", "", "# note", "EXPOSE 3000"]
)
_TEXT = st.lists(_LINE, max_size=6).map(
    lambda lines: "".join(f"{line}\n" for line in lines).encode()
)
_TREE = st.dictionaries(_PATHS, _TEXT.map(TreeFile), max_size=4)
_FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_FAST
@given(base=_TREE, theirs=_TREE)
def test_upgrading_without_local_edits_equals_a_fresh_render(
    base: dict[PurePosixPath, TreeFile], theirs: dict[PurePosixPath, TreeFile]
) -> None:
    merged = merge_trees(base, dict(base), theirs)
    assert merged.files == theirs and merged.conflicts == ()


@_FAST
@given(base=_TREE, theirs=_TREE, edited=_PATHS, edit=_TEXT)
def test_a_local_edit_in_a_file_the_template_did_not_change_survives(
    base: dict[PurePosixPath, TreeFile],
    theirs: dict[PurePosixPath, TreeFile],
    edited: PurePosixPath,
    edit: bytes,
) -> None:
    theirs = dict(theirs)
    if edited in base:
        theirs[edited] = base[edited]  # the template leaves this file as it was
    else:
        theirs.pop(edited, None)
    ours = {**base, edited: TreeFile(edit)}
    merged = merge_trees(base, ours, theirs)
    assert merged.files[edited] == TreeFile(edit)
    assert edited.as_posix() not in merged.conflicts


@_FAST
@given(base=_TREE, ours=_TREE, theirs=_TREE)
def test_applying_an_upgrade_twice_is_a_no_op(
    base: dict[PurePosixPath, TreeFile],
    ours: dict[PurePosixPath, TreeFile],
    theirs: dict[PurePosixPath, TreeFile],
) -> None:
    once = merge_trees(base, ours, theirs)
    if once.conflicts:
        return  # a conflicted upgrade waits for a person; it is never applied again
    # The repository is now at the new template version: upgrading to it again is base == theirs.
    assert merge_trees(theirs, once.files, theirs).files == once.files


@_FAST
@given(base=_TREE, ours=_TREE, theirs=_TREE)
def test_merging_the_same_change_again_changes_nothing(
    base: dict[PurePosixPath, TreeFile],
    ours: dict[PurePosixPath, TreeFile],
    theirs: dict[PurePosixPath, TreeFile],
) -> None:
    once = merge_trees(base, ours, theirs)
    if once.conflicts:
        return
    twice = merge_trees(base, once.files, theirs)
    assert twice.files == once.files and twice.conflicts == ()


def test_an_edit_on_a_line_the_template_changes_is_a_marked_conflict() -> None:
    merged, conflicted = merge_text(
        b"FROM node:22\nUSER node\n",
        b"FROM node:22-slim\nUSER node\n",
        b"FROM node:24\nUSER node\n",
    )
    assert conflicted
    assert b"<<<<<<< repository" in merged and b">>>>>>> template (new)" in merged
    assert b"FROM node:22-slim" in merged and b"FROM node:24" in merged
