"""goldpath: a self-hosted Internal Developer Platform that keeps Backstage's formats."""

__all__ = ["__version__"]

__version__ = "0.1.0"
