"""JSON log lines on stdout, one object per event, with the request id of the request."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, TextIO

from app.config import Settings

TRACE = 5
# The same level names as the Node.js golden path, so LOG_LEVEL means one thing everywhere.
LEVELS = {
    "fatal": logging.CRITICAL,
    "error": logging.ERROR,
    "warn": logging.WARNING,
    "info": logging.INFO,
    "debug": logging.DEBUG,
    "trace": TRACE,
    "silent": logging.CRITICAL + 10,
}
_LABELS = {
    logging.CRITICAL: "fatal",
    logging.ERROR: "error",
    logging.WARNING: "warn",
    logging.INFO: "info",
    logging.DEBUG: "debug",
    TRACE: "trace",
}
# Attributes every LogRecord has; anything else came in through `extra=` and is logged.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
"""The id of the request being served, added to every line logged while serving it."""

logger = logging.getLogger("app")


def _label(levelno: int) -> str:
    for threshold in sorted(_LABELS, reverse=True):
        if levelno >= threshold:
            return _LABELS[threshold]
    return "trace"


def _iso_time(created: float) -> str:
    moment = datetime.fromtimestamp(created, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class JsonFormatter(logging.Formatter):
    """One JSON object per record: level, time, service, msg, request id and extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "level": _label(record.levelno),
            "time": _iso_time(record.created),
            "service": self.service,
        }
        current = request_id.get()
        if current is not None:
            entry["requestId"] = current
        entry.update((key, value) for key, value in record.__dict__.items() if key not in _STANDARD)
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            entry["err"] = {
                "type": type(error).__name__,
                "message": str(error),
                "stack": "".join(traceback.format_exception(error)),
            }
        entry["msg"] = record.getMessage()
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(settings: Settings, stream: TextIO | None = None) -> None:
    """Send this service's and uvicorn's logs to ``stream`` (stdout) as JSON lines."""
    handler = logging.StreamHandler(stream if stream is not None else sys.stdout)
    handler.setFormatter(JsonFormatter(settings.service_name))
    for name in ("app", "uvicorn"):
        named = logging.getLogger(name)
        named.handlers = [handler]
        named.setLevel(LEVELS[settings.log_level])
        named.propagate = False
    # Access lines come from app.http (one per request, with the request id), not uvicorn.
    logging.getLogger("uvicorn.access").disabled = True
