"""The portal and REST API (FastAPI)."""

from goldpath.web._app import create_app

__all__ = ["create_app"]
