"""Routes, probes, errors, request ids and access logs."""

from __future__ import annotations

import re

from fastapi import APIRouter
from pydantic import BaseModel

from app.main import ServiceState
from tests.helpers import Built, build


class Order(BaseModel):
    item: str
    quantity: int


def test_root_greets_with_the_service_name(built: Built) -> None:
    response = built.client.get("/")
    assert response.status_code == 200
    name = built.settings.service_name
    assert response.json() == {"service": name, "message": f"Hello from {name}"}


def test_healthz_reports_the_process_alive(built: Built) -> None:
    response = built.client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_is_ready_while_serving(built: Built) -> None:
    response = built.client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready"}


def test_readyz_is_503_while_shutting_down() -> None:
    response = build(state=ServiceState(shutting_down=True)).client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "shutting down"}


def test_unknown_paths_get_a_json_404(built: Built) -> None:
    response = built.client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == {
        "error": {"name": "NotFound", "message": "No route for GET /no/such/page"}
    }


def test_a_wrong_method_gets_a_json_405(built: Built) -> None:
    response = built.client.delete("/")
    assert response.status_code == 405
    assert response.json()["error"]["name"] == "MethodNotAllowed"


def test_an_invalid_body_gets_a_json_422_naming_the_field() -> None:
    router = APIRouter()

    @router.post("/orders")
    def create_order(order: Order) -> dict[str, int]:
        return {"quantity": order.quantity}

    client = build(router=router).client
    response = client.post("/orders", json={"item": "book", "quantity": "many"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["name"] == "ValidationError"
    assert "body.quantity" in error["message"]
    malformed = client.post(
        "/orders", content=b'{"broken":', headers={"content-type": "application/json"}
    )
    assert malformed.status_code == 422
    assert malformed.json()["error"]["name"] == "ValidationError"


def test_a_failing_handler_gets_a_json_500_without_internals() -> None:
    router = APIRouter()

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret detail")

    app = build(router=router)
    response = app.client.get("/boom")
    assert response.status_code == 500
    assert response.json() == {
        "error": {"name": "InternalServerError", "message": "Internal Server Error"}
    }
    assert "secret detail" not in response.text
    failures = [e for e in app.entries() if e["msg"] == "request failed"]
    assert failures and failures[0]["level"] == "error"
    assert failures[0]["err"]["type"] == "RuntimeError"
    assert failures[0]["requestId"] == response.headers["x-request-id"]


def test_every_response_carries_a_generated_request_id(built: Built) -> None:
    response = built.client.get("/")
    assert re.fullmatch(r"[0-9a-f-]{36}", response.headers["x-request-id"])


def test_a_valid_incoming_request_id_is_kept(built: Built) -> None:
    response = built.client.get("/", headers={"X-Request-Id": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"


def test_an_unsafe_incoming_request_id_is_replaced(built: Built) -> None:
    response = built.client.get("/", headers={"X-Request-Id": "bad id with spaces"})
    assert response.headers["x-request-id"] != "bad id with spaces"


def test_access_logs_are_json_lines_with_the_request_id(built: Built) -> None:
    response = built.client.get("/?page=2", headers={"X-Request-Id": "req-42"})
    assert response.status_code == 200
    access = [e for e in built.entries() if e.get("requestId") == "req-42"]
    assert len(access) == 1
    assert access[0]["level"] == "info"
    assert access[0]["msg"] == "request completed"
    assert access[0]["service"] == built.settings.service_name
    assert access[0]["req"] == {"method": "GET", "url": "/?page=2"}
    assert access[0]["res"] == {"statusCode": 200}
    assert access[0]["responseTime"] >= 0
    assert access[0]["time"].endswith("Z")


def test_client_errors_are_logged_as_warnings(built: Built) -> None:
    built.client.get("/missing")
    assert [e["level"] for e in built.entries()] == ["warn"]


def test_probe_and_scrape_requests_are_not_access_logged(built: Built) -> None:
    for path in ("/healthz", "/readyz", "/metrics"):
        built.client.get(path)
    assert built.entries() == []
