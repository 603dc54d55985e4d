"""Hardening of task creation and task logs (issue 11): redaction and owner refs."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from tests.scaffolder.conftest import drain, write_template
from tests.support.catalog import register_owners

from goldpath.runtime import Runtime
from goldpath.scaffolder.errors import TemplateValuesError

SECRET = "hunter2-very-secret"


def _echo_template(templates_dir: Path) -> Path:
    return write_template(
        templates_dir,
        name="echo",
        files={"skeleton/notes.txt": "note: ${{ values.note }}\n"},
        parameters=[
            {
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "note": {"type": "string"}},
            }
        ],
        steps=[
            {
                "id": "fetch",
                "action": "fetch:template",
                "input": {"url": "./skeleton", "values": {"note": "${{ parameters.note }}"}},
            },
            {
                "id": "log",
                "action": "debug:log",
                "input": {
                    "message": "reversed ${{ secrets.token | reverse }} "
                    "upper ${{ secrets.token | upper }} "
                    "b64 " + base64.b64encode(SECRET.encode()).decode()
                },
            },
            {
                "id": "keep",
                "action": "test:world-write",
                "input": {
                    "path": str(templates_dir.parent / "out" / "${{ parameters.name }}.txt"),
                    "content": "${{ parameters.note }}",
                },
            },
        ],
        output={"text": [{"title": "note", "content": "${{ parameters.note }}"}]},
    )


def test_a_secret_in_a_normal_parameter_stays_in_generated_files(
    runtime: Runtime, templates_dir: Path
) -> None:
    runtime.catalog.add_location("file", str(_echo_template(templates_dir)))
    task_id = runtime.task_creator.create(
        "template:default/echo",
        {"name": "x", "note": SECRET},
        secrets={"token": SECRET},
    )
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "completed", task.error
    # what the task made keeps the parameter as written
    written = (templates_dir.parent / "out" / "x.txt").read_text()
    assert written == SECRET
    assert task.spec.parameters["note"] == SECRET
    # its output and its log do not show the secret in any common form
    assert SECRET not in repr(task.output)
    events = repr([e.body for e in runtime.task_store.events(task_id)])
    for shown in (SECRET, SECRET[::-1], SECRET.upper(), base64.b64encode(SECRET.encode()).decode()):
        assert shown not in events
    assert "reversed *** upper *** b64 ***" in events


def test_catalog_register_of_a_file_url_outside_the_roots_fails_the_task(
    runtime: Runtime, templates_dir: Path
) -> None:
    path = write_template(
        templates_dir,
        name="leaky",
        steps=[
            {
                "id": "register",
                "action": "catalog:register",
                "input": {"catalogInfoUrl": "file:///proc/self/environ"},
            }
        ],
    )
    runtime.catalog.add_location("file", str(path))
    task_id = runtime.task_creator.create("template:default/leaky", {"name": "x"})
    drain(runtime.task_executor)
    task = runtime.task_store.get(task_id)
    assert task.status == "failed" and task.error is not None
    assert "catalog.file_roots" in task.error.message
    assert runtime.catalog.find_location_by_target("file", "/proc/self/environ") is None


def _owned_template(templates_dir: Path) -> Path:
    return write_template(
        templates_dir,
        name="owned",
        parameters=[
            {
                "required": ["name", "owner"],
                "properties": {
                    "name": {"type": "string"},
                    "owner": {"type": "string", "ui:field": "OwnerPicker"},
                },
            }
        ],
        steps=[
            {"id": "log", "action": "debug:log", "input": {"message": "${{ parameters.owner }}"}}
        ],
    )


@pytest.mark.parametrize(
    ("owner", "rule"),
    [
        ("group:default/../../etc", "owner.name"),
        ("group:../x", "owner.namespace"),
        ("group:default/ghost-team", "catalog"),
        ("component:default/svc", "kind"),
    ],
)
def test_create_refuses_an_owner_that_is_not_a_catalog_group_or_user(
    runtime: Runtime, templates_dir: Path, owner: str, rule: str
) -> None:
    runtime.catalog.add_location("file", str(_owned_template(templates_dir)))
    before = runtime.task_store.list_tasks()[1]
    with pytest.raises(TemplateValuesError) as caught:
        runtime.task_creator.create("template:default/owned", {"name": "x", "owner": owner})
    assert all(e.field.startswith("owner") for e in caught.value.errors)
    assert any(rule in (e.rule, e.field) for e in caught.value.errors)
    assert runtime.task_store.list_tasks()[1] == before


def test_create_accepts_a_group_or_user_of_the_catalog(
    runtime: Runtime, templates_dir: Path
) -> None:
    runtime.catalog.add_location("file", str(_owned_template(templates_dir)))
    register_owners(runtime.catalog, templates_dir / "owners", "team-a", "user:default/ada")
    for owner in ("team-a", "group:default/team-a", "user:default/ada"):
        runtime.task_creator.create("template:default/owned", {"name": "x", "owner": owner})


def test_the_api_answers_a_missing_owner_with_422_naming_it(
    runtime: Runtime, templates_dir: Path
) -> None:
    from fastapi.testclient import TestClient

    from goldpath.web import create_app

    with TestClient(create_app(runtime.settings)) as client:
        app_runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
        app_runtime.catalog.add_location("file", str(_owned_template(templates_dir)))
        answer = client.post(
            "/api/scaffolder/v2/tasks",
            json={
                "templateRef": "template:default/owned",
                "values": {"name": "x", "owner": "nobody"},
            },
        )
    assert answer.status_code == 422
    assert [e["field"] for e in answer.json()["error"]["errors"]] == ["owner"]
