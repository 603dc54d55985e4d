"""Hardening of task creation and task logs (issue 11): redaction and owner refs."""

from __future__ import annotations

import base64
from pathlib import Path

from tests.scaffolder.conftest import drain, write_template

from goldpath.runtime import Runtime
from goldpath.scaffolder import ScaffolderService

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
    runtime: Runtime, service: ScaffolderService, templates_dir: Path
) -> None:
    runtime.catalog.add_location("file", str(_echo_template(templates_dir)))
    task_id = service.create_task(
        "template:default/echo",
        {"name": "x", "note": SECRET},
        secrets={"token": SECRET},
    )
    drain(service)
    task = service.get_task(task_id)
    assert task.status == "completed", task.error
    # what the task made keeps the parameter as written
    written = (templates_dir.parent / "out" / "x.txt").read_text()
    assert written == SECRET
    assert task.spec["parameters"]["note"] == SECRET
    # its output and its log do not show the secret in any common form
    assert SECRET not in repr(task.output)
    events = repr([e.body for e in service.store.events(task_id)])
    for shown in (SECRET, SECRET[::-1], SECRET.upper(), base64.b64encode(SECRET.encode()).decode()):
        assert shown not in events
    assert "reversed *** upper *** b64 ***" in events


def test_catalog_register_of_a_file_url_outside_the_roots_fails_the_task(
    runtime: Runtime, service: ScaffolderService, templates_dir: Path
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
    task_id = service.create_task("template:default/leaky", {"name": "x"})
    drain(service)
    task = service.get_task(task_id)
    assert task.status == "failed" and task.error is not None
    assert "catalog.file_roots" in task.error["message"]
    assert runtime.catalog.find_location_by_target("file", "/proc/self/environ") is None
