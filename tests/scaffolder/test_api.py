"""The REST API under /api/scaffolder/v2 in Backstage's shapes."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient
from tests.scaffolder.conftest import drain, write_template

from goldpath.config import Settings
from goldpath.runtime import Runtime
from goldpath.web import create_app


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """The portal with no background workers (tests drain tasks themselves)."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _runtime(client: TestClient) -> Runtime:
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return runtime


def _hello_template(client: TestClient, templates_dir: Path) -> None:
    path = write_template(
        templates_dir,
        name="hello",
        files={"skeleton/hello.txt": "hello ${{ values.name }}\n"},
        steps=[
            {
                "id": "fetch",
                "name": "Fetch",
                "action": "fetch:template",
                "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}},
            },
            {
                "id": "log",
                "action": "debug:log",
                "input": {"message": "made ${{ parameters.name }}"},
            },
        ],
        output={"text": [{"title": "Done", "content": "${{ parameters.name }}"}]},
    )
    _runtime(client).catalog.add_location("file", str(path))


def test_actions_lists_every_action_with_schemas(client: TestClient) -> None:
    answer = client.get("/api/scaffolder/v2/actions")
    assert answer.status_code == 200
    actions = {a["id"]: a for a in answer.json()}
    assert {
        "fetch:template",
        "fetch:plain",
        "fs:rename",
        "fs:delete",
        "debug:log",
        "catalog:register",
        "catalog:write",
    } <= set(actions)
    assert "targetPath" in actions["fetch:template"]["schema"]["input"]["properties"]
    assert set(actions["catalog:register"]["schema"]["output"]["properties"]) == {
        "entityRef",
        "catalogInfoUrl",
    }


def test_create_task_runs_and_reports_backstage_shapes(
    client: TestClient, templates_dir: Path
) -> None:
    _hello_template(client, templates_dir)
    created = client.post(
        "/api/scaffolder/v2/tasks",
        json={"templateRef": "template:default/hello", "values": {"name": "world"}},
    )
    assert created.status_code == 201
    task_id = created.json()["id"]
    drain(_runtime(client).task_executor)
    task = client.get(f"/api/scaffolder/v2/tasks/{task_id}").json()
    assert task["status"] == "completed"
    assert task["spec"]["parameters"] == {"name": "world"}
    assert task["spec"]["templateInfo"]["entityRef"] == "template:default/hello"
    assert [s["id"] for s in task["spec"]["steps"]] == ["fetch", "log"]
    assert [s["status"] for s in task["steps"]] == ["completed", "completed"]
    assert task["output"] == {"text": [{"title": "Done", "content": "world"}]}
    listed = client.get("/api/scaffolder/v2/tasks").json()
    assert listed["totalTasks"] == 1 and listed["tasks"][0]["id"] == task_id
    events = client.get(f"/api/scaffolder/v2/tasks/{task_id}/events").json()
    assert any(e["body"].get("message") == "made world" for e in events)
    assert events[-1]["type"] == "completion"


def test_eventstream_sends_every_event_then_ends(client: TestClient, templates_dir: Path) -> None:
    _hello_template(client, templates_dir)
    task_id = client.post(
        "/api/scaffolder/v2/tasks",
        json={"templateRef": "template:default/hello", "values": {"name": "sse"}},
    ).json()["id"]
    drain(_runtime(client).task_executor)
    with client.stream("GET", f"/api/scaffolder/v2/tasks/{task_id}/eventstream") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        text = "".join(stream.iter_text())
    assert "event: log" in text
    assert text.rstrip().split("\n\n")[-1].split("\n")[1] == "event: completion"


def test_invalid_values_answer_422_and_start_nothing(
    client: TestClient, templates_dir: Path
) -> None:
    _hello_template(client, templates_dir)
    answer = client.post(
        "/api/scaffolder/v2/tasks",
        json={"templateRef": "template:default/hello", "values": {"name": "Bad Name"}},
    )
    assert answer.status_code == 422
    assert answer.json()["error"]["errors"][0]["field"] == "name"
    assert client.get("/api/scaffolder/v2/tasks").json()["totalTasks"] == 0


def test_unknown_template_is_404(client: TestClient) -> None:
    answer = client.post(
        "/api/scaffolder/v2/tasks", json={"templateRef": "template:default/nope", "values": {}}
    )
    assert answer.status_code == 404


def test_cancel_open_task(client: TestClient, templates_dir: Path) -> None:
    _hello_template(client, templates_dir)
    task_id = client.post(
        "/api/scaffolder/v2/tasks",
        json={"templateRef": "template:default/hello", "values": {"name": "c"}},
    ).json()["id"]
    assert client.post(f"/api/scaffolder/v2/tasks/{task_id}/cancel").json() == {
        "status": "cancelled"
    }
    assert client.post(f"/api/scaffolder/v2/tasks/{task_id}/cancel").status_code == 409
    assert client.get(f"/api/scaffolder/v2/tasks/{task_id}").json()["status"] == "cancelled"


def test_parameter_schema(client: TestClient, templates_dir: Path) -> None:
    _hello_template(client, templates_dir)
    schema = client.get(
        "/api/scaffolder/v2/templates/default/template/hello/parameter-schema"
    ).json()
    assert schema["title"] == "hello"
    assert schema["steps"][0]["schema"]["required"] == ["name"]


def test_builtin_templates_are_in_the_catalog_at_start(client: TestClient) -> None:
    schema = client.get(
        "/api/scaffolder/v2/templates/default/template/nodejs-service/parameter-schema"
    )
    assert schema.status_code == 200
    assert [s["title"] for s in schema.json()["steps"]][:1] == ["Service"]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_dry_run_with_directory_contents(client: TestClient, templates_dir: Path) -> None:
    path = write_template(
        templates_dir,
        name="dry",
        steps=[
            {
                "id": "fetch",
                "action": "fetch:template",
                "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}},
            },
            {
                "id": "register",
                "action": "catalog:register",
                "input": {"catalogInfoUrl": "https://example.com/x.yaml"},
            },
        ],
        output={"entity": "${{ steps.register.output.entityRef }}"},
    )
    template = yaml.safe_load(path.read_text())
    body = {
        "template": template,
        "values": {"name": "dry-svc"},
        "directoryContents": [
            {
                "path": "skeleton/${{ values.name }}.txt",
                "base64Content": _b64("name=${{ values.name }}"),
            },
            {"path": "skeleton/run.sh", "base64Content": _b64("#!/bin/sh\n"), "executable": True},
        ],
    }
    answer = client.post("/api/scaffolder/v2/dry-run", json=body)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    files = {f["path"]: f for f in data["directoryContents"]}
    assert base64.b64decode(files["dry-svc.txt"]["base64Content"]) == b"name=dry-svc"
    assert files["run.sh"]["executable"] is True
    assert data["output"] == {"entity": "component:default/dry-run"}
    assert [s["status"] for s in data["steps"]] == ["completed", "skipped"]
    assert any("does not support dry-run" in line["body"]["message"] for line in data["log"])
    assert all("example.com" not in loc.target for loc in _runtime(client).catalog.list_locations())


def test_dry_run_with_invalid_values_is_400(client: TestClient, templates_dir: Path) -> None:
    path = write_template(
        templates_dir,
        name="dry",
        steps=[{"id": "log", "action": "debug:log", "input": {"message": "x"}}],
    )
    answer = client.post(
        "/api/scaffolder/v2/dry-run",
        json={"template": yaml.safe_load(path.read_text()), "values": {}, "directoryContents": []},
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0] == {
        "field": "name",
        "rule": "required",
        "message": "name is required",
    }
