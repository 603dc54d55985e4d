"""``goldpath catalog``: list, get, register, unregister, refresh, validate."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from tests.catalog.conftest import EXAMPLES, WriteYaml, component
from typer.testing import CliRunner

from goldpath.cli import app

runner = CliRunner()


@pytest.fixture(autouse=True)
def _home(monkeypatch: pytest.MonkeyPatch, goldpath_home: Path) -> None:
    monkeypatch.setenv("GOLDPATH_HOME", str(goldpath_home))
    monkeypatch.setenv("GOLDPATH_CATALOG__REFRESH_ENABLED", "false")


def test_registering_a_file_outside_the_file_roots_is_refused(
    monkeypatch: pytest.MonkeyPatch, write_yaml: WriteYaml, goldpath_home: Path
) -> None:
    monkeypatch.delenv("GOLDPATH_CATALOG__FILE_ROOTS")  # default: the home only
    path = write_yaml("catalog-info.yaml", component("payments"))
    refused = runner.invoke(app, ["catalog", "register", str(path)])
    assert refused.exit_code == 5
    assert "catalog.file_roots" in refused.output
    assert "Traceback" not in refused.output


def test_register_list_get_and_unregister(write_yaml: WriteYaml) -> None:
    path = write_yaml("catalog-info.yaml", component("payments", owner="team-a"))
    registered = runner.invoke(app, ["catalog", "register", str(path)])
    assert registered.exit_code == 0, registered.output
    assert "component:default/payments" in registered.output

    listed = runner.invoke(app, ["catalog", "list", "--kind", "component", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [e["metadata"]["name"] for e in yaml.safe_load(listed.output)] == ["payments"]

    got = runner.invoke(app, ["catalog", "get", "component:payments"])
    assert got.exit_code == 0, got.output
    entity = yaml.safe_load(got.output)
    assert {"type": "ownedBy", "targetRef": "group:default/team-a"} in entity["relations"]

    gone = runner.invoke(app, ["catalog", "unregister", str(path)])
    assert gone.exit_code == 0, gone.output
    missing = runner.invoke(app, ["catalog", "get", "component:payments"])
    assert missing.exit_code == 3
    assert "Traceback" not in missing.output


def test_registering_twice_is_a_conflict_exit_code(write_yaml: WriteYaml) -> None:
    path = write_yaml("catalog-info.yaml", component("payments"))
    assert runner.invoke(app, ["catalog", "register", str(path)]).exit_code == 0
    again = runner.invoke(app, ["catalog", "register", str(path)])
    assert again.exit_code == 4
    assert "already registered" in again.output


def test_validate_accepts_the_backstage_examples() -> None:
    result = runner.invoke(app, ["catalog", "validate", str(EXAMPLES / "acme/team-b-group.yaml")])
    assert result.exit_code == 0, result.output
    assert "6 valid entities" in result.output


def test_validate_lists_every_problem_and_exits_2(write_yaml: WriteYaml) -> None:
    bad = component("-bad")
    bad["metadata"]["tags"] = ["Not Valid"]
    del bad["spec"]["owner"]
    path = write_yaml("bad.yaml", bad)
    result = runner.invoke(app, ["catalog", "validate", str(path)])
    assert result.exit_code == 2
    for field in ("metadata.name", "metadata.tags[0]", "spec.owner"):
        assert field in result.output
    assert "Traceback" not in result.output


def test_validate_a_missing_file_is_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["catalog", "validate", str(tmp_path / "nope.yaml")])
    assert result.exit_code == 3
    assert "does not exist" in result.output


def test_refresh_rereads_locations(write_yaml: WriteYaml) -> None:
    path = write_yaml("catalog-info.yaml", component("a"))
    runner.invoke(app, ["catalog", "register", str(path)])
    write_yaml("catalog-info.yaml", component("b"))
    assert runner.invoke(app, ["catalog", "refresh"]).exit_code == 0
    listed = runner.invoke(app, ["catalog", "list", "--kind", "component", "--json"])
    assert [e["metadata"]["name"] for e in yaml.safe_load(listed.output)] == ["b"]
