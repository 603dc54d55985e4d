"""Prometheus' HTTP API: range queries (``GET /api/v1/query_range``) over httpx."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from goldpath.errors import ProviderError
from goldpath.providers._http import JsonApi, ServiceNotFoundError

__all__ = ["PrometheusClient", "PrometheusError", "Series"]


class PrometheusError(ProviderError):
    """Prometheus failed, refused a query, or answered in a shape it documents no such way."""


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a range query: its labels and ``(unix time, value)`` points.

    A value is None where Prometheus answered NaN or an infinity (0/0, no requests).
    """

    labels: Mapping[str, str]
    points: tuple[tuple[float, float | None], ...]


def _number(raw: object) -> float | None:
    try:
        value = float(str(raw))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def series_from_json(body: object) -> list[Series]:
    """The series of a ``query_range`` answer (``resultType: matrix``)."""
    if not isinstance(body, Mapping) or body.get("status") != "success":
        error = body.get("error") if isinstance(body, Mapping) else None
        raise PrometheusError(f"Prometheus refused the query: {error or 'no status'}")
    data = body.get("data")
    if not isinstance(data, Mapping) or data.get("resultType") != "matrix":
        raise PrometheusError("Prometheus answered a range query without a matrix")
    result: list[Series] = []
    for item in data.get("result") or []:
        if not isinstance(item, Mapping):
            continue
        metric = item.get("metric")
        labels = {str(k): str(v) for k, v in metric.items()} if isinstance(metric, Mapping) else {}
        points: list[tuple[float, float | None]] = []
        for pair in item.get("values") or []:
            if isinstance(pair, list) and len(pair) == 2:
                try:
                    at = float(pair[0])
                except (TypeError, ValueError):
                    continue
                points.append((at, _number(pair[1])))
        result.append(Series(labels=labels, points=tuple(points)))
    return result


class PrometheusClient:
    """A read-only client of one Prometheus-compatible HTTP API."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api = JsonApi(
            "Prometheus",
            base_url,
            token=token,
            timeout=timeout,
            error=PrometheusError,
            transport=transport,
        )

    def query_range(self, query: str, *, start: float, end: float, step: float) -> list[Series]:
        """Evaluate ``query`` at ``start``, ``start + step``, ... up to ``end``."""
        params = {
            "query": query,
            "start": f"{start:.3f}",
            "end": f"{end:.3f}",
            "step": f"{step:g}",
        }
        try:
            body: Any = self._api.get("/api/v1/query_range", params)
        except ServiceNotFoundError as exc:
            raise PrometheusError(
                f"{self.base_url} has no /api/v1/query_range: is it Prometheus?"
            ) from exc
        return series_from_json(body)

    def close(self) -> None:
        """Close the connection pool."""
        self._api.close()
