"""Server-side plots (pure): geometry inside the frame, honest axes, a gap where data is missing."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from goldpath.web.pages._plots import HEIGHT, WIDTH, format_value, nice_ceiling, plot

_VALUES = st.one_of(st.none(), st.floats(0, 1e6, allow_nan=False))


def _series(values: list[float | None]) -> list[tuple[float, float | None]]:
    return [(1_700_000_000.0 + 60 * i, v) for i, v in enumerate(values)]


def _coordinates(path: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", path)]


@given(st.lists(_VALUES, min_size=1, max_size=61), st.sampled_from(["rps", "ratio", "seconds"]))
def test_every_point_is_drawn_inside_the_plot_area(values: list[float | None], unit: str) -> None:
    drawn = plot("p", _series(values), title="T", unit=unit, range_key="1h")  # type: ignore[arg-type]
    for x, y in _coordinates(drawn.path):
        assert drawn.left - 0.05 <= x <= drawn.right + 0.05
        assert drawn.top - 0.05 <= y <= drawn.bottom + 0.05
    assert 0 < drawn.left < drawn.right <= WIDTH and 0 < drawn.top < drawn.bottom <= HEIGHT


@given(st.lists(_VALUES, min_size=1, max_size=61))
def test_a_line_starts_anew_after_each_gap(values: list[float | None]) -> None:
    drawn = plot("p", _series(values), title="T", unit="rps", range_key="1h")
    runs = sum(
        1 for i, v in enumerate(values) if v is not None and (i == 0 or values[i - 1] is None)
    )
    assert drawn.path.count("M") == runs
    assert drawn.has_data == (runs > 0)
    alone = sum(
        1
        for i, v in enumerate(values)
        if v is not None
        and (i == 0 or values[i - 1] is None)
        and (i == len(values) - 1 or values[i + 1] is None)
    )
    assert len(drawn.dots) == alone  # a point with no neighbour shows as a dot


@given(st.lists(_VALUES, min_size=1, max_size=61))
def test_the_y_axis_tops_every_value_and_its_ticks_rise(values: list[float | None]) -> None:
    drawn = plot("p", _series(values), title="T", unit="rps", range_key="1h")
    ys = [tick.at for tick in drawn.y_ticks]
    assert ys == sorted(ys, reverse=True)  # 0 at the bottom, the top value at the top
    present = [v for v in values if v is not None]
    top = nice_ceiling(max(present, default=0.0), 1.0)
    assert all(v <= top for v in present)
    assert drawn.y_ticks[-1].label == format_value(top, "rps")


@given(st.floats(1e-9, 1e12))
def test_the_nice_ceiling_is_at_least_the_value_and_less_than_two_and_a_half_times_it(
    value: float,
) -> None:
    top = nice_ceiling(value, 1e-12)
    assert value <= top <= value * 2.5 * (1 + 1e-9)


def test_the_table_holds_every_point_and_the_description_the_latest() -> None:
    drawn = plot("p", _series([0.5, None, 2.0]), title="Requests", unit="rps", range_key="1h")
    assert [value for _, value in drawn.rows] == ["0.5 req/s", "—", "2 req/s"]
    assert "latest 2 req/s" in drawn.description and "highest 2 req/s" in drawn.description
    assert [tick.label for tick in drawn.x_ticks] == ["−60 min", "−30 min", "now"]


def test_values_read_as_people_write_them() -> None:
    assert format_value(0.0421, "ratio") == "4.2 %"
    assert format_value(0.0123, "seconds") == "12.3 ms"
    assert format_value(2.5, "seconds") == "2.5 s"
    assert format_value(None, "rps") == "—"
