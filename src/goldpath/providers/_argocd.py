"""Argo CD's REST API: one application's sync and health (``GET /api/v1/applications/{name}``).

The response is Argo CD's ``v1alpha1Application`` (``assets/swagger.json`` in argoproj/argo-cd).
Timestamps are Kubernetes ``metav1.Time``: the API server writes RFC 3339 strings, while the
swagger document describes the protobuf form ``{seconds, nanos}``; both are read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from goldpath.errors import NotFoundError, ProviderError
from goldpath.providers._http import JsonApi, ServiceNotFoundError

__all__ = [
    "ArgoApplication",
    "ArgoCdApplicationNotFoundError",
    "ArgoCdClient",
    "ArgoCdError",
    "parse_kube_time",
]


class ArgoCdError(ProviderError):
    """Argo CD failed or refused a call."""


class ArgoCdApplicationNotFoundError(NotFoundError):
    """Argo CD has no application of that name (or hides it from this token)."""


@dataclass(frozen=True, slots=True)
class ArgoApplication:
    """What the portal shows of an Argo CD application."""

    name: str
    sync_status: str | None
    health_status: str | None
    health_message: str | None
    revision: str | None
    last_synced_at: datetime | None
    operation_phase: str | None
    operation_message: str | None
    images: tuple[str, ...]


def parse_kube_time(value: object) -> datetime | None:
    """A ``metav1.Time`` as an aware datetime: RFC 3339 text or ``{seconds, nanos}``."""
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    if isinstance(value, Mapping) and "seconds" in value:
        try:
            seconds = int(str(value["seconds"])) + int(value.get("nanos") or 0) / 1e9
        except (TypeError, ValueError):
            return None
        return datetime.fromtimestamp(seconds, tz=UTC)
    return None


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def application_from_json(name: str, body: Mapping[str, Any]) -> ArgoApplication:
    """Read the fields the portal shows from a ``v1alpha1Application`` document."""
    status = _map(body.get("status"))
    sync = _map(status.get("sync"))
    health = _map(status.get("health"))
    operation = _map(status.get("operationState"))
    history = status.get("history")
    last_sync = parse_kube_time(operation.get("finishedAt"))
    if last_sync is None and isinstance(history, list) and history:
        last_sync = parse_kube_time(_map(history[-1]).get("deployedAt"))
    images = _map(status.get("summary")).get("images")
    return ArgoApplication(
        name=_text(_map(body.get("metadata")).get("name")) or name,
        sync_status=_text(sync.get("status")),
        health_status=_text(health.get("status")),
        health_message=_text(health.get("message")),
        revision=_text(sync.get("revision")),
        last_synced_at=last_sync,
        operation_phase=_text(operation.get("phase")),
        operation_message=_text(operation.get("message")),
        images=tuple(i for i in images if isinstance(i, str)) if isinstance(images, list) else (),
    )


class ArgoCdClient:
    """A read-only client of one Argo CD API server."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None,
        timeout: float,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._api = JsonApi(
            "Argo CD",
            base_url,
            token=token,
            timeout=timeout,
            error=ArgoCdError,
            transport=transport,
        )

    def get_application(self, name: str) -> ArgoApplication:
        """The application ``name``; ArgoCdApplicationNotFoundError when there is none."""
        try:
            body = self._api.get(f"/api/v1/applications/{quote(name, safe='')}")
        except ServiceNotFoundError as exc:
            raise ArgoCdApplicationNotFoundError(
                f"Argo CD has no application {name}", application=name
            ) from exc
        if not isinstance(body, Mapping):
            raise ArgoCdError(f"Argo CD answered an application that is not an object: {name}")
        return application_from_json(name, body)

    def close(self) -> None:
        """Close the connection pool."""
        self._api.close()
