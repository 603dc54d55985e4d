"""The runner: undo in reverse on failure, only what this run created, dry run == real run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.scaffolder.conftest import template_entity, workspace_registry, write_template

from goldpath.scaffolder import (
    UndoRecord,
    dry_run,
    parse_template,
    read_tree,
    run_template,
)


class ListSink:
    """Keeps what the runner reports."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.steps: list[tuple[str, str]] = []
        self.undo: list[UndoRecord] = []
        self.cancel = False

    def log(self, message: str, *, step_id: str | None = None) -> None:
        self.lines.append(message)

    def step(self, step_id: str, status: str) -> None:
        self.steps.append((step_id, status))

    def undo_recorded(self, record: UndoRecord) -> None:
        self.undo.append(record)

    def cancelled(self) -> bool:
        return self.cancel


def _template(steps: list[dict[str, Any]]) -> Any:
    return parse_template(
        {
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "t"},
            "spec": {"parameters": [], "steps": steps},
        }
    )


@given(n=st.integers(min_value=1, max_value=6), data=st.data())
def test_failure_at_step_k_leaves_nothing_from_earlier_steps(
    tmp_path_factory: pytest.TempPathFactory, n: int, data: st.DataObject
) -> None:
    k = data.draw(st.integers(min_value=0, max_value=n - 1), label="k")
    world = tmp_path_factory.mktemp("world")
    steps: list[dict[str, Any]] = [
        {"id": f"s{i}", "action": "test:world-write", "input": {"path": str(world / f"file-{i}")}}
        for i in range(n)
    ]
    steps[k] = {"id": f"s{k}", "action": "test:fail"}
    sink = ListSink()
    outcome = run_template(
        _template(steps),
        {},
        registry=workspace_registry(world / "home"),
        workspace=world / "ws",
        task_id="t",
        sink=sink,
    )
    assert outcome.status == "failed"
    assert sorted(p.name for p in world.iterdir() if p.name != "ws") == []
    assert outcome.rollback is not None
    assert outcome.rollback.undone == [f"remove {world / f'file-{i}'}" for i in reversed(range(k))]
    assert outcome.rollback.failed == []
    assert (f"s{k}", "failed") in sink.steps


def test_a_failing_step_does_not_undo_what_it_did_not_create(tmp_path: Path) -> None:
    existing = tmp_path / "someone-elses"
    existing.write_text("theirs")
    steps = [
        {"id": "mine", "action": "test:world-write", "input": {"path": str(tmp_path / "mine")}},
        {"id": "theirs", "action": "test:world-write", "input": {"path": str(existing)}},
    ]
    outcome = run_template(
        _template(steps),
        {},
        registry=workspace_registry(tmp_path / "home"),
        workspace=tmp_path / "ws",
        task_id="t",
        sink=ListSink(),
    )
    assert outcome.status == "failed"
    assert existing.read_text() == "theirs"
    assert not (tmp_path / "mine").exists()


def test_undo_that_fails_is_reported_with_its_reason(tmp_path: Path) -> None:
    steps: list[dict[str, Any]] = [
        {"id": "a", "action": "test:world-write", "input": {"path": str(tmp_path / "a")}},
        {"id": "b", "action": "test:world-write", "input": {"path": str(tmp_path / "b")}},
        {"id": "boom", "action": "test:fail"},
    ]

    class DeletingSink(ListSink):
        def step(self, step_id: str, status: str) -> None:
            super().step(step_id, status)
            if step_id == "boom" and status == "processing":
                (tmp_path / "a").unlink()  # someone removed it already

    outcome = run_template(
        _template(steps),
        {},
        registry=workspace_registry(tmp_path / "home"),
        workspace=tmp_path / "ws",
        task_id="t",
        sink=DeletingSink(),
    )
    assert outcome.rollback is not None
    assert outcome.rollback.undone == [f"remove {tmp_path / 'b'}"]
    assert [f.description for f in outcome.rollback.failed] == [f"remove {tmp_path / 'a'}"]
    assert "No such file" in outcome.rollback.failed[0].reason


def test_cancel_between_steps_rolls_back(tmp_path: Path) -> None:
    sink = ListSink()
    steps = [
        {"id": "a", "action": "test:world-write", "input": {"path": str(tmp_path / "a")}},
        {"id": "b", "action": "debug:log", "input": {"message": "x"}},
    ]

    class CancelAfterA(ListSink):
        def cancelled(self) -> bool:
            return ("a", "completed") in self.steps

    sink = CancelAfterA()
    outcome = run_template(
        _template(steps),
        {},
        registry=workspace_registry(tmp_path / "home"),
        workspace=tmp_path / "ws",
        task_id="t",
        sink=sink,
    )
    assert outcome.status == "cancelled"
    assert not (tmp_path / "a").exists()


