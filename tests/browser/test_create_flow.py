"""The Create flow in chromium: fill a template's form, preview, create, watch, follow the link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from goldpath.scaffolder import TaskIdentity
from goldpath.web.auth import GUEST_REF
from tests.browser.conftest import LiveServer, run_live_server, sign_in_as_guest
from tests.web.scaffolder.conftest import write_test_catalog

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def create_server(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> LiveServer:
    """The shared live server with this module's small test templates registered."""
    root = tmp_path_factory.mktemp("create-flow") / "catalog"
    for path in write_test_catalog(root).values():
        if path.name == "org.yaml":
            continue  # the demo organisation already has groups and users
        live_server.runtime.catalog.add_location("file", str(path))
    return live_server


@pytest.fixture
def create_page(page: Any, create_server: LiveServer) -> Any:
    """A signed-in page on the Create page."""
    sign_in_as_guest(page, create_server, "/create")
    return page


def _wait_for_status(page: Any, status: str) -> None:
    page.wait_for_selector(f'[data-gp-task][data-status="{status}"]', timeout=30_000)


def test_the_chooser_shows_both_golden_paths_with_what_each_gives_you(
    create_page: Any, create_server: LiveServer
) -> None:
    page = create_page
    for title, first in (
        ("Node.js service", "Express 5 on Node.js LTS with /healthz, /readyz and /metrics"),
        ("Python service", "FastAPI on uvicorn with /healthz, /readyz and /metrics"),
    ):
        heading = page.get_by_role("link", name=title, exact=True)
        card = page.locator("[data-gp-card]").filter(has=heading)
        assert card.count() == 1, title
        provides = card.get_by_role("list", name="What you get")
        assert provides.is_visible(), title
        items = provides.get_by_role("listitem")
        assert items.count() == 6, title
        assert items.first.inner_text() == first
        assert any("SAST, secret detection" in text for text in items.all_inner_texts()), title

    # What a path gives you is searchable: "mypy" leaves the Python path alone.
    page.get_by_label("Filter templates").fill("mypy")
    visible = page.locator("[data-gp-card]:visible")
    assert visible.count() == 1
    visible.get_by_role("link", name="Choose").click()
    page.wait_for_url(create_server.url("/create/templates/default/python-service"))
    assert page.get_by_role("heading", name="Python service", level=1).is_visible()


def test_fill_preview_create_and_follow_the_link_to_the_new_entity(
    create_page: Any, create_server: LiveServer
) -> None:
    page = create_page
    page.get_by_label("Filter templates").fill("tiny service")
    cards = page.locator("[data-gp-card]:visible")
    assert cards.count() == 1
    cards.get_by_role("link", name="Choose").click()
    page.wait_for_url(create_server.url("/create/templates/default/hello-service"))

    # Step 1: the stepper shows one page at a time and the browser checks required fields.
    assert page.locator('[data-gp-step="1"]').is_hidden()
    page.get_by_role("button", name="Next").click()
    assert page.locator('[data-gp-step="0"]').is_visible()
    options = page.locator("#f_2f_owner-options option")
    assert options.count() > 0
    owner_ref = options.first.get_attribute("value")
    page.get_by_role("textbox", name="Name", exact=True).fill("hello-browser")
    page.get_by_role("combobox", name="Owner", exact=True).fill(owner_ref)
    page.get_by_label("Summary").fill("Made in a browser test")
    page.get_by_role("button", name="Next").click()

    # Step 2: defaults are filled in; change some, add a list item.
    assert page.get_by_label("Port").input_value() == "8080"
    page.get_by_label("Language").select_option("go")
    page.get_by_label("Public").check()
    page.locator('input[name="/labels"]').first.fill("first")
    page.get_by_role("button", name="Add item").click()
    page.locator('input[name="/labels"]').nth(1).fill("second")
    page.get_by_role("button", name="Next").click()

    # Step 3: the RepoUrlPicker's host comes from the template's allowedHosts.
    assert page.get_by_label("Host").input_value() == "github.com"
    page.get_by_label("Repository owner").fill("acme")
    page.get_by_label("Repository name").fill("hello-browser")
    page.get_by_role("button", name="Next").click()

    # Review, then Preview: the files Create would make, with their contents.
    review = page.locator("[data-gp-review-body]")
    review.wait_for()
    assert "hello-browser" in review.inner_text()
    assert "first" in review.inner_text() and "second" in review.inner_text()
    page.get_by_role("button", name="Preview").click()
    tree = page.locator("[data-gp-file-tree]")
    tree.get_by_role("button", name="README.md").wait_for()
    assert tree.get_by_role("button", name="main.txt").is_visible()
    assert tree.get_by_role("button", name="catalog-info.yaml").is_visible()
    tree.get_by_role("button", name="README.md").click()
    assert "# hello-browser" in page.locator("[data-gp-file-content]").inner_text()
    tree.get_by_role("button", name="main.txt").click()
    assert page.locator("[data-gp-file-content]").inner_text().strip() == "language=go"

    # Create: the task page follows the task live until it completes.
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r".*/create/tasks/[0-9a-f-]+$"))
    _wait_for_status(page, "completed")
    steps = page.locator("[data-step-id]")
    assert [steps.nth(i).get_attribute("data-step-status") for i in range(steps.count())] == [
        "completed"
    ] * 4
    assert "Made hello-browser for" in page.get_by_test_id("task-log").inner_text()
    assert "Run the go tests." in page.get_by_test_id("task-output").inner_text()
    assert page.get_by_test_id("task-duration").inner_text().startswith("took")

    page.get_by_role("link", name="Open in catalog").click()
    page.wait_for_url(create_server.url("/catalog/default/component/hello-browser"))
    assert "hello-browser" in page.locator("h1").inner_text()
    task = create_server.runtime.task_store.list_tasks(status="completed")[0][0]
    assert task.spec.parameters["labels"] == ["first", "second"]
    assert task.spec.parameters["public"] is True
    assert create_server.runtime.git_hosts.local.repo_exists("acme", "hello-browser")


