"""goldpath.yaml loading, overlays, environment overrides and the production validator."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.config import ConfigError, check_settings, load_settings, substitute_env

PRODUCTION_OK = {
    "env": "production",
    "database_url": "postgresql://goldpath@db/goldpath",
    "server": {"base_url": "https://portal.apps.acme.test"},
    "auth": {
        "github": {"client_id": "Iv1.abc", "client_secret": "s3cr3t-from-github"},
        "session_secret": "k9Q2x7Lm4Rt8Vw1Zp6Yb3Nc5Hd0Jf2Gs",
    },
}


def _keys(settings_kwargs: dict[str, object]) -> list[str]:
    return [p.key for p in check_settings(load_settings(**settings_kwargs))]


def test_development_defaults_start_without_problems() -> None:
    settings = load_settings()
    assert settings.env == "development"
    assert settings.guest_enabled
    assert check_settings(settings) == []


def test_home_defaults_to_dot_goldpath_and_holds_the_sqlite_database(tmp_path: Path) -> None:
    settings = load_settings()
    assert settings.home == tmp_path / ".goldpath"
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / '.goldpath' / 'goldpath.db'}"
    assert settings.git_root == tmp_path / ".goldpath" / "git"


def test_production_with_nothing_configured_lists_every_problem_at_once() -> None:
    keys = _keys({"env": "production"})
    assert keys == [
        "auth.github.client_id",
        "auth.github.client_secret",
        "auth.session_secret",
        "server.base_url",
        "database_url",
    ]


def test_production_needs_an_https_public_url() -> None:
    plain = {**PRODUCTION_OK, "server": {"base_url": "http://portal.apps.acme.test"}}
    assert _keys(plain) == ["server.base_url"]


def test_production_problems_name_the_environment_variable() -> None:
    problems = check_settings(load_settings(env="production"))
    by_key = {p.key: p.env_var for p in problems}
    assert by_key["auth.github.client_id"] == "GOLDPATH_AUTH__GITHUB__CLIENT_ID"
    assert by_key["auth.github.client_secret"] == "GOLDPATH_AUTH__GITHUB__CLIENT_SECRET"
    assert by_key["database_url"] == "GOLDPATH_DATABASE_URL"


def test_complete_production_configuration_passes() -> None:
    assert _keys(PRODUCTION_OK) == []


def test_production_refuses_guest_sign_in() -> None:
    assert _keys({**PRODUCTION_OK, "auth": {**PRODUCTION_OK["auth"], "guest": True}}) == [  # type: ignore[dict-item]
        "auth.guest"
    ]


@pytest.mark.parametrize(
    "secret",
    [
        "changeme",
        "<session-secret>",
        "${SESSION_SECRET}",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "placeholder-value-that-is-long-enough",
    ],
)
def test_production_refuses_placeholder_session_secrets(secret: str) -> None:
    auth = {**PRODUCTION_OK["auth"], "session_secret": secret}  # type: ignore[dict-item]
    assert _keys({**PRODUCTION_OK, "auth": auth}) == ["auth.session_secret"]


def test_production_refuses_short_session_secret() -> None:
    auth = {**PRODUCTION_OK["auth"], "session_secret": "Zx81-q"}  # type: ignore[dict-item]
    assert _keys({**PRODUCTION_OK, "auth": auth}) == ["auth.session_secret"]


def test_sqlite_in_production_only_when_explicitly_allowed() -> None:
    sqlite = {k: v for k, v in PRODUCTION_OK.items() if k != "database_url"}
    assert _keys(sqlite) == ["database_url"]
    assert _keys({**sqlite, "allow_sqlite_in_production": True}) == []


def test_yaml_file_with_env_substitution_and_overlay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "goldpath.yaml").write_text(
        "server:\n  port: 8080\nauth:\n  github:\n    client_id: ${GH_ID}\n"
        "platform:\n  domain: apps.acme.test\n"
    )
    (tmp_path / "goldpath.production.yaml").write_text("server:\n  port: 9090\n")
    monkeypatch.setenv("GH_ID", "Iv1.fromenv")
    monkeypatch.setenv("GOLDPATH_ENV", "production")
    settings = load_settings()
    assert settings.server.port == 9090  # overlay wins over the base file
    assert settings.auth.github.client_id == "Iv1.fromenv"
    assert settings.platform.domain == "apps.acme.test"  # untouched keys survive the overlay


def test_environment_variables_override_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "goldpath.yaml").write_text("server:\n  port: 8080\n")
    monkeypatch.setenv("GOLDPATH_SERVER__PORT", "7070")
    monkeypatch.setenv("GOLDPATH_DATABASE_URL", "postgresql://x@y/z")
    settings = load_settings()
    assert settings.server.port == 7070
    assert settings.database_url == "postgresql://x@y/z"


def test_unset_variable_drops_the_key_so_the_validator_reports_it(tmp_path: Path) -> None:
    (tmp_path / "goldpath.yaml").write_text(
        "env: production\nauth:\n  github:\n    client_id: ${NOT_SET_ANYWHERE}\n"
    )
    keys = [p.key for p in check_settings(load_settings())]
    assert "auth.github.client_id" in keys


def test_secrets_are_masked_when_settings_are_shown() -> None:
    settings = load_settings(**PRODUCTION_OK)
    shown = str(settings.public_dict()) + repr(settings)
    assert "s3cr3t-from-github" not in shown
    assert "k9Q2x7Lm4Rt8Vw1Zp6Yb3Nc5Hd0Jf2Gs" not in shown


def test_invalid_value_names_the_field() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(server={"port": 70000})
    assert [e.field for e in caught.value.errors] == ["server.port"]


def test_unknown_key_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "goldpath.yaml").write_text("server:\n  prot: 8080\n")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    assert caught.value.errors[0].field == "server.prot"


def test_malformed_yaml_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "goldpath.yaml").write_text("server: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings()


def test_missing_named_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml")


def test_ecr_registry_is_derived_from_account_and_region() -> None:
    settings = load_settings(platform={"aws_account_id": "123456789012", "aws_region": "eu-west-1"})
    assert settings.platform.ecr_registry == "123456789012.dkr.ecr.eu-west-1.amazonaws.com"


@given(st.text(alphabet=st.characters(blacklist_characters="$"), max_size=40))
def test_text_without_references_is_unchanged_by_substitution(text: str) -> None:
    assert substitute_env(text, {}) == text


def test_double_dollar_escapes_a_reference() -> None:
    assert substitute_env("$${HOME}", {"HOME": "/root"}) == "${HOME}"
    assert substitute_env("pre-${A}-post", {"A": "x"}) == "pre-x-post"
