"""Service settings, read once from the environment at start-up."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

SERVICE_NAME = "${{ values.name }}"
DEFAULT_PORT = ${{ values.port }}
LOG_LEVELS = ("fatal", "error", "warn", "info", "debug", "trace", "silent")

LogLevel = Literal["fatal", "error", "warn", "info", "debug", "trace", "silent"]


class ConfigError(Exception):
    """The environment holds a setting the service cannot use."""


class Settings(BaseSettings):
    """What the service reads from the environment (`PORT`, `LOG_LEVEL`, ...)."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True)

    port: int = Field(default=DEFAULT_PORT, ge=0, le=65535)
    log_level: LogLevel = "info"
    # Kubernetes sends SIGKILL after terminationGracePeriodSeconds (30 s by default);
    # cancelling requests earlier keeps the exit ours.
    shutdown_timeout_ms: int = Field(default=8000, ge=0, le=600_000)

    @property
    def service_name(self) -> str:
        """The service's name, as it appears in logs."""
        return SERVICE_NAME


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (``overrides`` win); one readable line per problem."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variable = str(error["loc"][0]).upper() if error["loc"] else "settings"
            problems.append(f"{variable}: {error['msg']} (got {error.get('input')!r})")
        raise ConfigError("; ".join(problems)) from None
