"""The CLI talks to a running portal when one serves its goldpath, else works in-process.

A real portal runs on a free port (uvicorn in a thread, as the browser tests use it);
the CLI finds it through ``server.base_url`` and ``/healthz``, or is pointed at it with
``cli.server_url``, and follows tasks over the portal's event stream.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.browser.conftest import LiveServer, run_live_server
from tests.scaffolder.conftest import (
    TEST_PROVIDERS,
    Releaser,
    open_steps,
    task_spec,
    write_template,
)
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.cli._portal import read_sse
from goldpath.config import load_settings
from goldpath.runtime import Runtime
from goldpath.web.auth import TokenStore

runner = CliRunner()

HELLO_STEPS = [
    {
        "id": "fetch",
        "name": "Fetch files",
        "action": "fetch:template",
        "input": {"url": "./skeleton"},
    },
    {"id": "log", "name": "Say hello", "action": "debug:log", "input": {"message": "hello there"}},
]


def _templates(root: Path, flag: Path) -> list[Path]:
    hello = write_template(
        root,
        name="hello",
        parameters=[],
        files={"skeleton/hello.txt": "hello\n"},
        steps=HELLO_STEPS,
        output={"links": [{"title": "Docs", "url": "https://docs.example.com/hello"}]},
    )
    waits = write_template(
        root,
        name="waits",
        parameters=[],
        steps=[
            {"id": "hang", "action": "test:wait", "input": {"flag": str(flag)}},
            *(
                {"id": f"after-{i}", "action": "debug:log", "input": {"message": f"after {i}"}}
                for i in range(3)
            ),
        ],
    )
    return [hello, waits]


@pytest.fixture
def portal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveServer]:
    """A running portal (with the test actions) and CLI settings that point at its data."""
    home = tmp_path / "home"
    with run_live_server(home, seed=False, action_providers=TEST_PROVIDERS) as server:
        for path in _templates(tmp_path / "templates", tmp_path / "flag"):
            server.runtime.catalog.add_location("file", str(path))
        monkeypatch.setenv("GOLDPATH_HOME", str(home))
        monkeypatch.setenv("GOLDPATH_SERVER__PORT", str(server.settings.server.port))
        monkeypatch.setenv("GOLDPATH_CATALOG__REFRESH_ENABLED", "false")
        yield server




def test_create_goes_through_the_portal_that_serves_this_goldpath(portal: LiveServer) -> None:
    result = runner.invoke(app, ["create", "hello", "--json"])
    assert result.exit_code == 0, result.output
    task = json.loads(result.output)
    assert task["status"] == "completed"
    stored = portal.runtime.task_store.get(task["id"])
    # the portal's worker ran it, for the portal's caller (the development guest)
    assert stored.claimed_by is not None
    assert stored.claimed_by.startswith(portal.runtime.task_workers.process_id)
    assert stored.created_by == "user:default/guest"


def test_create_shows_the_portal_the_steps_and_the_output(portal: LiveServer) -> None:
    result = runner.invoke(app, ["create", "hello"])
    assert result.exit_code == 0, result.output
    assert f"the portal at {portal.base_url}" in result.output
    assert "Fetch files" in result.output and "Say hello" in result.output
    assert "hello there" in result.output
    assert "https://docs.example.com/hello" in result.output


def test_tasks_logs_follow_prints_a_running_tasks_events_as_they_happen(
    portal: LiveServer, tmp_path: Path
) -> None:
    flag = tmp_path / "flag"
    task_id = portal.runtime.task_creator.create("template:default/waits", {})
    releaser = Releaser(portal.runtime.broker, task_id, flag)
    result = runner.invoke(app, ["tasks", "logs", task_id, "--follow", "--json"])
    releaser.join()
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.output.splitlines()]
    stored = portal.runtime.task_store.events(task_id)
    assert [e["id"] for e in events] == [e.id for e in stored]
    assert events[-1]["type"] == "completion"
    assert [e["body"]["message"] for e in events if e["body"].get("stepId") == "after-2"][-1] == (
        "Step after-2 completed"
    )


def test_tasks_list_show_and_logs_read_the_portal(portal: LiveServer) -> None:
    created = json.loads(runner.invoke(app, ["create", "hello", "--json"]).output)
    listed = runner.invoke(app, ["tasks", "list", "--json"])
    assert [t["id"] for t in json.loads(listed.output)] == [created["id"]]
    shown = runner.invoke(app, ["tasks", "show", created["id"]])
    assert shown.exit_code == 0 and "https://docs.example.com/hello" in shown.output
    logs = runner.invoke(app, ["tasks", "logs", created["id"]])
    assert "hello there" in logs.output
    missing = runner.invoke(app, ["tasks", "show", "no-such-task"])
    assert missing.exit_code == 3
    bad = runner.invoke(app, ["tasks", "list", "--status", "bogus"])
    assert bad.exit_code == 2 and "--status" in bad.output


def test_a_token_in_cli_settings_makes_the_portal_act_for_its_user(
    portal: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    issued = TokenStore(portal.runtime.database).issue("user:default/ada", "cli")
    monkeypatch.setenv("GOLDPATH_CLI__TOKEN", issued.plaintext)
    result = runner.invoke(app, ["create", "hello", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["createdBy"] == "user:default/ada"
    monkeypatch.setenv("GOLDPATH_CLI__TOKEN", "gp_not-a-token")
    refused = runner.invoke(app, ["tasks", "list"])
    assert refused.exit_code == 5
    assert "cli.token" in refused.output


def test_a_portal_serving_another_database_is_not_used(
    portal: LiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other-home"
    monkeypatch.setenv("GOLDPATH_HOME", str(other))  # same port, another goldpath
    runtime = Runtime(load_settings())
    runtime.prepare()
    runtime.catalog.add_location("file", str(_templates(tmp_path / "mine", tmp_path / "f")[0]))
    runtime.stop()
    result = runner.invoke(app, ["create", "hello"])
    assert result.exit_code == 0, result.output
    assert "this process" in result.output
    assert portal.runtime.task_store.list_tasks()[1] == 0


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_unreachable_server_url_is_an_error_naming_the_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLDPATH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOLDPATH_CLI__SERVER_URL", f"http://127.0.0.1:{_closed_port()}")
    result = runner.invoke(app, ["tasks", "list"])
    assert result.exit_code == 6
    assert "cli.server_url" in result.output
    assert not (tmp_path / "home" / "goldpath.db").exists()  # nothing ran in-process


def test_without_a_portal_a_task_another_process_runs_cannot_be_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("GOLDPATH_HOME", str(home))
    monkeypatch.setenv("GOLDPATH_SERVER__PORT", str(_closed_port()))
    runtime = Runtime(load_settings(home=home))
    runtime.prepare()
    spec = task_spec("a")
    task_id = runtime.task_store.create(
        spec=spec, steps=open_steps(spec), created_by="u", events=[("log", {"message": "hi"})]
    )
    assert runtime.task_store.claim("another-process") is not None
    runtime.stop()
    result = runner.invoke(app, ["tasks", "logs", task_id, "--follow"])
    assert result.exit_code == 4
    assert "hi" in result.output  # the log so far, then why it stops
    assert "goldpath serve" in result.output


@given(
    events=st.lists(
        st.tuples(
            st.integers(min_value=1, max_value=10**6),
            st.sampled_from(["log", "completion", "cancelled"]),
            st.lists(st.text(alphabet=st.characters(blacklist_characters="\r\n"))),
        ),
        max_size=8,
    ),
    keepalives=st.lists(st.booleans(), max_size=8),
)
def test_server_sent_events_read_back_as_they_were_sent(
    events: list[tuple[int, str, list[str]]], keepalives: list[bool]
) -> None:
    wire = ""
    for index, (event_id, kind, lines) in enumerate(events):
        if index < len(keepalives) and keepalives[index]:
            wire += ": keep-alive\n\n"
        data = "".join(f"data: {line}\n" for line in (lines or [""]))
        wire += f"id: {event_id}\nevent: {kind}\n{data}\n"
    parsed = list(read_sse(iter(wire.split("\n"))))
    assert parsed == [
        (str(event_id), kind, "\n".join(lines or [""])) for event_id, kind, lines in events
    ]
