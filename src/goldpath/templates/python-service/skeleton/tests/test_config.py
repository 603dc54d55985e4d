"""Settings come from the environment and are refused, by name, when unusable."""

from __future__ import annotations

import pytest

from app.config import DEFAULT_PORT, LOG_LEVELS, ConfigError, load_settings


def test_defaults_apply_when_nothing_is_set() -> None:
    settings = load_settings()
    assert settings.port == DEFAULT_PORT == ${{ values.port }}
    assert settings.log_level == "info"
    assert settings.shutdown_timeout_ms == 8000


def test_port_log_level_and_shutdown_timeout_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "8080")
    monkeypatch.setenv("LOG_LEVEL", "debug")
    monkeypatch.setenv("SHUTDOWN_TIMEOUT_MS", "250")
    settings = load_settings()
    assert (settings.port, settings.log_level, settings.shutdown_timeout_ms) == (8080, "debug", 250)


def test_empty_variables_fall_back_to_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "")
    assert load_settings().port == DEFAULT_PORT


def test_a_non_numeric_port_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "eighty")
    with pytest.raises(ConfigError, match=r"^PORT: .*integer.*'eighty'"):
        load_settings()


def test_an_out_of_range_port_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "70000")
    with pytest.raises(ConfigError, match=r"^PORT: .*65535"):
        load_settings()


def test_an_unknown_log_level_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOG_LEVEL", "loud")
    with pytest.raises(ConfigError, match=r"^LOG_LEVEL: "):
        load_settings()


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORT", "-1")
    monkeypatch.setenv("SHUTDOWN_TIMEOUT_MS", "soon")
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert "PORT: " in str(raised.value)
    assert "SHUTDOWN_TIMEOUT_MS: " in str(raised.value)


def test_log_levels_are_the_node_paths_names() -> None:
    assert LOG_LEVELS == ("fatal", "error", "warn", "info", "debug", "trace", "silent")
