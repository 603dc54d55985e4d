"""The local host's read-only repository page and the development stand-ins links lead to."""

from __future__ import annotations

from tests.gitserver.conftest import APP, GRACE, GitPortal

HTML = {"accept": "text/html"}


def test_the_repository_page_shows_branches_files_and_last_commits(
    git_portal: GitPortal,
) -> None:
    page = git_portal.client.get(f"/git/{APP[0]}/{APP[1]}", headers=HTML)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert 'data-testid="repo-branches"' in page.text and ">main<" in page.text
    assert f"/git/{APP[0]}/{APP[1]}/-/blob/main/catalog-info.yaml" in page.text
    assert "two" in page.text and "init" in page.text  # both commits' messages
    assert f"git clone {git_portal.host.clone_url(*APP)}" in page.text


def test_a_branch_has_its_own_page_and_a_missing_one_says_so(git_portal: GitPortal) -> None:
    page = git_portal.client.get(f"/git/{APP[0]}/{APP[1]}/-/tree/nope", headers=HTML)
    assert page.status_code == 200
    assert "There is no branch nope" in page.text


def test_a_clone_url_opened_in_a_browser_leads_to_the_repository_page(
    git_portal: GitPortal,
) -> None:
    answer = git_portal.client.get(f"/git/{APP[0]}/{APP[1]}.git", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/git/{APP[0]}/{APP[1]}"


def test_pipelines_lead_to_the_components_live_panels(git_portal: GitPortal) -> None:
    answer = git_portal.client.get(f"/git/{APP[0]}/{APP[1]}/-/pipelines", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/catalog/default/component/ledger#live"


def test_the_apps_host_leads_to_its_page_when_it_is_not_running(git_portal: GitPortal) -> None:
    bearer = {"Authorization": f"Bearer {git_portal.token(GRACE)}"}
    answer = git_portal.client.get("/run/ledger", headers=bearer, follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/catalog/default/component/ledger#live"
