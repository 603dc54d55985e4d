"""The Create pages through the real app (TestClient): cards, form, check, submit, tasks."""

from __future__ import annotations

import re

from tests.web.scaffolder.conftest import Portal, read_form

from goldpath.scaffolder import TaskIdentity
from goldpath.web.pages._scaffolder_views import entity_href

HELLO = "/create/templates/default/hello-service"
BROKEN = "/create/templates/default/broken-service"


def _hello_form(portal: Portal, **overrides: str | list[str]) -> dict[str, str | list[str]]:
    data: dict[str, str | list[str]] = {
        "csrf_token": portal.csrf,
        "/name": "hello-svc",
        "/owner": "group:default/team-a",
        "/summary": "Says hello",
        "/port": "8081",
        "/language": "go",
        "/public": "true",
        "/labels": ["a", "", "b"],
        "/repoUrl~host": "github.com",
        "/repoUrl~owner": "acme",
        "/repoUrl~repo": "hello-svc",
    }
    data.update(overrides)
    return data


def _card_titles(html: str) -> list[str]:
    return re.findall(r'<h2><a href="/create/templates/[^"]+">([^<]+)</a></h2>', html)


# --- Create page ------------------------------------------------------------------------------


def test_create_page_shows_a_card_per_template(scaffold_portal: Portal) -> None:
    html = scaffold_portal.client.get("/create").text
    titles = _card_titles(html)
    assert {"Hello service", "Broken service", "Node.js service", "Python service"} <= set(titles)
    assert titles == sorted(titles, key=str.lower)
    card = html[html.index('href="/create/templates/default/hello-service"') - 600 :]
    assert "A tiny service used by the Create-flow tests." in card
    assert '<span class="chip">python</span>' in card
    assert 'href="/catalog/default/group/team-a"' in card


def test_create_page_lists_what_each_golden_path_gives_you(scaffold_portal: Portal) -> None:
    html = scaffold_portal.client.get("/create").text
    for name, item in (
        ("nodejs-service", "Express 5 on Node.js LTS with /healthz, /readyz and /metrics"),
        ("python-service", "FastAPI on uvicorn with /healthz, /readyz and /metrics"),
    ):
        card = html[html.index(f'href="/create/templates/default/{name}"') :]
        card = card[: card.index("</article>")]
        assert '<ul class="gp-card-provides" aria-label="What you get"' in card
        assert f"<li>{item}</li>" in card
    hello = html[html.index('href="/create/templates/default/hello-service"') :]
    assert "gp-card-provides" not in hello[: hello.index("</article>")]


def test_create_page_text_filter_looks_in_what_a_template_gives_you(
    scaffold_portal: Portal,
) -> None:
    html = scaffold_portal.client.get("/create", params={"q": "mypy strict"}).text
    assert _card_titles(html) == ["Python service"]


def test_create_page_filters_by_text_and_tag(scaffold_portal: Portal) -> None:
    client = scaffold_portal.client
    assert _card_titles(client.get("/create", params={"q": "ROLL back"}).text) == ["Broken service"]
    by_tag = _card_titles(client.get("/create", params={"tag": "python"}).text)
    assert by_tag == ["Hello service", "Python service"]
    html = client.get("/create", params={"q": "nothing-matches-this"}).text
    assert _card_titles(html) == []
    assert re.search(r"<div class=\"empty\" data-gp-no-match>", html)
    assert "0 of " in html


def test_create_page_without_templates_explains_how_to_add_one(scaffold_portal: Portal) -> None:
    catalog = scaffold_portal.runtime.catalog
    for location in catalog.list_locations():
        catalog.remove_location(location.id)
    html = scaffold_portal.client.get("/create").text
    assert "No templates yet" in html
    assert "kind: Template" in html


