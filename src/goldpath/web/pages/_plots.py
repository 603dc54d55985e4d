"""Server-rendered line plots (pure): a series in, SVG geometry, axis ticks and a table out.

The template draws the SVG from these numbers, so a plot needs no JavaScript, shows in a
screenshot and reads out to a screen reader (a title, a description with the latest and
highest value, and the same values as a table).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

__all__ = ["HEIGHT", "WIDTH", "Plot", "Tick", "format_value", "nice_ceiling", "plot"]

Unit = Literal["rps", "ratio", "seconds"]
WIDTH = 360
HEIGHT = 172
LEFT, RIGHT, TOP, BOTTOM = 58.0, 12.0, 24.0, 40.0
_FLOOR: dict[str, float] = {"rps": 1.0, "ratio": 0.01, "seconds": 0.01}
_AXIS: dict[str, str] = {"rps": "requests/s", "ratio": "share of requests", "seconds": "seconds"}
_RELATIVE = {
    "1h": ("−60 min", "−30 min"),
    "6h": ("−6 h", "−3 h"),
    "24h": ("−24 h", "−12 h"),
}
_SPAN_WORDS = {"1h": "hour", "6h": "6 hours", "24h": "24 hours"}


@dataclass(frozen=True, slots=True)
class Tick:
    """An axis tick: where (in SVG units) and what it says."""

    at: float
    label: str


@dataclass(frozen=True, slots=True)
class Plot:
    """Everything a template needs to draw one series and its table."""

    id: str
    title: str
    description: str
    axis_label: str
    time_label: str
    path: str
    y_ticks: tuple[Tick, ...]
    x_ticks: tuple[Tick, ...]
    latest: str
    rows: tuple[tuple[str, str], ...]
    has_data: bool
    dots: tuple[tuple[float, float], ...] = ()
    width: int = WIDTH
    height: int = HEIGHT
    left: float = LEFT
    right: float = WIDTH - RIGHT
    top: float = TOP
    bottom: float = HEIGHT - BOTTOM


def format_value(value: float | None, unit: str) -> str:
    """A value as people read it: ``1.2 req/s``, ``4.2 %``, ``35 ms``; ``—`` for none."""
    if value is None:
        return "—"
    if unit == "ratio":
        percent = value * 100
        return f"{percent:.1f} %" if percent < 10 else f"{percent:.0f} %"
    if unit == "seconds":
        if value < 1:
            return f"{value * 1000:.3g} ms"
        return f"{value:.3g} s"
    return f"{value:.3g} req/s"


def nice_ceiling(value: float, floor: float) -> float:
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least ``value`` (and ``floor``)."""
    target = max(value, floor)
    exponent = math.floor(math.log10(target))
    for base in (1.0, 2.0, 2.5, 5.0, 10.0):
        candidate: float = base * 10.0**exponent
        if candidate >= target:
            return candidate
    return 10.0 ** (exponent + 1)  # pragma: no cover - 10 x 10^k always fits


def _time_label(moment: float, range_key: str) -> str:
    shown = datetime.fromtimestamp(moment, tz=UTC)
    return shown.strftime("%m-%d %H:%M") if range_key == "24h" else shown.strftime("%H:%M")


def plot(
    plot_id: str,
    points: Sequence[tuple[float, float | None]],
    *,
    title: str,
    unit: Unit,
    range_key: str,
) -> Plot:
    """The geometry of one series over its range (points in time order, None for gaps)."""
    width = WIDTH - LEFT - RIGHT
    height = HEIGHT - TOP - BOTTOM
    values = [v for _, v in points if v is not None]
    top_value = nice_ceiling(max(values, default=0.0), _FLOOR[unit])
    t0 = points[0][0] if points else 0.0
    t1 = points[-1][0] if points else 1.0
    span = (t1 - t0) or 1.0

    def x(t: float) -> float:
        return LEFT + (t - t0) / span * width

    def y(v: float) -> float:
        return TOP + height - min(max(v, 0.0), top_value) / top_value * height

    parts: list[str] = []
    runs: list[list[tuple[float, float]]] = []
    pen_down = False
    for t, v in points:
        if v is None:
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x(t):.1f},{y(v):.1f}")
        if not pen_down:
            runs.append([])
        runs[-1].append((round(x(t), 1), round(y(v), 1)))
        pen_down = True
    y_ticks = tuple(
        Tick(at=round(y(top_value * f), 1), label=format_value(top_value * f, unit))
        for f in (0.0, 0.5, 1.0)
    )
    earliest, middle = _RELATIVE.get(range_key, ("", ""))
    x_ticks = (
        Tick(at=LEFT, label=earliest),
        Tick(at=round(LEFT + width / 2, 1), label=middle),
        Tick(at=LEFT + width, label="now"),
    )
    latest_value = next((v for _, v in reversed(points) if v is not None), None)
    latest = format_value(latest_value, unit)
    highest = format_value(max(values) if values else None, unit)
    description = (
        f"{title} over the last {_SPAN_WORDS.get(range_key, range_key)}: latest {latest}, "
        f"highest {highest}."
        if values
        else f"{title} over the last {_SPAN_WORDS.get(range_key, range_key)}: no data."
    )
    return Plot(
        id=plot_id,
        title=title,
        description=description,
        axis_label=_AXIS[unit],
        time_label=f"time, last {_SPAN_WORDS.get(range_key, range_key)}",
        path=" ".join(parts),
        y_ticks=y_ticks,
        x_ticks=x_ticks,
        latest=latest,
        rows=tuple((_time_label(t, range_key), format_value(v, unit)) for t, v in points),
        has_data=bool(values),
        # A point with no neighbour draws no line: it shows as a dot.
        dots=tuple(run[0] for run in runs if len(run) == 1),
    )
