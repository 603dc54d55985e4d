"""`python -m app`: read the settings, set up JSON logs and serve until SIGTERM."""

from __future__ import annotations

import sys

from app.config import ConfigError, load_settings
from app.logs import configure_logging
from app.server import build_server


def main() -> int:
    """Serve the application; 0 after a graceful shutdown, 1 on bad settings."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        print(f"invalid settings: {exc}", file=sys.stderr)
        return 1
    configure_logging(settings)
    build_server(settings).run()
    return 0


if __name__ == "__main__":  # pragma: no cover - run as `python -m app`
    sys.exit(main())
