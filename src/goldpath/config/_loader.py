"""Reads ``goldpath.yaml`` (app-config style) with ``${ENV}`` substitution and overlays."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from goldpath.config._models import ENV_PREFIX, Settings
from goldpath.config.errors import ConfigError
from goldpath.errors import FieldError
from goldpath.safe_yaml import YamlError, load_yaml

__all__ = ["load_settings", "substitute_env"]

_ENV_REF = re.compile(r"\$(\$?)\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Missing:
    """Marks a value whose ``${VAR}`` is unset; such keys are dropped, like Backstage."""


_MISSING = _Missing()


def substitute_env(value: Any, environ: Mapping[str, str]) -> Any:
    """Replace ``${VAR}`` in every string of a YAML tree; ``$${VAR}`` is a literal."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            new = substitute_env(item, environ)
            if new is not _MISSING:
                out[key] = new
        return out
    if isinstance(value, list):
        return [v for v in (substitute_env(i, environ) for i in value) if v is not _MISSING]
    if not isinstance(value, str):
        return value
    missing = False

    def replace(match: re.Match[str]) -> str:
        nonlocal missing
        if match.group(1):
            return "${" + match.group(2) + "}"
        name = match.group(2)
        if name not in environ:
            missing = True
            return ""
        return environ[name]

    result = _ENV_REF.sub(replace, value)
    return _MISSING if missing else result


def _deep_merge(base: dict[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in overlay.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = load_yaml(path.read_bytes(), where=str(path))
    except YamlError as exc:
        problem = exc.errors[0].message if exc.errors else exc.message
        raise ConfigError(f"{path} is not valid YAML: {problem}", path=str(path)) from exc
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", path=str(path)) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path} must hold a mapping at its top level", path=str(path))
    return data


def _config_path(config_file: Path | None, environ: Mapping[str, str]) -> Path | None:
    if config_file is not None:
        if not config_file.exists():
            raise ConfigError(f"config file {config_file} does not exist", path=str(config_file))
        return config_file
    named = environ.get(ENV_PREFIX + "CONFIG")
    if named:
        path = Path(named)
        if not path.exists():
            raise ConfigError(
                f"config file {path} (from {ENV_PREFIX}CONFIG) does not exist", path=str(path)
            )
        return path
    default = Path("goldpath.yaml")
    return default if default.exists() else None


def load_settings(config_file: Path | None = None, /, **overrides: Any) -> Settings:
    """Build Settings from goldpath.yaml, its ``goldpath.<env>.yaml`` overlay, env and overrides.

    Precedence, lowest first: defaults, goldpath.yaml, the overlay, ``GOLDPATH_*``
    environment variables, then keyword ``overrides``.
    """
    env = dict(os.environ)
    path = _config_path(config_file, env)
    data: dict[str, Any] = {}
    if path is not None:
        data = substitute_env(_read_yaml(path), env)
        which = env.get(ENV_PREFIX + "ENV") or overrides.get("env") or data.get("env")
        if which:
            overlay = path.with_name(f"{path.stem}.{which}{path.suffix}")
            if overlay.exists():
                data = _deep_merge(data, substitute_env(_read_yaml(overlay), env))
    try:
        settings = Settings(**data)
        if overrides:
            merged = _deep_merge(settings.model_dump(by_alias=True), overrides)
            settings = Settings.model_validate(merged)
    except ValidationError as exc:
        raise ConfigError(
            "invalid configuration",
            errors=[
                FieldError(
                    field=".".join(str(p) for p in err["loc"]),
                    rule=err["type"],
                    message=err["msg"],
                )
                for err in exc.errors()
            ],
        ) from exc
    return settings