def test_pages_need_a_signed_in_user(scaffold_portal: Portal) -> None:
    scaffold_portal.client.cookies.clear()
    response = scaffold_portal.client.get("/create", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/sign-in")


# --- template page ------------------------------------------------------------------------------


def test_template_page_renders_every_parameter_page(scaffold_portal: Portal) -> None:
    html = scaffold_portal.client.get(HELLO).text
    assert re.findall(r'<h2 id="gp-step-\d-title">([^<]+)</h2>', html) == [
        "About",
        "Options",
        "Repository",
    ]
    assert re.search(r'name="/name"[^>]* required[^>]*autofocus', html)
    assert re.search(r'<input type="number"[^>]*name="/port" value="8080" min="1024"', html)
    assert '<option value="python" selected>python</option>' in html
    assert re.search(r'<textarea[^>]*name="/summary"', html)
    assert "One or two sentences." in html


def test_owner_picker_offers_the_catalogs_groups_and_users(scaffold_portal: Portal) -> None:
    html = scaffold_portal.client.get(HELLO).text
    datalist = html[html.index('<datalist id="f_2f_owner-options">') :]
    datalist = datalist[: datalist.index("</datalist>")]
    assert '<option value="group:default/team-a">Team A (Group)</option>' in datalist
    assert '<option value="user:default/alice">Alice Doe (User)</option>' in datalist
    assert "payments" not in datalist


def test_entity_picker_values_are_humanised_with_default_kind_and_namespace(
    scaffold_portal: Portal,
) -> None:
    html = scaffold_portal.client.get("/create/templates/default/nodejs-service").text
    datalist = html[html.index('<datalist id="f_2f_system-options">') :]
    datalist = datalist[: datalist.index("</datalist>")]
    assert '<option value="payments">' in datalist


def test_template_page_embeds_the_entity_for_preview(scaffold_portal: Portal) -> None:
    html = scaffold_portal.client.get(HELLO).text
    assert '<script type="application/json" id="gp-template-entity">' in html
    assert 'data-check-url="/create/templates/default/hello-service/check"' in html
    assert 'data-template-ref="template:default/hello-service"' in html


def test_a_template_without_parameters_has_only_the_review_step(scaffold_portal: Portal) -> None:
    html = scaffold_portal.client.get("/create/templates/default/plain-note").text
    assert re.findall(r'data-gp-step-tab="(\d)"', html) == ["0"]
    assert 'data-gp-step="0" data-gp-review' in html
    response = scaffold_portal.client.post(
        "/create/templates/default/plain-note/check", data={"csrf_token": scaffold_portal.csrf}
    )
    assert response.json()["values"] == {} and response.status_code == 200


def test_unknown_template_is_a_404_page(scaffold_portal: Portal) -> None:
    response = scaffold_portal.client.get(
        "/create/templates/default/nope", headers={"accept": "text/html"}
    )
    assert response.status_code == 404
    assert "<html" in response.text


# --- check (the page script's first step) ---------------------------------------------------------


def test_check_reads_typed_values_from_the_form(scaffold_portal: Portal) -> None:
    response = scaffold_portal.client.post(HELLO + "/check", data=_hello_form(scaffold_portal))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "templateRef": "template:default/hello-service",
        "values": {
            "name": "hello-svc",
            "owner": "group:default/team-a",
            "summary": "Says hello",
            "port": 8081,
            "language": "go",
            "public": True,
            "labels": ["a", "b"],
            "repoUrl": "github.com?owner=acme&repo=hello-svc",
        },
        "errors": [],
    }


def test_check_names_each_field_that_breaks_a_rule(scaffold_portal: Portal) -> None:
    data = _hello_form(scaffold_portal, **{"/name": "", "/port": "80"})
    response = scaffold_portal.client.post(HELLO + "/check", data=data)
    assert response.status_code == 422
    pointers = {e["pointer"] for e in response.json()["errors"]}
    assert pointers == {"/name", "/port"}


def test_check_reports_a_number_that_is_not_one_with_the_other_problems(
    scaffold_portal: Portal,
) -> None:
    data = _hello_form(scaffold_portal, **{"/port": "eighty", "/owner": ""})
    response = scaffold_portal.client.post(HELLO + "/check", data=data)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"pointer": "/port", "message": "'eighty' is not a valid integer"} in errors
    assert [e["pointer"] for e in errors].count("/port") == 1
    assert "/owner" in {e["pointer"] for e in errors}


def test_form_posts_need_the_csrf_token(scaffold_portal: Portal) -> None:
    data = _hello_form(scaffold_portal)
    del data["csrf_token"]
    assert scaffold_portal.client.post(HELLO + "/check", data=data).status_code == 403
    assert scaffold_portal.client.post(HELLO, data=data).status_code == 403


