"""The last lines of a service's log, read from the end of its file and parsed as JSON lines.

Golden-path services log with pino: one JSON object a line, ``level`` as a label (``info``)
or pino's number (30), ``time`` as ISO text or epoch milliseconds, ``msg``; request lines
carry ``req.method``, ``req.url``, ``res.statusCode`` and ``responseTime``. Anything else
(npm's own banner, a stack trace) is kept as a plain line.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

__all__ = ["LEVELS", "LogLine", "parse_log_line", "tail_lines"]

LEVELS = ("trace", "debug", "info", "warn", "error", "fatal")
_PINO_NUMBERS = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
_ALIASES = {"warning": "warn", "err": "error", "critical": "fatal", "panic": "fatal"}
_MESSAGE_LIMIT = 2000
_CHUNK = 64 * 1024


@dataclass(frozen=True, slots=True)
class LogLine:
    """One line of a service's log: its level (None for plain text), time and words."""

    level: str | None
    time: str | None
    message: str
    request: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-friendly form."""
        return {
            "level": self.level,
            "time": self.time,
            "message": self.message,
            "request": self.request,
        }


def _level(raw: object) -> str | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        number = int(raw)
        return _PINO_NUMBERS.get(number - number % 10) if 10 <= number <= 69 else None
    if isinstance(raw, str):
        name = raw.strip().lower()
        name = _ALIASES.get(name, name)
        return name if name in LEVELS else None
    return None


def _time(raw: object) -> str | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        try:
            moment = datetime.fromtimestamp(raw / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if isinstance(raw, str) and raw.strip():
        return raw.strip()[:40]
    return None


def _request(record: Mapping[str, Any]) -> str | None:
    req = record.get("req")
    res = record.get("res")
    if not isinstance(req, Mapping):
        return None
    parts = [str(req.get("method") or ""), str(req.get("url") or "")]
    if isinstance(res, Mapping) and res.get("statusCode") is not None:
        parts.append(str(res.get("statusCode")))
    took = record.get("responseTime")
    if isinstance(took, int | float) and not isinstance(took, bool):
        parts.append(f"{took:g} ms")
    shown = " ".join(p for p in parts if p)
    return shown[:300] or None


def parse_log_line(text: str) -> LogLine:
    """One log line: JSON with a level and message when it is that, else plain text."""
    stripped = text.rstrip("\r\n")
    record: object = None
    if stripped.lstrip().startswith("{"):
        try:
            record = json.loads(stripped)
        except ValueError:
            record = None
    if not isinstance(record, Mapping):
        return LogLine(level=None, time=None, message=stripped[:_MESSAGE_LIMIT])
    message = record.get("msg", record.get("message", ""))
    error = record.get("err")
    if isinstance(error, Mapping) and error.get("message"):
        message = f"{message}: {error.get('message')}" if message else error.get("message")
    return LogLine(
        level=_level(record.get("level")),
        time=_time(record.get("time")),
        message=str(message)[:_MESSAGE_LIMIT],
        request=_request(record),
    )


def tail_lines(path: Path, count: int) -> list[str]:
    """The last ``count`` lines of a file, reading only its end; [] when it is missing."""
    try:
        handle = path.open("rb")
    except OSError:
        return []
    with handle:
        handle.seek(0, 2)
        size = handle.tell()
        data = b""
        position = size
        while position > 0 and data.count(b"\n") <= count:
            step = min(_CHUNK, position)
            position -= step
            handle.seek(position)
            data = handle.read(step) + data
    lines = data.decode("utf-8", "replace").splitlines()
    if position > 0 and lines:
        lines = lines[1:]  # the first line read may be cut in the middle
    return [line for line in lines if line.strip()][-count:]
