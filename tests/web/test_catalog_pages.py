"""Catalog pages through the real app: table, filters, search, pages, entity/group/user pages."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from goldpath.runtime import Runtime


def _names(html: str) -> list[str]:
    return re.findall(r'<a class="entity-name" href="[^"]+">([^<]+)</a>', html)


def test_catalog_lists_the_demo_organisation(guest: TestClient) -> None:
    page = guest.get("/catalog?limit=100")
    assert page.status_code == 200
    names = _names(page.text)
    assert "Payments service" in names
    assert "Payments team" in names
    assert 'data-testid="result-count">' in page.text


def test_catalog_leaves_out_locations_unless_asked(guest: TestClient) -> None:
    everything = guest.get("/catalog?limit=100").text
    assert "badge-location" not in everything
    locations = guest.get("/catalog?kind=location&limit=100").text
    assert "badge-location" in locations


def test_kind_filter_shows_only_that_kind(guest: TestClient) -> None:
    page = guest.get("/catalog?kind=api")
    assert set(re.findall(r'class="badge badge-(\w+)"', page.text)) == {"api"}
    assert sorted(_names(page.text)) == ["Orders API", "Payments API"]


def test_owner_filter_uses_the_owner_relation(guest: TestClient) -> None:
    page = guest.get("/catalog?kind=component&owner=group:default/storefront-team")
    assert _names(page.text) == ["Web storefront"]
    assert ">Owner: Storefront team</a>" in page.text


def test_type_lifecycle_and_tag_filters_combine(guest: TestClient) -> None:
    page = guest.get("/catalog?type=service&lifecycle=production&tag=payments")
    assert _names(page.text) == ["Payments service"]


def test_filter_selects_offer_counted_facets(guest: TestClient) -> None:
    page = guest.get("/catalog?kind=component")
    assert re.search(r'<option value="service">service \(\d+\)</option>', page.text)
    assert re.search(r'<option value="Component" selected>Component \(4\)</option>', page.text)


def test_full_text_search_finds_by_description(guest: TestClient) -> None:
    page = guest.get("/catalog?q=charges")
    assert _names(page.text) == ["Payments service"]
    assert "matching “charges”" in page.text


def test_pages_follow_cursors_forward_and_back(guest: TestClient) -> None:
    first = guest.get("/catalog?limit=5")
    first_names = _names(first.text)
    assert len(first_names) == 5
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert next_url is not None
    second = guest.get(next_url.group(1).replace("&amp;", "&"))
    second_names = _names(second.text)
    assert second_names and not set(second_names) & set(first_names)
    prev_url = re.search(r'href="([^"]+)" rel="prev"', second.text)
    assert prev_url is not None
    back = guest.get(prev_url.group(1).replace("&amp;", "&"))
    assert _names(back.text) == first_names


def _types(html: str) -> list[str]:
    rows = re.findall(r"<tr>\s*<td>.*?</tr>", html, flags=re.S)
    return [re.findall(r'<td class="hide-narrow">([^<]*)</td>', row)[0] for row in rows]


def test_a_column_heading_sorts_by_it_and_again_the_other_way(guest: TestClient) -> None:
    page = guest.get("/catalog?kind=component&limit=100")
    heading = re.search(r'<th class="hide-narrow" aria-sort="none"><a class="sort-link" '
                        r'href="([^"]+)"[^>]*>Type', page.text)
    assert heading is not None and 'aria-sort="ascending"><a class="sort-link"' in page.text
    by_type = guest.get(heading.group(1).replace("&amp;", "&"))
    types = _types(by_type.text)
    assert types == sorted(types) and len(set(types)) > 1
    names_of_services = [n for n, t in zip(_names(by_type.text), types, strict=True)
                         if t == "service"]
    assert names_of_services == sorted(names_of_services, key=str.lower)  # ties by name
    assert '<th class="hide-narrow" aria-sort="ascending">' in by_type.text
    again = re.search(r'aria-sort="ascending"><a class="sort-link" href="([^"]+)"',
                      by_type.text)
    assert again is not None and "dir=desc" in again.group(1)
    descending = guest.get(again.group(1).replace("&amp;", "&"))
    assert _types(descending.text) == sorted(types, reverse=True)
    assert 'aria-sort="descending"' in descending.text


def test_the_sort_survives_pages_filters_and_search(guest: TestClient) -> None:
    first = guest.get("/catalog?sort=kind&dir=desc&limit=5")
    assert '<input type="hidden" name="sort" value="kind">' in first.text
    assert '<input type="hidden" name="dir" value="desc">' in first.text
    next_url = re.search(r'href="([^"]+)" rel="next"', first.text)
    assert next_url is not None and "sort=kind" in next_url.group(1)
    everything = guest.get("/catalog?sort=kind&dir=desc&limit=100")
    kinds = re.findall(r'class="badge badge-(\w+)"', everything.text)
    assert kinds == sorted(kinds, reverse=True)
    second = guest.get(next_url.group(1).replace("&amp;", "&"))
    assert re.findall(r'class="badge badge-(\w+)"', first.text + second.text) == kinds[:10]


def test_an_unknown_sort_is_refused_naming_the_parameter(guest: TestClient) -> None:
    page = guest.get("/catalog?sort=owner", headers={"accept": "text/html"})
    assert page.status_code == 400
    assert "query.sort: Input should be &#39;name&#39;, &#39;kind&#39;" in page.text


def test_a_search_with_no_match_offers_to_clear(guest: TestClient) -> None:
    page = guest.get("/catalog?q=zzzz-nothing")
    assert "No entities match" in page.text
    assert 'href="/catalog"' in page.text


def test_an_empty_catalog_explains_how_to_fill_it(empty_portal: TestClient) -> None:
    page = empty_portal.get("/catalog")
    assert "The catalog is empty" in page.text
    assert "goldpath catalog register" in page.text
    home = empty_portal.get("/")
    assert "The catalog is empty" in home.text


def test_entity_page_shows_overview_relations_graph_links_and_yaml(guest: TestClient) -> None:
    page = guest.get("/catalog/default/component/payments-service")
    assert page.status_code == 200
    html = page.text
    assert 'data-testid="entity-title">Payments service<' in html
    assert 'href="/catalog/default/group/payments-team"' in html
    assert 'href="/catalog/default/system/checkout"' in html
    assert 'href="/catalog/default/resource/payments-db"' in html
    assert 'data-testid="relations-graph"' in html
    assert "Depends on" in html and "Provides API" in html
    assert "Source repository" in html
    assert "apiVersion: backstage.io/v1alpha1" in html


def test_group_page_lists_members_and_owned_entities(guest: TestClient) -> None:
    html = guest.get("/catalog/default/group/payments-team").text
    members = re.search(r'id="members">(.*?)</section>', html, re.S)
    assert members is not None
    assert "Grace Hopper" in members.group(1) and "Linus Torvalds" in members.group(1)
    owned = re.search(r'id="owned">(.*?)</section>', html, re.S)
    assert owned is not None
    assert "Payments service" in owned.group(1) and "Orders API" in owned.group(1)


def test_user_page_lists_groups_and_what_their_groups_own(guest: TestClient) -> None:
    html = guest.get("/catalog/default/user/linus").text
    assert "Linus Torvalds" in html
    groups = re.search(r'id="members">(.*?)</section>', html, re.S)
    assert groups is not None
    assert "Payments team" in groups.group(1) and "Storefront team" in groups.group(1)
    owned = re.search(r'id="owned">(.*?)</section>', html, re.S)
    assert owned is not None
    assert "Web storefront" in owned.group(1) and "Payments service" in owned.group(1)
    assert "linus@example.com" in html


def test_home_counts_kinds_and_shows_what_the_guests_teams_own(guest: TestClient) -> None:
    html = guest.get("/").text
    assert re.search(r'href="/catalog\?kind=component">\s*<div class="stat-value">4<', html)
    assert "Owned by you and your teams" in html
    assert "Web storefront" in html  # the demo guest is a storefront developer


def test_a_missing_entity_is_a_404_page_in_the_portal_look(guest: TestClient) -> None:
    response = guest.get("/catalog/default/component/nope", headers={"accept": "text/html"})
    assert response.status_code == 404
    assert 'data-testid="error-page"' in response.text
    assert "component:default/nope" in response.text
    assert 'class="sidebar"' in response.text


def test_entity_text_is_escaped(guest: TestClient, runtime: Runtime, tmp_path: Path) -> None:
    target = tmp_path / "catalog-info.yaml"
    target.write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: xss\n"
        "  title: '<script>alert(1)</script>'\n  description: '<img src=x onerror=alert(1)>'\n"
        "  links:\n    - url: 'javascript:alert(1)'\n      title: evil\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: payments-team\n"
    )
    runtime.catalog.add_location("file", str(target))
    html = guest.get("/catalog/default/component/xss").text
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html
    assert 'href="javascript:' not in html
    listing = guest.get("/catalog?q=xss").text
    assert "<script>alert(1)</script>" not in listing


def test_docs_page_lists_entities_with_techdocs(guest: TestClient) -> None:
    html = guest.get("/docs").text
    assert "REST API" in html
    assert "Documented entities" in html


def test_navigation_marks_the_current_section(guest: TestClient) -> None:
    html = guest.get("/catalog").text
    assert re.search(r'href="/catalog" class="nav-link active" aria-current="page"', html)
    for label in ("Home", "Catalog", "Create", "Tasks", "Docs"):
        assert f"<span>{label}</span>" in html


def test_a_template_page_offers_to_use_the_template(guest: TestClient) -> None:
    html = guest.get("/catalog/default/template/nodejs-service").text
    assert 'href="/create/templates/default/nodejs-service">Use this template</a>' in html


def test_pages_forbid_framing_and_foreign_scripts(guest: TestClient) -> None:
    response = guest.get("/catalog")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self' https://github.com" in policy
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_the_scorecards_page_names_components_and_teams_by_their_titles(
    guest: TestClient,
) -> None:
    page = guest.get("/scorecards").text
    team = re.search(r'<tr data-owner="group:default/payments-team">\s*<td><a [^>]+>([^<]+)</a>',
                     page)
    assert team is not None and team.group(1) == "Payments team"
    row = re.search(r'<tr data-entity="component:default/payments-service">(.*?)</tr>', page,
                    flags=re.S)
    assert row is not None
    assert ">Payments service</a>" in row.group(1) and ">Payments team</a>" in row.group(1)
