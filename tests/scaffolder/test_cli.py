"""``goldpath create`` and ``goldpath tasks``: progress, output links, exit codes, JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.scaffolder.conftest import write_template
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.config import load_settings
from goldpath.runtime import Runtime

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A GOLDPATH_HOME whose catalog holds a small template."""
    home = tmp_path / "home"
    monkeypatch.setenv("GOLDPATH_HOME", str(home))
    monkeypatch.setenv("GOLDPATH_CATALOG__REFRESH_ENABLED", "false")
    path = write_template(
        tmp_path / "templates",
        name="hello",
        files={"skeleton/hello.txt": "hello ${{ values.name }}\n"},
        parameters={
            "required": ["name"],
            "properties": {
                "name": {"type": "string", "pattern": "^[a-z-]+$"},
                "port": {"type": "integer", "default": 8080},
                "explode": {"type": "boolean", "default": False},
            },
        },
        steps=[
            {
                "id": "fetch",
                "name": "Fetch files",
                "action": "fetch:template",
                "input": {"url": "./skeleton", "values": {"name": "${{ parameters.name }}"}},
            },
            {
                "id": "write",
                "name": "Write entity",
                "action": "catalog:write",
                "input": {
                    "entity": {
                        "apiVersion": "backstage.io/v1alpha1",
                        "kind": "Component",
                        "metadata": {"name": "${{ parameters.name }}"},
                        "spec": {"port": "${{ parameters.port }}"},
                    }
                },
            },
            {
                "id": "explode",
                "if": "${{ parameters.explode }}",
                "action": "fs:rename",
                "input": {"files": [{"from": "missing.txt", "to": "x.txt"}]},
            },
        ],
        output={
            "links": [{"title": "Docs", "url": "https://docs.example.com/${{ parameters.name }}"}]
        },
    )
    runtime = Runtime(load_settings(home=home, catalog={"refresh_enabled": False}))
    runtime.prepare()
    runtime.catalog.add_location("file", str(path))
    runtime.stop()
    return home


def test_create_shows_steps_and_output_links(home: Path) -> None:
    result = runner.invoke(app, ["create", "hello", "--set", "name=world"])
    assert result.exit_code == 0, result.output
    assert "Fetch files" in result.output and "Write entity" in result.output
    assert "completed" in result.output
    assert "https://docs.example.com/world" in result.output


def test_create_json_prints_the_task(home: Path, tmp_path: Path) -> None:
    values = tmp_path / "values.yaml"
    values.write_text("name: from-file\nport: 9000\n")
    result = runner.invoke(
        app, ["create", "template:default/hello", "--values", str(values), "--json"]
    )
    assert result.exit_code == 0, result.output
    task = json.loads(result.output[result.output.index("{") :])
    assert task["status"] == "completed"
    assert task["spec"]["parameters"]["port"] == 9000
    assert [s["status"] for s in task["steps"]] == ["completed", "completed", "skipped"]


def test_create_failure_exits_non_zero_with_the_error(home: Path) -> None:
    result = runner.invoke(app, ["create", "hello", "--set", "name=boom", "--set", "explode=true"])
    assert result.exit_code == 1
    assert "missing.txt does not exist" in result.output


def test_invalid_values_are_listed_and_exit_2(home: Path) -> None:
    result = runner.invoke(app, ["create", "hello", "--set", "name=Not Valid", "--set", "port=abc"])
    assert result.exit_code == 2
    assert "name" in result.output and "port" in result.output
    assert "Traceback" not in result.output


def test_dry_run_lists_the_files(home: Path) -> None:
    result = runner.invoke(app, ["create", "hello", "--set", "name=dry", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "hello.txt" in result.output and "catalog-info.yaml" in result.output
    listed = runner.invoke(app, ["tasks", "list", "--json"])
    assert json.loads(listed.output) == []


def test_tasks_list_show_and_cancel(home: Path) -> None:
    created = runner.invoke(app, ["create", "hello", "--set", "name=listed", "--json"])
    task_id = json.loads(created.output[created.output.index("{") :])["id"]
    listed = runner.invoke(app, ["tasks", "list"])
    assert listed.exit_code == 0 and task_id in listed.output
    shown = runner.invoke(app, ["tasks", "show", task_id, "--events"])
    assert shown.exit_code == 0 and "https://docs.example.com/listed" in shown.output
    cancelled = runner.invoke(app, ["tasks", "cancel", task_id])
    assert cancelled.exit_code == 4
    assert "already completed" in cancelled.output
    missing = runner.invoke(app, ["tasks", "show", "nope"])
    assert missing.exit_code == 3



def test_set_keeps_the_text_of_string_parameters_and_reads_the_others(home: Path) -> None:
    # `name` is a string parameter, so "yes" stays "yes" (YAML alone would read True);
    # `port` is an integer parameter and is still read as a number.
    argv = ["create", "hello", "--set", "name=yes", "--set", "port=8081", "--json"]
    result = runner.invoke(app, argv)
    assert result.exit_code == 0, result.output
    task = json.loads(result.output[result.output.index("{") :])
    assert task["spec"]["parameters"] == {"name": "yes", "port": 8081, "explode": False}


def test_output_links_without_a_target_are_not_printed(capsys: pytest.CaptureFixture[str]) -> None:
    from goldpath.cli._scaffolder import _print_output_data

    _print_output_data(
        {"links": [{"title": "Secret", "url": ""}, {"title": "Repository", "url": "https://x.test"}]}
    )
    printed = capsys.readouterr().out
    assert "Repository: https://x.test" in printed
    assert "Secret" not in printed
