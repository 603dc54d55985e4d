"""Links that resolve: production hosts' URLs go local in development, stay as written in
production."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from goldpath.config import Settings
from goldpath.links import LinkMap

DEV = Settings(env="development", server={"base_url": "http://localhost:7007"})
PROD = Settings(env="production", server={"base_url": "https://portal.example.org"})

_names = st.from_regex(r"[a-z][a-z0-9-]{0,20}[a-z0-9]", fullmatch=True)


def test_the_git_hosts_pages_become_the_local_git_hosts() -> None:
    links = LinkMap(DEV)
    assert (
        links.resolve("https://gitlab.example.com/apps/shop/-/pipelines")
        == "http://localhost:7007/git/apps/shop/-/pipelines"
    )
    assert links.resolve("https://gitlab.example.com/apps/shop/") == (
        "http://localhost:7007/git/apps/shop"
    )


def test_grafana_and_argocd_links_become_the_component_pages_live_panels() -> None:
    links = LinkMap(DEV)
    page = "http://localhost:7007/catalog/default/component/shop#live"
    assert links.resolve("https://grafana.example.com/dashboards?tag=goldpath-app-shop") == page
    assert links.resolve("https://argocd.example.com/applications/shop") == page


def test_the_apps_public_host_becomes_its_local_run() -> None:
    assert LinkMap(DEV).resolve("https://shop.apps.example.com") == (
        "http://localhost:7007/run/shop"
    )


def test_other_links_are_kept() -> None:
    for url in ("https://docs.python.org/3/", "mailto:a@b.c", "https://example.com/x"):
        assert LinkMap(DEV).resolve(url) == url


def test_output_links_are_resolved_and_the_rest_of_the_output_kept() -> None:
    output = {
        "remoteUrl": "https://gitlab.example.com/apps/shop.git",
        "links": [
            {"title": "Pipeline", "url": "https://gitlab.example.com/apps/shop/-/pipelines"},
            {"title": "Open in catalog", "entityRef": "component:default/shop"},
        ],
    }
    resolved = LinkMap(DEV).resolve_output(output)
    assert resolved["remoteUrl"] == output["remoteUrl"]
    assert resolved["links"][0]["url"] == "http://localhost:7007/git/apps/shop/-/pipelines"
    assert resolved["links"][1] == output["links"][1]


@given(_names)
def test_production_keeps_every_link_as_written(name: str) -> None:
    links = LinkMap(PROD)
    for url in (
        f"https://gitlab.example.com/apps/{name}/-/pipelines",
        f"https://grafana.example.com/dashboards?tag=goldpath-app-{name}",
        f"https://argocd.example.com/applications/{name}",
        f"https://{name}.apps.example.com",
    ):
        assert links.resolve(url) == url
    output = {"links": [{"url": f"https://{name}.apps.example.com"}]}
    assert links.resolve_output(output) == output


@given(_names)
def test_every_development_link_to_a_production_host_lands_on_the_portal(name: str) -> None:
    links = LinkMap(DEV)
    for url in (
        f"https://gitlab.example.com/apps/{name}/-/pipelines",
        f"https://grafana.example.com/dashboards?tag=goldpath-app-{name}",
        f"https://argocd.example.com/applications/{name}",
        f"https://{name}.apps.example.com",
    ):
        assert links.resolve(url).startswith("http://localhost:7007/")
