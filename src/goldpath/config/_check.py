"""The start-up validator: every problem with a configuration, listed at once."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from goldpath.config._models import Settings

__all__ = ["ConfigProblem", "check_settings"]

PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "placeholder",
        "password",
        "dev",
        "development",
        "example",
        "xxx",
        "todo",
        "replace-me",
        "replaceme",
    }
)
MIN_SESSION_SECRET_LENGTH = 32


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One reason the configuration cannot start: the key, its env var, and why."""

    key: str
    env_var: str
    message: str

    def __str__(self) -> str:
        return f"{self.key} ({self.env_var}): {self.message}"


def _is_placeholder(secret: SecretStr | None) -> bool:
    if secret is None:
        return True
    value = secret.get_secret_value().strip()
    lowered = value.lower()
    return (
        lowered in PLACEHOLDER_SECRETS
        or lowered.startswith(("<", "${", "change", "replace", "your-"))
        or "placeholder" in lowered
        or len(set(value)) <= 2
    )


def check_settings(settings: Settings) -> list[ConfigProblem]:
    """Return every reason these settings must not start; empty when they may."""
    problems: list[ConfigProblem] = []

    def problem(key: str, message: str) -> None:
        problems.append(ConfigProblem(key=key, env_var=settings.env_var_for(key), message=message))

    if settings.techdocs.storage == "s3" and not (settings.techdocs.s3.bucket or "").strip():
        problem("techdocs.s3.bucket", "techdocs.storage is s3 but no bucket is named")
    if not settings.is_production:
        return problems
    if settings.guest_enabled:
        problem("auth.guest", "guest sign-in must be off in production; set it to false")
    if not (settings.auth.github.client_id or "").strip():
        problem("auth.github.client_id", "GitHub OAuth client id is missing")
    secret = settings.auth.github.client_secret
    if secret is None or not secret.get_secret_value().strip():
        problem("auth.github.client_secret", "GitHub OAuth client secret is missing")
    session = settings.auth.session_secret
    if session is None:
        problem("auth.session_secret", "the session secret is missing")
    elif _is_placeholder(session):
        problem("auth.session_secret", "the session secret is a placeholder; use a random value")
    elif len(session.get_secret_value()) < MIN_SESSION_SECRET_LENGTH:
        problem(
            "auth.session_secret",
            f"the session secret must be at least {MIN_SESSION_SECRET_LENGTH} characters",
        )
    base_url = (settings.server.base_url or "").strip()
    if not base_url:
        problem(
            "server.base_url",
            "the portal's public URL is missing (it builds the GitHub OAuth callback and "
            "marks session cookies Secure); set it to https://<portal host>",
        )
    elif not base_url.startswith("https://"):
        problem("server.base_url", f"the public URL must use https in production, not {base_url!r}")
    if settings.resolved_database_url.startswith("sqlite") and not (
        settings.allow_sqlite_in_production
    ):
        problem(
            "database_url",
            "production needs PostgreSQL (postgresql+psycopg://...); SQLite serves one "
            "process only (set allow_sqlite_in_production to override)",
        )
    return problems
