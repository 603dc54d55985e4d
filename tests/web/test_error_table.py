"""Domain errors become HTTP status in one table, with Backstage's JSON error shape."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel

from goldpath.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    FieldError,
    GoldpathError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ProviderError,
)
from goldpath.web._errors import install_error_handlers


class Body(BaseModel):
    count: int


def _app(exc: Exception) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)

    @app.get("/api/boom")
    def boom() -> None:
        raise exc

    @app.post("/api/body")
    def body(payload: Body) -> dict[str, int]:
        return {"count": payload.count}

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (NotFoundError("no such thing"), 404),
        (ConflictError("already there"), 409),
        (InvalidInputError("bad"), 422),
        (BadRequestError("malformed"), 400),
        (AuthenticationError("sign in"), 401),
        (PermissionDeniedError("not yours"), 403),
        (ProviderError("gitlab down"), 502),
        (GoldpathError("unmapped"), 500),
    ],
)
def test_each_category_maps_to_its_status(error: GoldpathError, status: int) -> None:
    response = _app(error).get("/api/boom")
    assert response.status_code == status
    assert response.json()["error"] == {"name": type(error).__name__, "message": error.message}
    assert response.json()["response"] == {"statusCode": status}


def test_subclasses_keep_their_own_name() -> None:
    class EntityNotFoundError(NotFoundError):
        pass

    response = _app(EntityNotFoundError("no entity", ref="component:default/x")).get("/api/boom")
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "EntityNotFoundError"


def test_invalid_input_lists_every_field_error() -> None:
    error = InvalidInputError(
        "2 problems",
        errors=[
            FieldError(field="metadata.name", rule="pattern", message="bad name"),
            FieldError(field="kind", rule="required", message="missing"),
        ],
    )
    body = _app(error).get("/api/boom").json()
    assert [e["field"] for e in body["error"]["errors"]] == ["metadata.name", "kind"]


def test_unexpected_errors_hide_their_details() -> None:
    response = _app(RuntimeError("password=hunter2")).get("/api/boom")
    assert response.status_code == 500
    assert "hunter2" not in response.text


def test_malformed_request_body_is_an_input_error_naming_the_field() -> None:
    response = _app(RuntimeError()).post("/api/body", json={"count": "many"})
    assert response.status_code == 400
    assert response.json()["error"]["name"] == "InputError"
    assert "count" in response.json()["error"]["message"]


def test_unknown_route_is_a_json_404() -> None:
    response = _app(RuntimeError()).get("/api/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["name"] == "NotFoundError"


def test_portal_serves_no_cdn_backed_api_explorer(settings: object) -> None:
    from goldpath.web import create_app

    app = create_app(settings)  # type: ignore[arg-type]
    paths = {getattr(route, "path", "") for route in app.routes}
    assert "/api/openapi.json" in paths
    assert "/api/docs" not in paths and "/redoc" not in paths