# --- plain form submit (no JavaScript) ------------------------------------------------


def test_submitting_the_form_creates_a_task_and_goes_to_its_page(scaffold_portal: Portal) -> None:
    response = scaffold_portal.client.post(
        HELLO, data=_hello_form(scaffold_portal), follow_redirects=False
    )
    assert response.status_code == 303, response.text
    task_id = response.headers["location"].rsplit("/", 1)[-1]
    task = scaffold_portal.runtime.task_store.get(task_id)
    assert task.spec.parameters["port"] == 8081
    assert task.created_by == "user:default/guest"
    page = scaffold_portal.client.get(response.headers["location"]).text
    assert 'data-gp-status="open"' in page
    assert "waiting for a worker" in page
    assert 'http-equiv="refresh"' in page


def test_invalid_submit_shows_messages_next_to_the_fields(scaffold_portal: Portal) -> None:
    data = _hello_form(scaffold_portal, **{"/name": "", "/port": "80"})
    response = scaffold_portal.client.post(HELLO, data=data)
    assert response.status_code == 422
    html = response.text
    assert re.search(r'data-gp-errors-for="/name"[^>]*><li>[^<]*name[^<]*</li>', html)
    assert re.search(r'data-gp-errors-for="/port"[^>]*><li>[^<]*1024[^<]*</li>', html)
    # what the user typed is kept
    assert 'name="/summary"' in html and "Says hello" in html
    assert 'data-start-step="0"' in html
    assert scaffold_portal.runtime.task_store.list_tasks()[1] == 0


def test_a_taken_name_is_refused_with_the_reason(scaffold_portal: Portal) -> None:
    data = _hello_form(scaffold_portal, **{"/name": "payments"})
    response = scaffold_portal.client.post(HELLO, data=data)
    assert response.status_code == 409
    message = re.search(r'data-testid="form-message">([^<]+)<', response.text)
    assert message is not None and "system:default/payments" in message.group(1)
    assert scaffold_portal.runtime.task_store.list_tasks()[1] == 0


# --- task pages ------------------------------------------------------------------------


def _create(portal: Portal, url: str, data: dict[str, str | list[str]]) -> str:
    response = portal.client.post(url, data=data, follow_redirects=False)
    assert response.status_code == 303, response.text
    return response.headers["location"]


def test_a_completed_task_shows_steps_log_links_and_text(scaffold_portal: Portal) -> None:
    location = _create(scaffold_portal, HELLO, _hello_form(scaffold_portal))
    scaffold_portal.run_tasks()
    html = scaffold_portal.client.get(location).text
    assert 'data-gp-status="completed"' in html
    statuses = re.findall(r'data-step-id="(\w+)" data-step-status="(\w+)"', html)
    assert statuses == [(step, "completed") for step in ("fetch", "publish", "register", "say")]
    assert "Made hello-svc for group:default/team-a" in html
    assert f'href="{entity_href("component:default/hello-svc")}"' in html
    assert 'data-entity-ref="component:default/hello-svc"' in html
    remote = scaffold_portal.runtime.git_hosts.local.clone_url("acme", "hello-svc")
    assert f'href="{remote}"' in html
    assert "Run the go tests." in html
    assert re.search(r'data-testid="task-duration">took <span data-gp-duration', html)
    assert 'http-equiv="refresh"' not in html and "data-gp-cancel" not in html


def _broken_form(portal: Portal, name: str) -> dict[str, str | list[str]]:
    return {
        "csrf_token": portal.csrf,
        "/name": name,
        "/repoUrl~host": "github.com",
        "/repoUrl~owner": "acme",
        "/repoUrl~repo": name,
    }


