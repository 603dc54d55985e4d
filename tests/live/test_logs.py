"""Reading a service's JSON log lines (pino's shapes) and the tail of a log file."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from goldpath.live import LEVELS, parse_log_line, tail_lines


def test_a_pino_request_line_reads_as_level_time_message_and_request() -> None:
    line = parse_log_line(
        json.dumps(
            {
                "level": "warn",
                "time": "2026-12-04T16:20:00.136Z",
                "service": "orders-api",
                "req": {"id": "b5b5", "method": "GET", "url": "/nope"},
                "res": {"statusCode": 404},
                "responseTime": 2,
                "msg": "request completed",
            }
        )
    )
    assert (line.level, line.time, line.message) == (
        "warn",
        "2026-12-04T16:20:00.136Z",
        "request completed",
    )
    assert line.request == "GET /nope 404 2 ms"


def test_pino_numeric_levels_and_epoch_times_are_understood() -> None:
    line = parse_log_line(
        '{"level":50,"time":1796401054786,"msg":"failed","err":{"message":"boom"}}'
    )
    assert line.level == "error"
    assert line.time == "2026-12-04T16:17:34.786Z"
    assert line.message == "failed: boom"


def test_a_line_that_is_not_json_is_kept_as_plain_text() -> None:
    line = parse_log_line("> orders-api@0.1.0 start\n")
    assert (line.level, line.message) == (None, "> orders-api@0.1.0 start")


@given(st.text(max_size=300))
def test_any_line_parses_to_a_known_level_or_none(text: str) -> None:
    line = parse_log_line(text)
    assert line.level is None or line.level in LEVELS


@given(
    st.lists(
        st.text(
            alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")),
            min_size=1,
            max_size=200,
        ).filter(str.strip),
        max_size=400,
    ),
    st.integers(1, 60),
)
def test_the_tail_is_the_last_lines_of_the_file(
    tmp_path_factory: object, lines: list[str], count: int
) -> None:
    path = Path(str(tmp_path_factory.mktemp("tail"))) / "app.log"  # type: ignore[attr-defined]
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    assert tail_lines(path, count) == lines[-count:]


def test_a_missing_log_has_no_lines(tmp_path: Path) -> None:
    assert tail_lines(tmp_path / "none.log", 10) == []
