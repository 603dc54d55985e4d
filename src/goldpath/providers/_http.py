"""What the JSON-over-HTTP clients (Argo CD, Prometheus) share: a GET, errors converted."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from goldpath.errors import NotFoundError, ProviderError

__all__ = ["JsonApi", "ServiceNotFoundError", "ServiceUnavailableError"]

_DETAIL_LIMIT = 200


class ServiceUnavailableError(ProviderError):
    """An HTTP API could not be reached or did not answer in time."""


class ServiceNotFoundError(NotFoundError):
    """An HTTP API answered 404 for what was asked."""


def _detail(response: httpx.Response) -> str:
    """A short, single-line account of an error body (JSON ``message``/``error``, else text)."""
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, Mapping):
        body = body.get("message") or body.get("error") or ""
    text = " ".join(str(body).split())
    return text[:_DETAIL_LIMIT]


class JsonApi:
    """One base URL, an optional bearer token, one timeout; ``get`` returns parsed JSON.

    Failures become goldpath errors here and name the service, never the token:
    unreachable or too slow -> ServiceUnavailableError, 404 -> ServiceNotFoundError,
    anything else that is not a JSON 2xx -> ``error`` (the caller's ProviderError class).
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        token: str | None,
        timeout: float,
        error: type[ProviderError] = ProviderError,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._error = error
        self._timeout = timeout
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._client = httpx.Client(
            base_url=self.base_url, headers=headers, timeout=timeout, transport=transport
        )

    def get(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """GET ``path`` and return its JSON body."""
        where = f"{self.service} at {self.base_url}"
        try:
            response = self._client.get(path, params=dict(params or {}))
        except httpx.TimeoutException as exc:
            raise ServiceUnavailableError(
                f"{where} did not answer within {self._timeout:g} s", service=self.service
            ) from exc
        except httpx.HTTPError as exc:
            reason = str(exc) or type(exc).__name__
            raise ServiceUnavailableError(
                f"{where} could not be reached ({reason})", service=self.service
            ) from exc
        if response.status_code == 404:
            raise ServiceNotFoundError(
                f"{where} has no {path} ({_detail(response) or '404'})", service=self.service
            )
        if response.status_code in (401, 403):
            raise self._error(
                f"{where} refused the request ({response.status_code}: {_detail(response)}); "
                "check its token",
                service=self.service,
                status=response.status_code,
            )
        if not response.is_success:
            raise self._error(
                f"{where} answered {response.status_code}: {_detail(response)}",
                service=self.service,
                status=response.status_code,
            )
        try:
            return response.json()
        except ValueError as exc:
            raise self._error(f"{where} answered with something that is not JSON") from exc

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()
