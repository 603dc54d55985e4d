"""Built-in workspace actions: they work inside the workspace and refuse every way out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from tests.scaffolder.conftest import workspace_registry

from goldpath.runtime import Runtime
from goldpath.scaffolder import ActionContext, TemplateInfo
from goldpath.scaffolder.errors import ActionInputError, PathEscapeError

# The workspace actions need no catalog or database: their factories are called directly.
REGISTRY = workspace_registry(Path("/nonexistent/goldpath-home"))


def _run(action_id: str, workspace: Path, raw: dict[str, Any], **extra: Any) -> ActionContext:
    action = REGISTRY.get(action_id)
    lines: list[str] = []
    ctx = ActionContext(
        action=action, step_id="s", workspace=workspace, task_id="t", logger=lines.append, **extra
    )
    action.handler(ctx, action.parse_input(raw))
    ctx.lines = lines  # type: ignore[attr-defined]
    return ctx


def test_fs_rename_moves_files_and_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    (tmp_path / "b.txt").write_text("b")
    _run("fs:rename", tmp_path, {"files": [{"from": "a.txt", "to": "dir/c.txt"}]})
    assert (tmp_path / "dir/c.txt").read_text() == "a"
    with pytest.raises(ActionInputError, match="exists"):
        _run("fs:rename", tmp_path, {"files": [{"from": "b.txt", "to": "dir/c.txt"}]})
    _run(
        "fs:rename", tmp_path, {"files": [{"from": "b.txt", "to": "dir/c.txt", "overwrite": True}]}
    )
    assert (tmp_path / "dir/c.txt").read_text() == "b"


def test_fs_delete_removes_paths_and_globs(tmp_path: Path) -> None:
    for name in ("a.log", "b.log", "keep.txt", "dir/x.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    _run("fs:delete", tmp_path, {"files": ["*.log", "dir"]})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_fs_delete_does_not_follow_a_symlink_out(tmp_path: Path) -> None:
    (tmp_path / "ws").mkdir()
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside/precious").write_text("x")
    os.symlink(tmp_path / "outside", tmp_path / "ws/link")
    with pytest.raises(PathEscapeError):
        _run("fs:delete", tmp_path / "ws", {"files": ["link/precious"]})
    assert (tmp_path / "outside/precious").exists()


escapes = st.one_of(
    st.lists(st.sampled_from(["..", "a", "b"]), min_size=1, max_size=4)
    .filter(lambda parts: ".." in parts)
    .map("/".join),
    st.sampled_from(["/etc/passwd", "/tmp", "C:/x", "\\\\server\\share"]),
)


@given(path=escapes)
def test_any_path_input_that_escapes_is_refused(
    tmp_path_factory: pytest.TempPathFactory, path: str
) -> None:
    workspace = tmp_path_factory.mktemp("ws")
    (workspace / "a").mkdir(exist_ok=True)
    (workspace / "f").write_text("x")
    for action_id, raw in (
        ("fs:rename", {"files": [{"from": "f", "to": path}]}),
        ("fs:rename", {"files": [{"from": path, "to": "g"}]}),
        ("fs:delete", {"files": [path]}),
        ("catalog:write", {"filePath": path, "entity": {"kind": "Component", "metadata": {}}}),
        ("fetch:template", {"url": "./s", "targetPath": path}),
    ):
        with pytest.raises(PathEscapeError):
            info = TemplateInfo("template:default/t", workspace.as_uri() + "/")
            _run(action_id, workspace, raw, template_info=info)
    assert (workspace / "f").read_text() == "x"


def test_fetch_url_outside_the_template_folder_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "template"
    base.mkdir()
    (tmp_path / "secret").mkdir()
    for url in ("../secret", "/etc", "file:///etc"):
        with pytest.raises(PathEscapeError):
            _run(
                "fetch:plain",
                tmp_path / "ws",
                {"url": url},
                template_info=TemplateInfo("template:default/t", base.as_uri() + "/"),
            )


def test_fetch_template_treats_unanswered_values_as_absent(tmp_path: Path) -> None:
    base = tmp_path / "template"
    (base / "skeleton").mkdir(parents=True)
    (base / "skeleton" / "catalog-info.yaml").write_text(
        "name: ${{ values.name }}\n"
        "{% if 'system' in values %}system: ${{ values.system }}\n{% endif %}"
        "{% if values.lifecycle %}lifecycle: ${{ values.lifecycle }}\n{% endif %}"
        "owner: ${{ values.ownr }}\n"
    )
    ctx = _run(
        "fetch:template",
        tmp_path / "ws",
        {"url": "./skeleton", "values": {"name": "svc", "system": None, "lifecycle": None}},
        template_info=TemplateInfo("template:default/t", base.as_uri() + "/"),
    )
    assert (tmp_path / "ws" / "catalog-info.yaml").read_text() == "name: svc\nowner: \n"
    warnings = [line for line in ctx.lines if line.startswith("Warning")]  # type: ignore[attr-defined]
    # the typo is reported; the parameters nobody answered are not
    assert warnings == [
        "Warning: catalog-info.yaml uses ownr, which the values do not define; "
        "rendered as empty (as Backstage does)"
    ]


def test_fetch_from_a_url_no_git_host_reads_says_so(tmp_path: Path) -> None:
    with pytest.raises(ActionInputError, match="no configured git host reads it"):
        _run(
            "fetch:plain",
            tmp_path,
            {"url": "https://github.com/x/y"},
            template_info=TemplateInfo("template:default/t", tmp_path.as_uri() + "/"),
        )


def test_catalog_write_writes_yaml(tmp_path: Path) -> None:
    entity = {"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "x"}}
    _run("catalog:write", tmp_path, {"entity": entity})
    assert yaml.safe_load((tmp_path / "catalog-info.yaml").read_text()) == entity


def test_debug_log_lists_the_workspace(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d/f.txt").write_text("hello")
    ctx = _run("debug:log", tmp_path, {"message": "hi", "listWorkspace": "with-contents"})
    lines: list[str] = ctx.lines  # type: ignore[attr-defined]
    assert lines[0] == "hi"
    assert "  - d/f.txt" in lines[1]
    assert lines[2] == "d/f.txt:\nhello"


def test_catalog_register_needs_one_of_its_two_forms(runtime: Runtime) -> None:
    with pytest.raises(ActionInputError, match="catalogInfoUrl"):
        runtime.actions.get("catalog:register").parse_input({"catalogInfoPath": "/x.yaml"})
