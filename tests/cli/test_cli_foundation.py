"""The CLI shell: config check, clear errors with exit codes, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from goldpath.cli import app

runner = CliRunner()


def test_config_check_passes_in_development() -> None:
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 0, result.output
    assert "valid for development" in result.output


def test_config_check_in_production_without_oauth_names_the_github_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GOLDPATH_ENV", "production")
    result = runner.invoke(app, ["config", "check"])
    assert result.exit_code == 1
    assert "GOLDPATH_AUTH__GITHUB__CLIENT_ID" in result.output
    assert "GOLDPATH_AUTH__GITHUB__CLIENT_SECRET" in result.output


def test_bad_config_file_is_one_red_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("server:\n  port: not-a-number\n")
    result = runner.invoke(app, ["--config", str(tmp_path / "bad.yaml"), "config", "check"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "server.port" in result.output


def test_serve_refuses_to_start_an_invalid_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLDPATH_ENV", "production")
    result = runner.invoke(app, ["serve", "--port", "0"])
    assert result.exit_code == 1
    assert "refusing to start production" in result.output


def test_config_show_masks_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLDPATH_AUTH__SESSION_SECRET", "super-secret-session-value-0123456789")
    result = runner.invoke(app, ["config", "show"])
    assert result.exit_code == 0
    assert "super-secret-session-value" not in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("goldpath ")


def test_error_messages_keep_square_brackets(tmp_path: Path) -> None:
    entity = tmp_path / "bad.yaml"
    entity.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: ok\n"
        "  tags: [Not_A_Tag]\nspec:\n  type: service\n  lifecycle: x\n  owner: team-a\n"
    )
    result = runner.invoke(app, ["catalog", "validate", str(entity)])
    assert result.exit_code != 0
    assert "[a-z0-9+#]" in result.output, result.output