def test_unknown_action_fails_loudly(tmp_path: Path) -> None:
    outcome = run_template(
        _template([{"id": "x", "action": "nope:nothing"}]),
        {},
        registry=workspace_registry(tmp_path / "home"),
        workspace=tmp_path / "ws",
        task_id="t",
        sink=ListSink(),
    )
    assert outcome.status == "failed"
    assert "nope:nothing" in str(outcome.error)


def test_output_links_that_point_nowhere_are_left_out(tmp_path: Path) -> None:
    template = parse_template(
        {
            "apiVersion": "scaffolder.backstage.io/v1beta3",
            "kind": "Template",
            "metadata": {"name": "t"},
            "spec": {
                "parameters": [],
                "steps": [],
                "output": {
                    "links": [
                        {"title": "Skipped", "url": ""},
                        {"title": "Repo", "url": "https://git.example.com/a"},
                        {"title": "Entity", "entityRef": "component:default/a"},
                    ]
                },
            },
        }
    )
    outcome = run_template(
        template,
        {},
        registry=workspace_registry(tmp_path / "home"),
        workspace=tmp_path / "ws",
        task_id="t",
        sink=ListSink(),
    )
    assert outcome.status == "completed"
    assert [link["title"] for link in outcome.output["links"]] == ["Repo", "Entity"]


SKELETON = {
    "skeleton/README.md": (
        "# ${{ values.name }}\n{% for t in values.tags %}- ${{ t }}\n{% endfor %}"
    ),
    "skeleton/src/${{ values.name }}.js": "export const name = '${{ values.name }}';\n",
    "skeleton/tmp/remove-me.txt": "x",
    "skeleton/raw/keep.txt": "${{ not rendered }}",
}

STEPS: list[dict[str, Any]] = [
    {
        "id": "fetch",
        "action": "fetch:template",
        "input": {
            "url": "./skeleton",
            "copyWithoutTemplating": ["raw/**"],
            "values": {"name": "${{ parameters.name }}", "tags": "${{ parameters.tags }}"},
        },
    },
    {
        "id": "rename",
        "if": "${{ parameters.rename }}",
        "action": "fs:rename",
        "input": {"files": [{"from": "README.md", "to": "docs/README.md"}]},
    },
    {"id": "delete", "action": "fs:delete", "input": {"files": ["tmp"]}},
    {
        "id": "write",
        "action": "catalog:write",
        "input": {
            "entity": {
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "Component",
                "metadata": {"name": "${{ parameters.name }}", "tags": "${{ parameters.tags }}"},
                "spec": {"type": "service", "owner": "team", "lifecycle": "experimental"},
            }
        },
    },
    {"id": "log", "action": "debug:log", "input": {"listWorkspace": True}},
]

names = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)


@settings(max_examples=30)
@given(
    name=names,
    tags=st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), max_size=4),
    rename=st.booleans(),
)
def test_dry_run_produces_the_same_files_as_a_real_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, tags: list[str], rename: bool
) -> None:
    root = tmp_path_factory.mktemp("tpl")
    path = write_template(
        root,
        name="same",
        files=SKELETON,
        steps=STEPS,
        parameters={
            "properties": {
                "name": {"type": "string"},
                "tags": {"type": "array"},
                "rename": {"type": "boolean"},
            }
        },
    )
    entity = template_entity(path)
    values = {"name": name, "tags": tags, "rename": rename}
    registry = workspace_registry(root / "home")
    preview = dry_run(entity, values, registry=registry)
    assert preview.status == "completed", preview.error
    workspace = root / "ws"
    real = run_template(
        parse_template(entity),
        values,
        registry=registry,
        workspace=workspace,
        task_id="t",
        sink=ListSink(),
    )
    assert real.status == "completed", real.error
    real_files = {p.as_posix(): (f.content, f.executable) for p, f in read_tree(workspace).items()}
    dry_files = {f.path: (f.content, f.executable) for f in preview.files}
    assert dry_files == real_files
    assert ("docs/README.md" in real_files) == rename


def test_unknown_step_inputs_are_ignored_aloud(tmp_path: Path) -> None:
    sink = ListSink()
    steps = [{"id": "log", "action": "debug:log", "input": {"message": "hi", "someOldInput": 1}}]
    outcome = run_template(
        _template(steps),
        {},
        registry=workspace_registry(tmp_path / "home"),
        workspace=tmp_path / "ws",
        task_id="t",
        sink=sink,
    )
    assert outcome.status == "completed"
    assert "Ignoring input someOldInput: debug:log does not use it" in sink.lines
