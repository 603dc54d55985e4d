"""Talking to a running portal: finding it, its REST API, and its event stream (SSE).

The CLI uses a portal when one serves the same goldpath: ``cli.server_url`` when it is
set (an error when it does not answer), else the portal at ``server.base_url`` when it
answers ``/healthz`` with this settings' ``instance_id`` (the digest of the database).
With no portal the CLI works in-process.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from goldpath.cli.errors import STATUS_ERRORS, PortalError, PortalUnreachableError
from goldpath.config import Settings
from goldpath.errors import FieldError, GoldpathError, InvalidInputError
from goldpath.scaffolder import DryRunResult, TaskEvent, TaskRecord, TaskStatus

__all__ = ["PROBE_SECONDS", "PortalClient", "find_portal", "read_sse"]

PROBE_SECONDS = 0.5
"""How long the CLI waits for a portal it looks for (one that is running answers at once)."""
_READ_SECONDS = 60.0  # the event stream sends a keep-alive every 10 s
_RECONNECTS = 5


def read_sse(lines: Iterator[str]) -> Iterator[tuple[str, str, str]]:
    """Server-sent events as ``(id, event, data)``; comments (keep-alives) are skipped."""
    event_id, event = "", "message"
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                yield event_id, event, "\n".join(data)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            event_id = value
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)
    if data:
        yield event_id, event, "\n".join(data)


class PortalClient:
    """The portal's REST API as the CLI needs it, answers turned into goldpath's types."""

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"Accept": "application/json", "User-Agent": "goldpath-cli"}
        # /healthz is public: asked without the token, so a bad token is reported as such
        self._public = httpx.Client(
            base_url=self.base_url, headers=headers, transport=transport, timeout=timeout
        )
        if token:
            headers["Authorization"] = f"Bearer {token}"
        self._http = httpx.Client(
            base_url=self.base_url, headers=headers, transport=transport, timeout=timeout
        )

    def close(self) -> None:
        """Close the connection pools."""
        self._http.close()
        self._public.close()

    def _raise_for(self, response: httpx.Response) -> None:
        if response.is_success:
            return
        try:
            error = response.json().get("error") or {}
        except (ValueError, AttributeError):
            error = {}
        message = str(error.get("message") or response.reason_phrase or "request failed")
        text = f"the portal at {self.base_url} answered {response.status_code}: {message}"
        if response.status_code == 401:
            text += " (set cli.token to a personal API token: goldpath tokens create)"
        for statuses, error_type in STATUS_ERRORS:
            if response.status_code in statuses:
                if issubclass(error_type, InvalidInputError):
                    problems = [
                        FieldError(str(e.get("field")), str(e.get("rule")), str(e.get("message")))
                        for e in error.get("errors") or ()
                    ]
                    raise error_type(text, errors=problems, status=response.status_code)
                raise error_type(text, status=response.status_code)
        raise PortalError(text, status=response.status_code)

    def _call(self, method: str, path: str, *, public: bool = False, **kwargs: Any) -> Any:
        try:
            response = (self._public if public else self._http).request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise PortalUnreachableError(
                f"cannot reach the portal at {self.base_url}: {type(exc).__name__}",
                url=self.base_url,
            ) from exc
        self._raise_for(response)
        try:
            return response.json()
        except ValueError as exc:
            raise PortalError(
                f"the portal at {self.base_url} answered {path} with something that is not JSON"
            ) from exc

    def health(self, *, timeout: float | None = None) -> dict[str, Any]:
        """``GET /healthz``: status, version and the instance digest."""
        answer: dict[str, Any] = self._call(
            "GET",
            "/healthz",
            public=True,
            **({"timeout": timeout} if timeout is not None else {}),
        )
        return answer

    def template(self, ref: str) -> dict[str, Any]:
        """A Template entity from the portal's catalog (``template:ns/name``)."""
        kind, _, rest = ref.partition(":")
        namespace, _, name = rest.partition("/")
        entity: dict[str, Any] = self._call(
            "GET", f"/api/catalog/entities/by-name/{kind}/{namespace}/{name}"
        )
        return entity

    def dry_run(self, template: Mapping[str, Any], values: Mapping[str, Any]) -> DryRunResult:
        """``POST /dry-run`` with a Template entity."""
        answer = self._call(
            "POST",
            "/api/scaffolder/v2/dry-run",
            json={"template": dict(template), "values": dict(values)},
        )
        return DryRunResult.from_dict(answer)

    def create_task(self, template_ref: str, values: Mapping[str, Any]) -> str:
        """``POST /tasks``: the new task's id."""
        answer = self._call(
            "POST",
            "/api/scaffolder/v2/tasks",
            json={"templateRef": template_ref, "values": dict(values)},
        )
        return str(answer["id"])

    def task(self, task_id: str) -> TaskRecord:
        """``GET /tasks/:id``."""
        return TaskRecord.from_dict(self._call("GET", f"/api/scaffolder/v2/tasks/{task_id}"))

    def tasks(
        self, *, status: TaskStatus | None = None, limit: int = 50
    ) -> tuple[list[TaskRecord], int]:
        """``GET /tasks``: a page of tasks, newest first, and how many there are."""
        params: dict[str, Any] = {"limit": limit}
        if status is not None:
            params["status"] = str(status)
        answer = self._call("GET", "/api/scaffolder/v2/tasks", params=params)
        return [TaskRecord.from_dict(t) for t in answer["tasks"]], int(answer["totalTasks"])

    def cancel(self, task_id: str) -> TaskStatus:
        """``POST /tasks/:id/cancel``."""
        answer = self._call("POST", f"/api/scaffolder/v2/tasks/{task_id}/cancel")
        return TaskStatus(answer["status"])

    def events(self, task_id: str, *, after: int | None = None) -> list[TaskEvent]:
        """``GET /tasks/:id/events?after=``."""
        params = {"after": after} if after is not None else {}
        answer = self._call("GET", f"/api/scaffolder/v2/tasks/{task_id}/events", params=params)
        return [TaskEvent.from_dict(item) for item in answer]

    def follow(self, task_id: str, *, after: int | None = None) -> Iterator[TaskEvent]:
        """The task's events from the event stream, as they happen, until its last one.

        A dropped connection is picked up again with ``Last-Event-ID``, as a browser's
        ``EventSource`` does.
        """
        last = after
        for _attempt in range(_RECONNECTS + 1):
            headers = {"Accept": "text/event-stream"}
            if last is not None:
                headers["Last-Event-ID"] = str(last)
            try:
                with self._http.stream(
                    "GET",
                    f"/api/scaffolder/v2/tasks/{task_id}/eventstream",
                    headers=headers,
                    timeout=httpx.Timeout(30.0, read=_READ_SECONDS),
                ) as response:
                    if not response.is_success:
                        response.read()
                        self._raise_for(response)
                    for _id, _type, data in read_sse(response.iter_lines()):
                        event = TaskEvent.from_dict(json.loads(data))
                        last = event.id
                        yield event
                        if event.is_last:
                            return
            except httpx.TransportError:
                continue  # resume after the last event seen
            if self.task(task_id).status.finished:
                # the stream ended with the task before its last event reached us
                yield from (e for e in self.events(task_id, after=last) if e.id > (last or 0))
                return
        raise PortalUnreachableError(
            f"lost the event stream of task {task_id} from {self.base_url}", url=self.base_url
        )


def find_portal(
    settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> PortalClient | None:
    """The portal the CLI should talk to, or None to work in-process (see module docs)."""
    token = settings.cli.token.get_secret_value() if settings.cli.token is not None else None
    if settings.cli.server_url:
        client = PortalClient(settings.cli.server_url, token=token, transport=transport)
        try:
            client.health()
        except PortalUnreachableError as exc:
            client.close()
            raise PortalUnreachableError(
                f"{exc.message} (cli.server_url)", url=settings.cli.server_url
            ) from exc
        return client
    if not settings.cli.discover:
        return None
    client = PortalClient(settings.server.public_url, token=token, transport=transport)
    try:
        health = client.health(timeout=PROBE_SECONDS)
    except GoldpathError:  # nothing there, or something that is not a goldpath portal
        client.close()
        return None
    if health.get("instance") != settings.instance_id:
        client.close()  # a portal of another goldpath (another home or database)
        return None
    return client
