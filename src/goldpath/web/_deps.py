"""FastAPI dependencies shared by routers and pages."""

from __future__ import annotations

from fastapi import Request

from goldpath.config import Settings
from goldpath.runtime import Runtime

__all__ = ["runtime_of", "settings_of"]


def runtime_of(request: Request) -> Runtime:
    """The Runtime the app was built with."""
    runtime: Runtime = request.app.state.runtime
    return runtime


def settings_of(request: Request) -> Settings:
    """The Settings the app was built with."""
    return runtime_of(request).settings
