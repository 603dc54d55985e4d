"""A component's page loads its GitOps policy report, with progress while it runs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.conftest import LiveServer, run_live_server, sign_in_as_guest
from tests.support.catalog import register_owners
from tests.templates.conftest import BASE_PARAMETERS

pytestmark = pytest.mark.browser
NAME = "ledger"


@pytest.fixture(scope="module")
def server_with_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    home = tmp_path_factory.mktemp("gitops-report-home")
    with run_live_server(home) as server:
        register_owners(server.runtime.catalog, home / "owners", BASE_PARAMETERS["owner"])
        task_id = server.runtime.task_creator.create(
            "template:default/nodejs-service", {**BASE_PARAMETERS, "name": NAME}
        )
        store = server.runtime.task_store
        deadline = time.monotonic() + 120  # a bound on waiting, not an assertion on speed
        while store.get(task_id).status in ("open", "processing"):
            if time.monotonic() > deadline:
                pytest.fail("the Create did not finish")
            time.sleep(0.2)
        assert store.get(task_id).status == "completed"
        yield server


def test_component_page_shows_a_passing_gitops_report(
    page: Any, server_with_service: LiveServer
) -> None:
    sign_in_as_guest(page, server_with_service)
    page.goto(server_with_service.url(f"/catalog/default/component/{NAME}"))
    summary = page.get_by_test_id("gitops-report-summary")
    summary.wait_for(timeout=60_000)
    assert "pass every check" in summary.inner_text()
    assert page.get_by_test_id("gitops-report").get_by_text("Validate now").is_enabled()
