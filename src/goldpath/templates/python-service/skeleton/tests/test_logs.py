"""JSON log lines: level names shared with the Node.js path, extras and errors."""

from __future__ import annotations

import io
import json
import logging

import pytest

from app.config import load_settings
from app.logs import configure_logging, request_id


def _configured(monkeypatch: pytest.MonkeyPatch, level: str) -> io.StringIO:
    monkeypatch.setenv("LOG_LEVEL", level)
    stream = io.StringIO()
    configure_logging(load_settings(), stream)
    return stream


def test_lines_carry_level_time_service_message_and_extras(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _configured(monkeypatch, "info")
    logging.getLogger("app.test").info("hello %s", "world", extra={"orderId": 7})
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "info"
    assert entry["msg"] == "hello world"
    assert entry["orderId"] == 7
    assert entry["service"] == load_settings().service_name


def test_lines_logged_while_serving_a_request_carry_its_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _configured(monkeypatch, "info")
    token = request_id.set("req-7")
    try:
        logging.getLogger("app.test").warning("inside")
    finally:
        request_id.reset(token)
    entry = json.loads(stream.getvalue())
    assert (entry["level"], entry["requestId"]) == ("warn", "req-7")


def test_levels_below_log_level_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _configured(monkeypatch, "warn")
    logging.getLogger("app.test").info("quiet")
    logging.getLogger("app.test").error("loud")
    assert [json.loads(line)["msg"] for line in stream.getvalue().splitlines()] == ["loud"]


def test_trace_logs_everything_and_silent_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    stream = _configured(monkeypatch, "trace")
    logging.getLogger("app.test").log(5, "fine detail")
    assert json.loads(stream.getvalue())["level"] == "trace"
    stream = _configured(monkeypatch, "silent")
    logging.getLogger("app.test").critical("not even this")
    assert stream.getvalue() == ""


def test_exceptions_are_logged_with_type_message_and_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = _configured(monkeypatch, "info")
    try:
        raise ValueError("bad value")
    except ValueError:
        logging.getLogger("app.test").exception("failed")
    entry = json.loads(stream.getvalue())
    assert entry["level"] == "error"
    assert entry["err"]["type"] == "ValueError"
    assert entry["err"]["message"] == "bad value"
    assert "Traceback" in entry["err"]["stack"]
