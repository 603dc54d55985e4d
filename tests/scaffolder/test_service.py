"""Tasks end to end on a real runtime: catalog registration, undo, reservations, events."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tests.scaffolder.conftest import drain, task_spec, task_workers, write_template
from tests.support.waiting import wait_until

from goldpath.runtime import Runtime
from goldpath.scaffolder import (
    FINISHED,
    RESERVED_NAME_ANNOTATION,
    TaskIdentity,
    UndoRecord,
)
from goldpath.scaffolder.errors import NameReservedError, TemplateValuesError

CATALOG_INFO = """apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${{ values.name }}
spec:
  type: service
  owner: group:default/platform
  lifecycle: experimental
"""


def _register_template(runtime: Runtime, path: Path) -> None:
    runtime.catalog.add_location("file", str(path))


def _component_template(
    templates_dir: Path,
    *,
    name: str = "demo",
    extra_steps: list[dict[str, Any]] | None = None,
    reserved: bool = True,
) -> Path:
    return write_template(
        templates_dir,
        name=name,
        annotations={RESERVED_NAME_ANNOTATION: "name"} if reserved else {},
        files={
            "skeleton/catalog-info.yaml": CATALOG_INFO,
            "skeleton/README.md": "# ${{ values.name }}\n",
        },
        steps=[
            {
                "id": "fetch",
                "action": "fetch:template",
                "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}},
            },
            {
                "id": "register",
                "action": "catalog:register",
                "input": {"catalogInfoUrl": "${{ parameters.target }}/catalog-info.yaml"},
            },
            *(extra_steps or []),
        ],
        parameters={
            "required": ["name", "target"],
            "properties": {"name": {"type": "string"}, "target": {"type": "string"}},
        },
        output={
            "entityRef": "${{ steps.register.output.entityRef }}",
            "links": [{"title": "Open", "entityRef": "${{ steps.register.output.entityRef }}"}],
        },
    )


def test_task_completes_and_registers_the_entity(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "published"
    path = _component_template(
        templates_dir,
        extra_steps=[
            {
                "id": "copy",
                "action": "test:world-write",
                "input": {
                    "path": str(target / "catalog-info.yaml"),
                    "content": CATALOG_INFO.replace("${{ values.name }}", "${{ parameters.name }}"),
                },
            },
        ],
    )
    # publish (the world write) must come before register: reorder the steps
    text = path.read_text()
    _register_template(runtime, path)
    template = runtime.templates.get("template:default/demo")
    steps = [template.steps[0], template.steps[2], template.steps[1]]
    from goldpath.scaffolder import Template

    template = Template(
        template.entity, template.parameters, steps, template.output, template.base_dir
    )
    del text
    task_id = runtime.task_creator.create(
        template,
        {"name": "svc-one", "target": f"file://{target}"},
        identity=TaskIdentity("user:default/ada"),
    )
    assert drain(runtime.task_executor) == 1
    task = runtime.task_store.get(task_id)
    assert task.status == "completed", task.error
    assert task.output == {
        "entityRef": "component:default/svc-one",
        "links": [{"title": "Open", "entityRef": "component:default/svc-one"}],
    }
    assert [s.status for s in task.steps] == ["completed", "completed", "completed"]
    assert runtime.catalog.get_entity("component:default/svc-one")["metadata"]["name"] == "svc-one"
    assert task.created_by == "user:default/ada"
    assert not runtime.task_executor.workspace_of(task_id).exists()
    types = [e.type for e in runtime.task_store.events(task_id)]
    assert types[-1] == "completion"


def test_failure_after_register_removes_the_location_and_entity(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    target = tmp_path / "published"
    target.mkdir()
    (target / "catalog-info.yaml").write_text(CATALOG_INFO.replace("${{ values.name }}", "svc-two"))
    path = _component_template(templates_dir, extra_steps=[{"id": "boom", "action": "test:fail"}])
    _register_template(runtime, path)
    task_id = runtime.task_creator.create(
        "template:default/demo", {"name": "svc-two", "target": f"file://{target}"}
    )
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "failed"
    assert [s.status for s in task.steps] == ["completed", "completed", "failed"]
    assert runtime.catalog.find_entity("component:default/svc-two") is None
    assert all(
        loc.target != f"{target}/catalog-info.yaml" for loc in runtime.catalog.list_locations()
    )
    final = runtime.task_store.events(task_id)[-1]
    assert final.type == "completion"
    assert final.body["rollback"]["undone"] == [
        f"remove catalog location file://{target}/catalog-info.yaml and its entities"
    ]
    assert final.body["rollback"]["notUndone"] == []
    # the same name works on the next try
    again = runtime.task_creator.create(
        "template:default/demo", {"name": "svc-two", "target": f"file://{target}"}
    )
    assert runtime.task_store.reservation_owner("svc-two") == (again, "user:default/guest")


def test_values_are_validated_against_every_page_at_once(
    runtime: Runtime, templates_dir: Path
) -> None:
    path = write_template(
        templates_dir,
        name="pages",
        parameters=[
            {
                "required": ["name"],
                "properties": {"name": {"type": "string", "pattern": "^[a-z]+$"}},
            },
            {
                "required": ["port"],
                "properties": {
                    "port": {"type": "integer", "minimum": 1024},
                    "tier": {"enum": ["a", "b"]},
                },
            },
        ],
        steps=[{"id": "log", "action": "debug:log", "input": {"message": "hi"}}],
    )
    _register_template(runtime, path)
    with pytest.raises(TemplateValuesError) as info:
        runtime.task_creator.create("template:default/pages", {"name": "BAD", "tier": "c"})
    fields = sorted((e.field, e.rule) for e in info.value.errors)
    assert fields == [("name", "pattern"), ("port", "required"), ("tier", "enum")]
    assert runtime.task_store.list_tasks()[1] == 0


def test_existing_catalog_name_is_refused_naming_the_owner(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    existing = tmp_path / "existing.yaml"
    existing.write_text(CATALOG_INFO.replace("${{ values.name }}", "taken"))
    runtime.catalog.add_location("file", str(existing))
    _register_template(runtime, _component_template(templates_dir))
    with pytest.raises(NameReservedError, match="component:default/taken.*group:default/platform"):
        runtime.task_creator.create(
            "template:default/demo", {"name": "taken", "target": "file:///nowhere"}
        )
    assert runtime.task_store.list_tasks()[1] == 0


def test_name_in_flight_is_refused_naming_the_task(runtime: Runtime, templates_dir: Path) -> None:
    _register_template(runtime, _component_template(templates_dir))
    first = runtime.task_creator.create(
        "template:default/demo", {"name": "busy", "target": "file:///x"}
    )
    with pytest.raises(NameReservedError, match=first):
        runtime.task_creator.create(
            "template:default/demo", {"name": "busy", "target": "file:///x"}
        )


def test_secrets_are_redacted_in_events_and_not_kept(runtime: Runtime, templates_dir: Path) -> None:
    path = write_template(
        templates_dir,
        name="secretive",
        steps=[
            {
                "id": "log",
                "action": "debug:log",
                "input": {"message": "token is ${{ secrets.token }}"},
            },
        ],
    )
    _register_template(runtime, path)
    task_id = runtime.task_creator.create(
        "template:default/secretive", {"name": "x"}, secrets={"token": "hunter2-very-secret"}
    )
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "completed"
    assert task.secrets == {}
    dump = repr([e.body for e in runtime.task_store.events(task_id)])
    assert "hunter2-very-secret" not in dump
    assert "token is ***" in dump


def test_if_false_marks_the_step_skipped_and_each_collects_outputs(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    world = tmp_path / "world"
    path = write_template(
        templates_dir,
        name="loops",
        parameters={
            "properties": {
                "name": {"type": "string"},
                "extra": {"type": "boolean", "default": False},
            }
        },
        steps=[
            {"id": "never", "if": "${{ parameters.extra }}", "action": "test:fail"},
            {
                "id": "many",
                "each": ["a", "b", "c"],
                "action": "test:world-write",
                "input": {"path": str(world) + "/${{ each.key }}-${{ each.value }}"},
            },
        ],
        output={"paths": "${{ steps.many.output.path }}"},
    )
    _register_template(runtime, path)
    task_id = runtime.task_creator.create("template:default/loops", {"name": "x", "extra": False})
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "completed", task.error
    assert [s.status for s in task.steps] == ["skipped", "completed"]
    assert task.output == {"paths": [f"{world}/0-a", f"{world}/1-b", f"{world}/2-c"]}


def test_cancel_of_open_task_releases_the_name(runtime: Runtime, templates_dir: Path) -> None:
    _register_template(runtime, _component_template(templates_dir))
    task_id = runtime.task_creator.create(
        "template:default/demo", {"name": "gone", "target": "file:///x"}
    )
    assert runtime.task_store.request_cancel(task_id) == "cancelled"
    assert runtime.task_store.get(task_id).status == "cancelled"
    assert runtime.task_store.reservation_owner("gone") is None
    assert drain(runtime.task_executor) == 0


def test_cancel_of_a_running_task_rolls_it_back(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    flag = tmp_path / "flag"
    made = tmp_path / "world" / "made"
    path = write_template(
        templates_dir,
        name="slow",
        steps=[
            {"id": "make", "action": "test:world-write", "input": {"path": str(made)}},
            {"id": "hang", "action": "test:wait", "input": {"flag": str(flag)}},
        ],
    )
    _register_template(runtime, path)
    task_id = runtime.task_creator.create("template:default/slow", {"name": "x"})
    workers = task_workers(runtime, 1)
    workers.start()
    try:
        wait_until(Path(str(flag) + ".started").exists, what="the step to start")
        assert runtime.task_store.request_cancel(task_id) == "processing"
        wait_until(
            lambda: runtime.task_store.get(task_id).status in FINISHED, what="the task to end"
        )
    finally:
        workers.stop()
    task = runtime.task_store.get(task_id)
    assert task.status == "cancelled"
    assert [s.status for s in task.steps] == ["completed", "cancelled"]
    assert not made.exists()
    assert runtime.task_store.events(task_id)[-1].type == "cancelled"


def test_a_long_step_shows_as_running_while_it_runs(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    # A step's start is queued, not written at once; the executor's ticker writes it
    # once it has waited the sink's flush time, so a step that takes long is seen.
    flag = tmp_path / "flag"
    path = write_template(
        templates_dir,
        name="long",
        steps=[{"id": "hang", "action": "test:wait", "input": {"flag": str(flag)}}],
    )
    _register_template(runtime, path)
    task_id = runtime.task_creator.create("template:default/long", {"name": "x"})
    workers = task_workers(runtime, 1)
    workers.start()
    try:
        wait_until(Path(str(flag) + ".started").exists, what="the step to start")
        wait_until(
            lambda: [s.status for s in runtime.task_store.get(task_id).steps] == ["processing"],
            what="the running step to be written",
        )
        assert "Step hang processing" in [
            e.body.get("message") for e in runtime.task_store.events(task_id)
        ]
        flag.write_text("go")
        wait_until(
            lambda: runtime.task_store.get(task_id).status in FINISHED, what="the task to end"
        )
    finally:
        workers.stop()
    assert [s.status for s in runtime.task_store.get(task_id).steps] == ["completed"]


def test_recovery_reports_undo_it_cannot_run(runtime: Runtime) -> None:
    task_id = runtime.task_store.create(spec=task_spec(), steps=[], created_by="u")
    assert runtime.task_store.claim("dead-worker") is not None
    runtime.task_store.add_undo(
        task_id, UndoRecord("test:world-write", "s", "a closure only", None, {})
    )
    runtime.task_store.add_undo(
        task_id,
        UndoRecord(
            "test:world-write", "s", "remove nothing", "remove-file", {"path": "/nonexistent/x"}
        ),
    )
    assert runtime.task_recovery.recover_stale("w", older_than=timedelta(seconds=-1)) == [task_id]
    error = runtime.task_store.get(task_id).error
    assert error is not None and error.rollback is not None
    assert [f.description for f in error.rollback.failed] == ["remove nothing", "a closure only"]
    assert "in-process callable" in error.rollback.failed[1].reason


def test_registering_an_entity_another_location_owns_fails_and_keeps_theirs(
    runtime: Runtime, templates_dir: Path, tmp_path: Path
) -> None:
    theirs = tmp_path / "theirs.yaml"
    theirs.write_text(CATALOG_INFO.replace("${{ values.name }}", "dup"))
    runtime.catalog.add_location("file", str(theirs))
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "catalog-info.yaml").write_text(CATALOG_INFO.replace("${{ values.name }}", "dup"))
    _register_template(runtime, _component_template(templates_dir, reserved=False))
    task_id = runtime.task_creator.create(
        "template:default/demo", {"name": "dup", "target": f"file://{ours}"}
    )
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "failed"
    assert task.error is not None and task.error.name == "EntityTakenError"
    assert "already provided by another location" in task.error.message
    assert [loc.target for loc in runtime.catalog.list_locations() if "ours" in loc.target] == []
    entity = runtime.catalog.get_entity("component:default/dup")
    assert entity["metadata"]["annotations"]["backstage.io/managed-by-location"] == f"file:{theirs}"


def test_template_in_a_folder_with_a_space_runs(runtime: Runtime, tmp_path: Path) -> None:
    path = write_template(
        tmp_path / "my templates",
        name="spaced",
        files={"skeleton/a.txt": "${{ values.name }}"},
        steps=[
            {
                "id": "fetch",
                "action": "fetch:template",
                "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}},
            },
            {"id": "log", "action": "debug:log", "input": {"listWorkspace": "with-contents"}},
        ],
    )
    _register_template(runtime, path)
    task_id = runtime.task_creator.create("template:default/spaced", {"name": "x"})
    drain(runtime.task_executor)
    assert runtime.task_store.get(task_id).status == "completed"
    assert any(e.body.get("message") == "a.txt:\nx" for e in runtime.task_store.events(task_id))
