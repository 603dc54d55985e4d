"""What one catalog read over HTTP sends to the database: one statement, no transaction."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event
from tests.web.conftest import make_client

from goldpath.config import Settings
from goldpath.db import Database
from goldpath.runtime import Runtime

BY_NAME = "/api/catalog/entities/by-name/component/default/web-storefront"
BY_QUERY = "/api/catalog/entities/by-query"
REQUEST_THREADS = "AnyIO worker thread"
OWNED = {"filter": "kind=component,relations.ownedBy=group:default/storefront-team", "limit": 20}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def portal(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[tuple[TestClient, Runtime]]:
    """The demo portal on SQLite and, in a second run, on a real PostgreSQL."""
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        settings = settings.model_copy(update={"database_url": url})
    yield from make_client(settings, seed=True)


class _Statements:
    """The statements requests send while the block runs (the app runs a request's
    database work in AnyIO's worker threads), each with whether a transaction was open."""

    def __init__(self, database: Database) -> None:
        self.database = database
        self.sent: list[tuple[str, bool]] = []

    def _seen(self, conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not threading.current_thread().name.startswith(REQUEST_THREADS):
            return  # a background service's (scorecards scoring the demo, say)
        raw = conn.connection.dbapi_connection
        if self.database.is_postgresql:
            from psycopg.pq import TransactionStatus

            in_transaction = raw.info.transaction_status != TransactionStatus.IDLE
        else:
            in_transaction = bool(raw.in_transaction)
        self.sent.append((statement.split()[0], in_transaction))

    def __enter__(self) -> _Statements:
        event.listen(self.database.engine, "after_cursor_execute", self._seen)
        return self

    def __exit__(self, *_: object) -> None:
        event.remove(self.database.engine, "after_cursor_execute", self._seen)


def test_a_read_by_name_is_one_statement_once_the_callers_groups_are_known(
    portal: tuple[TestClient, Runtime],
) -> None:
    client, runtime = portal
    with _Statements(runtime.database) as first:
        assert client.get(BY_NAME).status_code == 200
    with _Statements(runtime.database) as again:
        response = client.get(BY_NAME)
    assert response.status_code == 200
    assert response.json()["metadata"]["name"] == "web-storefront"
    # the caller's groups (once), then the entity with its relations; no BEGIN / COMMIT
    assert first.sent == [("WITH", False), ("SELECT", False)]
    assert again.sent == [("SELECT", False)]


def test_a_query_page_is_one_statement_once_the_callers_groups_are_known(
    portal: tuple[TestClient, Runtime],
) -> None:
    client, runtime = portal
    assert client.get(BY_QUERY, params=OWNED).status_code == 200
    with _Statements(runtime.database) as again:
        response = client.get(BY_QUERY, params=OWNED)
    assert response.status_code == 200
    body = response.json()
    assert body["totalItems"] == len(body["items"]) > 0
    assert again.sent == [("SELECT", False)]