def test_server_side_validation_lands_next_to_the_field(
    create_page: Any, create_server: LiveServer
) -> None:
    page = create_page
    page.goto(create_server.url("/create/templates/default/hello-service"))
    page.get_by_role("textbox", name="Name", exact=True).fill("checked-browser")
    page.get_by_role("combobox", name="Owner", exact=True).fill("group:default/payments-team")
    page.get_by_role("button", name="Next").click()
    # Take away the browser's own hint so the value reaches the server's validation.
    page.get_by_label("Port").evaluate("el => el.removeAttribute('min')")
    page.get_by_label("Port").fill("80")
    page.get_by_role("button", name="Next").click()
    errors = page.locator('[data-gp-errors-for="/port"] li')
    errors.wait_for()
    assert "1024" in errors.inner_text()
    assert page.locator('[data-gp-step="1"]').is_visible()
    assert page.get_by_label("Port").get_attribute("aria-invalid") == "true"


def test_a_taken_name_is_refused_on_the_form(create_page: Any, create_server: LiveServer) -> None:
    page = create_page
    page.goto(create_server.url("/create/templates/default/hello-service"))
    taken = create_server.runtime.catalog.query(filters={"kind": "group"}, limit=1).items[0]
    page.get_by_role("textbox", name="Name", exact=True).fill(taken["metadata"]["name"])
    page.get_by_role("combobox", name="Owner", exact=True).fill("group:default/payments-team")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("Repository owner").fill("acme")
    page.get_by_label("Repository name").fill("taken-browser")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Create").click()
    alert = page.locator("[data-gp-form-errors]")
    alert.wait_for()
    assert "already taken" in alert.inner_text()
    assert "/create/templates/" in page.url


def test_a_failing_template_shows_its_rollback(create_page: Any, create_server: LiveServer) -> None:
    page = create_page
    page.goto(create_server.url("/create/templates/default/broken-service"))
    page.get_by_role("textbox", name="Name", exact=True).fill("broken-browser")
    page.get_by_label("Repository owner").fill("acme")
    page.get_by_label("Repository name").fill("broken-browser")
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r".*/create/tasks/[0-9a-f-]+$"))
    _wait_for_status(page, "failed")
    failure = page.get_by_test_id("task-failure")
    assert page.locator('[data-step-id="register"]').get_attribute("data-step-status") == (
        "completed"
    )
    assert page.locator('[data-step-id="rename"]').get_attribute("data-step-status") == "failed"
    undone = page.get_by_test_id("rollback-report").locator(".gp-undone").all_inner_texts()
    assert len(undone) == 2 and "acme/broken-browser" in undone[1]
    assert failure.get_by_role("link", name="Try again").is_visible()
    assert create_server.runtime.catalog.find_entity("component:default/broken-browser") is None
    assert not create_server.runtime.git_hosts.local.repo_exists("acme", "broken-browser")

    failure.get_by_role("link", name="Try again").click()
    name_field = page.get_by_role("textbox", name="Name", exact=True)
    name_field.wait_for()
    assert name_field.input_value() == "broken-browser"

    page.goto(create_server.url("/create/tasks?owner=all&status=failed"))
    assert page.get_by_test_id("tasks-table").locator("tbody tr").count() >= 1