def test_a_failed_task_shows_the_error_and_its_rollback(scaffold_portal: Portal) -> None:
    location = _create(scaffold_portal, BROKEN, _broken_form(scaffold_portal, "broken-svc"))
    scaffold_portal.run_tasks()
    html = scaffold_portal.client.get(location).text
    assert 'data-gp-status="failed"' in html
    assert re.search(r'data-step-id="register" data-step-status="completed"', html)
    assert re.search(r'data-step-id="rename" data-step-status="failed"', html)
    report = html[html.index('data-testid="rollback-report"') :]
    undone = re.findall(r'<li class="gp-undone">([^<]+)</li>', report)
    assert len(undone) == 2
    assert "catalog location" in undone[0] and "acme/broken-svc" in undone[1]
    assert 'data-testid="task-error"' in html
    retry = re.search(r'href="([^"]+)">Try again', html)
    assert retry is not None
    form = scaffold_portal.client.get(retry.group(1).replace("&amp;", "&")).text
    assert re.search(r'name="/name" value="broken-svc"', form)
    assert 'name="/repoUrl~owner" value="acme"' in form
    assert not scaffold_portal.runtime.git_hosts.local.repo_exists("acme", "broken-svc")
    assert scaffold_portal.runtime.catalog.find_entity("component:default/broken-svc") is None


def test_cancelling_from_the_task_page(scaffold_portal: Portal) -> None:
    location = _create(scaffold_portal, HELLO, _hello_form(scaffold_portal))
    response = scaffold_portal.client.post(
        location + "/cancel", data={"csrf_token": scaffold_portal.csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    html = scaffold_portal.client.get(location).text
    assert 'data-gp-status="cancelled"' in html


def test_unknown_task_is_a_404_page(scaffold_portal: Portal) -> None:
    response = scaffold_portal.client.get(
        "/create/tasks/no-such-task", headers={"accept": "text/html"}
    )
    assert response.status_code == 404


def test_tasks_list_filters_by_owner_and_status(scaffold_portal: Portal) -> None:
    client = scaffold_portal.client
    runtime = scaffold_portal.runtime
    mine = _create(scaffold_portal, HELLO, _hello_form(scaffold_portal)).rsplit("/", 1)[-1]
    template = runtime.templates.get("template:default/broken-service")
    alice = TaskIdentity(user_ref="user:default/alice")
    values = {"name": "other-svc", "repoUrl": "github.com?owner=acme&repo=other-svc"}
    theirs = runtime.task_creator.create(template, values, identity=alice)
    scaffold_portal.run_tasks()

    def ids(**params: str) -> set[str]:
        html = client.get("/create/tasks", params=params).text
        return set(re.findall(r'<tr data-task-id="([^"]+)">', html))

    assert ids() == {mine}  # "mine" is the default
    assert ids(owner="all") == {mine, theirs}
    assert ids(owner="all", status="failed") == {theirs}
    assert ids(owner="all", status="completed") == {mine}
    assert ids(owner="all", status="bogus") == {mine, theirs}


def test_tasks_list_has_a_useful_empty_state(scaffold_portal: Portal) -> None:
    html = scaffold_portal.client.get("/create/tasks").text
    assert "You have not created anything yet" in html
    assert 'href="/create"' in html
    html = scaffold_portal.client.get("/create/tasks", params={"owner": "all"}).text
    assert "No tasks yet" in html


def test_a_plain_submit_reports_unreadable_and_invalid_fields_together(
    scaffold_portal: Portal,
) -> None:
    data = _hello_form(scaffold_portal, **{"/port": "eighty", "/name": ""})
    html = scaffold_portal.client.post(HELLO, data=data).text
    port = re.search(r'data-gp-errors-for="/port"[^>]*>(.*?)</ul>', html, re.S)
    name = re.search(r'data-gp-errors-for="/name"[^>]*>(.*?)</ul>', html, re.S)
    assert port is not None and port.group(1).count("<li>") == 1
    assert "not a valid integer" in port.group(1)
    assert name is not None and "required" in name.group(1)


def test_the_built_in_template_form_submits_values_its_schema_accepts(
    scaffold_portal: Portal,
) -> None:
    url = "/create/templates/default/nodejs-service"
    data = read_form(scaffold_portal.client.get(url).text)
    data.update(
        {"/name": ["orders"], "/description": ["Takes orders"], "/owner": ["group:default/team-a"]}
    )
    response = scaffold_portal.client.post(url + "/check", data=data)
    assert response.status_code == 200, response.text
    values = response.json()["values"]
    assert values["port"] == 3000 and values["nodeVersion"] == "26"
    assert "system" not in values  # left empty, so left out
