"""Configuration errors."""

from __future__ import annotations

from goldpath.errors import InvalidInputError

__all__ = ["ConfigError"]


class ConfigError(InvalidInputError):
    """The configuration files or environment could not be turned into Settings."""