@pytest.fixture(scope="module")
def idle_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A portal with no task workers: tests run tasks themselves, while a page watches."""
    home = tmp_path_factory.mktemp("idle-goldpath-home")
    with run_live_server(home, scaffolder={"workers": 0}) as server:
        root = tmp_path_factory.mktemp("idle-create-flow") / "catalog"
        for path in write_test_catalog(root).values():
            if path.name != "org.yaml":
                server.runtime.catalog.add_location("file", str(path))
        yield server


def _queue(server: LiveServer, name: str) -> str:
    runtime = server.runtime
    template = runtime.templates.get("template:default/hello-service")
    values = {
        "name": name,
        "owner": "group:default/payments-team",  # a demo team: owners must be in the catalog
        "language": "python",
        "repoUrl": f"github.com?owner=acme&repo={name}",
    }
    return runtime.task_creator.create(template, values, identity=TaskIdentity(user_ref=GUEST_REF))


def test_the_task_page_follows_a_task_live(page: Any, idle_server: LiveServer) -> None:
    task_id = _queue(idle_server, "live-one")
    sign_in_as_guest(page, idle_server, f"/create/tasks/{task_id}")
    assert "waiting for a worker" in page.get_by_test_id("task-duration").inner_text()
    assert page.locator("[data-gp-live]").is_visible()
    page.evaluate("window.__notReloaded = true")

    idle_server.runtime.task_executor.run_next("browser-test-worker")

    _wait_for_status(page, "completed")
    assert page.evaluate("window.__notReloaded") is True  # updated in place, over SSE
    log = page.get_by_test_id("task-log").inner_text()
    assert "Made live-one for group:default/payments-team" in log
    assert page.locator("[data-gp-live]").is_hidden()
    assert page.get_by_role("link", name="Open in catalog").is_visible()
    assert page.locator("[data-gp-cancel]").count() == 0


def test_cancelling_a_waiting_task(page: Any, idle_server: LiveServer) -> None:
    task_id = _queue(idle_server, "live-two")
    sign_in_as_guest(page, idle_server, f"/create/tasks/{task_id}")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel").click()
    _wait_for_status(page, "cancelled")
    assert idle_server.runtime.task_store.get(task_id).status == "cancelled"
    assert page.get_by_test_id("task-failure").is_visible()


def test_template_forms_load_without_script_or_pattern_errors(
    page: Any, idle_server: LiveServer
) -> None:
    problems: list[str] = []
    page.on(
        "console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    sign_in_as_guest(page, idle_server, "/create")
    for name in ("hello-service", "broken-service", "nodejs-service", "python-service"):
        page.goto(idle_server.url(f"/create/templates/default/{name}"))
        page.locator("[data-gp-stepper]").wait_for()
    assert problems == []


def test_the_owner_picker_searches_the_catalog_as_you_type(
    page: Any, idle_server: LiveServer
) -> None:
    user = idle_server.runtime.catalog.query(filters={"kind": "user"}, limit=1).items[0]
    name = user["metadata"]["name"]
    sign_in_as_guest(page, idle_server, "/create/templates/default/hello-service")
    options = page.locator("#f_2f_owner-options option")
    before = options.count()
    assert before > 1
    page.get_by_role("combobox", name="Owner", exact=True).press_sequentially(name, delay=20)
    # Poll from Python: the portal's Content-Security-Policy forbids eval in the page.
    for _ in range(200):
        if options.count() < before:
            break
        page.wait_for_timeout(50)
    values = [options.nth(i).get_attribute("value") for i in range(options.count())]
    assert 0 < len(values) < before
    assert f"user:default/{name}" in values


def test_a_template_without_parameters_opens_on_review(
    page: Any, create_server: LiveServer
) -> None:
    sign_in_as_guest(page, create_server, "/create/templates/default/plain-note")
    review = page.locator("[data-gp-review-body]")
    review.get_by_text("No values").wait_for()
    assert page.locator("[data-gp-next]").is_hidden()
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r".*/create/tasks/[0-9a-f-]+$"))
    _wait_for_status(page, "completed")
    assert "Logged a note." in page.get_by_test_id("task-output").inner_text()
