"""Property-based fuzz of the whole REST API from its own OpenAPI document (schemathesis).

Every operation /api/openapi.json lists is called with generated input, signed in with a
personal API token so requests reach the real handlers. Whatever the input, the API
answers without a 5xx and with a body that matches the schema it publishes.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from goldpath.config import load_settings
from goldpath.demo import seed_demo
from goldpath.runtime import Runtime
from goldpath.web import create_app
from goldpath.web.auth import token_store_of

pytestmark = pytest.mark.xdist_group("fuzz")


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, str]]:
    """One portal for the whole fuzz (demo data seeded, no background workers) and a token."""
    home = tmp_path_factory.mktemp("fuzz-home")
    options: dict[str, Any] = {
        "home": home,
        "catalog": {"refresh_enabled": False, "file_roots": [home]},
        "scaffolder": {"workers": 0},
        "server": {"max_body_bytes": 256 * 1024},
    }
    app_settings = load_settings(**options)
    runtime = Runtime(app_settings)
    app = create_app(app_settings, runtime=runtime)
    with TestClient(app):  # runs the lifespan: migrations, built-in templates
        seed_demo(runtime.catalog)
        issued = token_store_of_app(app).issue("user:default/fuzzer", "fuzz")
        yield app, issued.plaintext


def token_store_of_app(app: FastAPI) -> Any:
    """The app's token store (the same one the auth middleware checks)."""

    class _Request:
        def __init__(self, app: FastAPI) -> None:
            self.app = app

    return token_store_of(_Request(app))  # type: ignore[arg-type]


MAX_EXAMPLES = 25  # per operation: the whole fuzz stays within a minute or two


def _cases(operation: Any) -> st.SearchStrategy[Any]:
    """Input that fits the schema and input that breaks it (where the schema can be broken)."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    # an operation without parameters has no negative form
    with contextlib.suppress(Exception):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


def _fuzz(operation: Any, token: str) -> None:
    @given(case=_cases(operation))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def call(case: Any) -> None:
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )

    call()


def test_no_input_makes_the_api_fail_or_break_its_schema(
    fuzzed_app: tuple[FastAPI, str],
) -> None:
    app, token = fuzzed_app
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    failures: list[str] = []
    fuzzed = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.endswith("/eventstream"):
            continue  # an open stream until its task ends; the scaffolder API tests cover it
        fuzzed += 1
        try:
            _fuzz(operation, token)
        except Exception as exc:  # every failing operation is reported, not just the first
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}")
    assert fuzzed >= 15, "the OpenAPI document lost its operations"
    assert failures == [], "\n\n".join(failures)


def test_the_fuzz_reaches_signed_in_handlers(fuzzed_app: tuple[FastAPI, str]) -> None:
    app, token = fuzzed_app
    client = TestClient(app)
    answer = client.get("/api/catalog/entities", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200
    refused = client.get("/api/catalog/entities", headers={"Authorization": "Bearer gp_bad"})
    assert refused.status_code == 401
