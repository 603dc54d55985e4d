"""Skeleton rendering: contents and paths, globs, modes, and no way out of the target."""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.scaffolder import (
    SkeletonFile,
    check_relative,
    render_files,
    render_skeleton,
    resolve_inside,
)
from goldpath.scaffolder.errors import ExpressionError, PathEscapeError


def _skeleton(root: Path, files: dict[str, str]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    return root


def test_contents_and_paths_are_rendered(tmp_path: Path) -> None:
    source = _skeleton(
        tmp_path / "s",
        {
            "README.md": "# ${{ values.name }}\n{% if values.public %}public{% endif %}\n",
            "src/${{ values.name }}/index.js": "module.exports = '${{ values.name }}';\n",
        },
    )
    written = render_skeleton(source, tmp_path / "out", {"name": "svc", "public": True})
    assert sorted(p.as_posix() for p in written) == ["README.md", "src/svc/index.js"]
    assert (tmp_path / "out/README.md").read_text() == "# svc\npublic\n"
    assert (tmp_path / "out/src/svc/index.js").read_text() == "module.exports = 'svc';\n"


def test_copy_without_templating_keeps_contents_but_renders_paths(tmp_path: Path) -> None:
    source = _skeleton(
        tmp_path / "s",
        {
            "raw/${{ values.name }}.txt": "${{ values.name }} stays",
            "other.txt": "${{ values.name }}",
        },
    )
    render_skeleton(source, tmp_path / "out", {"name": "svc"}, copy_without_templating=["raw/**"])
    assert (tmp_path / "out/raw/svc.txt").read_text() == "${{ values.name }} stays"
    assert (tmp_path / "out/other.txt").read_text() == "svc"


def test_copy_without_render_keeps_paths_and_contents(tmp_path: Path) -> None:
    files = {PurePosixPath("ci/${{ values.name }}.yml"): SkeletonFile(b"${{ x }}")}
    out = render_files(files, {"name": "svc"}, copy_without_render=["ci/*"])
    assert out == {PurePosixPath("ci/${{ values.name }}.yml"): SkeletonFile(b"${{ x }}")}


def test_file_modes_are_kept(tmp_path: Path) -> None:
    source = _skeleton(tmp_path / "s", {"run.sh": "#!/bin/sh\necho ${{ values.name }}\n"})
    os.chmod(source / "run.sh", 0o755)
    render_skeleton(source, tmp_path / "out", {"name": "svc"})
    assert stat.S_IMODE((tmp_path / "out/run.sh").stat().st_mode) == 0o755


def test_path_that_renders_empty_drops_the_file(tmp_path: Path) -> None:
    source = _skeleton(tmp_path / "s", {"{% if values.docs %}docs.md{% endif %}": "x"})
    assert render_skeleton(source, tmp_path / "out", {"docs": False}) == []


def test_binary_files_are_copied_as_they_are(tmp_path: Path) -> None:
    (tmp_path / "s").mkdir()
    (tmp_path / "s/logo.png").write_bytes(b"\x89PNG\xff\xfe${{")
    render_skeleton(tmp_path / "s", tmp_path / "out", {})
    assert (tmp_path / "out/logo.png").read_bytes() == b"\x89PNG\xff\xfe${{"


def test_rendered_path_with_dotdot_is_refused(tmp_path: Path) -> None:
    source = _skeleton(tmp_path / "s", {"${{ values.name }}/x.txt": "x"})
    with pytest.raises(PathEscapeError, match=r"\.\."):
        render_skeleton(source, tmp_path / "out", {"name": "../../etc"})
    assert not (tmp_path / "etc").exists()


def test_rendered_absolute_path_is_refused(tmp_path: Path) -> None:
    source = _skeleton(tmp_path / "s", {"${{ values.name }}": "x"})
    with pytest.raises(PathEscapeError, match="absolute"):
        render_skeleton(source, tmp_path / "out", {"name": str(tmp_path / "abs.txt")})
    assert not (tmp_path / "abs.txt").exists()


def test_skeleton_symlink_out_is_refused(tmp_path: Path) -> None:
    source = _skeleton(tmp_path / "s", {"a.txt": "a"})
    (tmp_path / "secret").write_text("secret")
    os.symlink(tmp_path / "secret", source / "leak.txt")
    with pytest.raises(PathEscapeError, match="outside the skeleton"):
        render_skeleton(source, tmp_path / "out", {})


def test_writing_through_a_symlink_in_the_target_is_refused(tmp_path: Path) -> None:
    source = _skeleton(tmp_path / "s", {"dir/x.txt": "x"})
    (tmp_path / "out").mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", tmp_path / "out/dir")
    with pytest.raises(PathEscapeError, match="symlink"):
        render_skeleton(source, tmp_path / "out", {})
    assert list((tmp_path / "elsewhere").iterdir()) == []


segment = st.text(alphabet="abc.-_", min_size=1, max_size=5)


@given(parts=st.lists(st.one_of(segment, st.just("..")), min_size=1, max_size=6))
def test_any_traversal_is_refused(parts: list[str]) -> None:
    path = "/".join(parts)
    if ".." in parts:
        with pytest.raises(PathEscapeError):
            check_relative(path)
    else:
        assert ".." not in check_relative(path).parts


@given(parts=st.lists(segment, min_size=1, max_size=4))
def test_any_absolute_path_is_refused(parts: list[str]) -> None:
    with pytest.raises(PathEscapeError):
        check_relative("/" + "/".join(parts))


@given(name=st.lists(st.one_of(segment, st.just("..")), min_size=1, max_size=5).map("/".join))
def test_rendered_paths_never_leave_the_target(
    tmp_path_factory: pytest.TempPathFactory, name: str
) -> None:
    root = tmp_path_factory.mktemp("render")
    files = {PurePosixPath("${{ values.name }}/f.txt"): SkeletonFile(b"x")}
    try:
        out = render_files(files, {"name": name})
    except PathEscapeError:
        return
    for path in out:
        target = root.joinpath(*path.parts).resolve()
        assert str(target).startswith(str(root.resolve()))


def test_resolve_inside_refuses_symlinked_directory_out(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    os.symlink("/", tmp_path / "ws/root")
    with pytest.raises(PathEscapeError, match="symlink"):
        resolve_inside(tmp_path / "ws", "root/etc/passwd")


def test_values_inside_skeleton_files_are_not_rendered_again(tmp_path: Path) -> None:
    source = _skeleton(tmp_path / "s", {"${{ values.name }}.txt": "${{ values.name }}"})
    render_skeleton(source, tmp_path / "out", {"name": "{{ 7 * 7 }}${{ 1 }}"})
    assert (tmp_path / "out" / "{{ 7 * 7 }}${{ 1 }}.txt").read_text() == "{{ 7 * 7 }}${{ 1 }}"


def test_undefined_names_in_skeletons_render_empty_and_are_reported() -> None:
    # Backstage's nunjucks prints an undefined name as nothing, and public templates rely
    # on it: a GitHub workflow's ${{ github.sha }}, values a template forgot to pass.
    files = {
        PurePosixPath(".github/workflows/ci.yml"): SkeletonFile(b"ref: ${{ github.head_ref }}\n"),
        PurePosixPath("catalog-info.yaml"): SkeletonFile(
            b"slug: ${{ values.destination.owner }}/${{ values.name }}\n"
            b"{% if values.system %}system: ${{ values.system }}{% endif %}\n"
        ),
        PurePosixPath("docs/${{ values.docs }}/index.md"): SkeletonFile(b"dropped\n"),
        PurePosixPath("plain.txt"): SkeletonFile(b"${{ values.name }}\n"),
    }
    heard: dict[str, list[str]] = {}
    rendered = render_files(
        files, {"name": "svc"}, on_undefined=lambda path, names: heard.update({str(path): names})
    )
    assert rendered[PurePosixPath(".github/workflows/ci.yml")].content == b"ref: \n"
    assert rendered[PurePosixPath("catalog-info.yaml")].content == b"slug: /svc\n\n"
    assert PurePosixPath("docs/index.md") not in rendered  # an empty segment drops the file
    assert heard == {
        ".github/workflows/ci.yml": ["github"],
        "catalog-info.yaml": ["destination", "system"],
        "docs/${{ values.docs }}/index.md": ["docs"],
    }


def test_lenient_skeletons_still_refuse_unsafe_attributes() -> None:
    for text in (
        "${{ values.missing.__class__ }}",
        "${{ values.name.__class__.__mro__ }}",
        "{% if values.__class__ %}x{% endif %}",
    ):
        with pytest.raises(ExpressionError):
            render_files({PurePosixPath("f.txt"): SkeletonFile(text.encode())}, {"name": "svc"})
