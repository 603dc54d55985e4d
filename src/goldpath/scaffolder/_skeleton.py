"""Skeleton rendering for ``fetch:template``: contents and paths through the sandbox.

``render_files`` is pure (files in, files out); ``render_skeleton`` reads a directory,
renders it and writes the result, refusing anything that would leave the target.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from jinja2.sandbox import ImmutableSandboxedEnvironment

from goldpath import trees
from goldpath.scaffolder._expressions import collect_undefined, make_environment, render_text
from goldpath.scaffolder._paths import check_relative, is_within
from goldpath.scaffolder.errors import PathEscapeError

__all__ = [
    "SkeletonFile",
    "read_tree",
    "render_files",
    "render_skeleton",
]


SkeletonFile = trees.TreeFile
"""One file of a skeleton or of its rendering: bytes and POSIX mode bits."""


def _matches(path: PurePosixPath, patterns: Iterable[str]) -> bool:
    text = path.as_posix()
    for pattern in patterns:
        pattern = pattern[2:] if pattern.startswith("./") else pattern
        if fnmatch.fnmatchcase(text, pattern):
            return True
        # "dir/**" and "dir" also cover everything below dir (Backstage's globs)
        stem = pattern.rstrip("/")
        if stem.endswith("/**"):
            stem = stem[:-3]
        if stem and (text == stem or text.startswith(stem + "/")):
            return True
        if any(
            fnmatch.fnmatchcase(parent.as_posix(), stem) for parent in path.parents if parent.parts
        ):
            return True
    return False


def read_tree(source_dir: Path) -> dict[PurePosixPath, SkeletonFile]:
    """Every file under ``source_dir`` (symlinks followed only when they stay inside)."""
    if not source_dir.is_dir():
        raise PathEscapeError(
            f"skeleton directory {source_dir} does not exist", path=str(source_dir)
        )
    files: dict[PurePosixPath, SkeletonFile] = {}
    for dirpath, dirnames, filenames in os.walk(source_dir, followlinks=False):
        here = Path(dirpath)
        for name in list(dirnames):
            full = here / name
            if full.is_symlink():
                if not is_within(source_dir, full):
                    raise PathEscapeError(
                        f"skeleton symlink {full.relative_to(source_dir)} points outside",
                        path=str(full.relative_to(source_dir)),
                    )
                dirnames.remove(name)
                for sub_path, sub_file in read_tree(full.resolve()).items():
                    files[PurePosixPath(full.relative_to(source_dir).as_posix()) / sub_path] = (
                        sub_file
                    )
        for name in filenames:
            full = here / name
            relative = PurePosixPath(full.relative_to(source_dir).as_posix())
            if full.is_symlink() and not is_within(source_dir, full):
                raise PathEscapeError(
                    f"skeleton symlink {relative} points outside the skeleton", path=str(relative)
                )
            info = full.stat()
            files[relative] = SkeletonFile(full.read_bytes(), stat.S_IMODE(info.st_mode))
    return files


def render_files(
    files: Mapping[PurePosixPath, SkeletonFile],
    values: Mapping[str, Any],
    *,
    copy_without_templating: Iterable[str] = (),
    copy_without_render: Iterable[str] = (),
    template_file_extension: str | None = None,
    trim_blocks: bool = False,
    lstrip_blocks: bool = False,
    on_undefined: Callable[[PurePosixPath, list[str]], None] | None = None,
) -> dict[PurePosixPath, SkeletonFile]:
    """Render contents and paths with ``values`` (pure); rendered paths must stay relative.

    As in Backstage, a name the values do not define renders as nothing;
    ``on_undefined(path, names)`` hears of every file where that happened.
    """
    env = make_environment(trim_blocks=trim_blocks, lstrip_blocks=lstrip_blocks, lenient=True)
    context = {"values": dict(values)}
    no_templating = tuple(copy_without_templating)
    no_render = tuple(copy_without_render)
    rendered: dict[PurePosixPath, SkeletonFile] = {}
    for path in sorted(files):
        with collect_undefined() as undefined:
            rendered_file = _render_file(
                path, files[path], context, env, no_render, no_templating, template_file_extension
            )
        if undefined and on_undefined is not None:
            on_undefined(path, undefined)
        if rendered_file is not None:
            rendered[rendered_file[0]] = rendered_file[1]
    return rendered


def _render_file(
    path: PurePosixPath,
    file: SkeletonFile,
    context: Mapping[str, Any],
    env: ImmutableSandboxedEnvironment,
    no_render: tuple[str, ...],
    no_templating: tuple[str, ...],
    template_file_extension: str | None,
) -> tuple[PurePosixPath, SkeletonFile] | None:
    """One file's rendered path and contents; None when its path renders empty."""
    if _matches(path, no_render):
        target_text = path.as_posix()
        render_content = False
    else:
        target_text = render_text(path.as_posix(), context, where=f"path {path}", env=env)
        render_content = not _matches(path, no_templating)
    if template_file_extension is not None:
        if target_text.endswith(template_file_extension):
            target_text = target_text[: -len(template_file_extension)]
        else:
            render_content = False
    if target_text.startswith(("/", "\\")):
        check_relative(target_text, field=f"rendered path of {path}")
    # a path segment that renders empty drops the file (Backstage's conditional files)
    if not target_text or any(part == "" for part in target_text.split("/")):
        return None
    target = check_relative(target_text, field=f"rendered path of {path}")
    content = file.content
    if render_content:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            text = None  # binary files are copied as they are
        if text is not None:
            content = render_text(text, context, where=f"file {path}", env=env).encode("utf-8")
    return target, SkeletonFile(content, file.mode)


def render_skeleton(
    source_dir: Path,
    target_dir: Path,
    values: Mapping[str, Any],
    *,
    copy_without_templating: Iterable[str] = (),
    copy_without_render: Iterable[str] = (),
    template_file_extension: str | None = None,
) -> list[PurePosixPath]:
    """Render the skeleton at ``source_dir`` into ``target_dir``; returns the written paths."""
    files = render_files(
        read_tree(Path(source_dir)),
        values,
        copy_without_templating=copy_without_templating,
        copy_without_render=copy_without_render,
        template_file_extension=template_file_extension,
    )
    return trees.write_tree(Path(target_dir), files, error=PathEscapeError)
