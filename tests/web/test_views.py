"""Pure portal views: safe links, annotation links, relation groups, graph layout, next paths."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from goldpath.catalog import REVERSE, EntityRef
from goldpath.config import PlatformSettings
from goldpath.web.auth import safe_next, sign_in_url
from goldpath.web.pages._graph import relation_graph
from goldpath.web.pages._views import (
    RELATION_LABELS,
    entity_href,
    entity_links,
    entity_row,
    ref_link,
    relation_groups,
    safe_url,
)

PLATFORM = PlatformSettings(
    git_host="gitlab.acme.test",
    argocd_url="https://argocd.acme.test/",
    grafana_url="https://grafana.acme.test",
    domain="apps.acme.test",
)
NAME = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True)


def _component(**metadata: Any) -> dict[str, Any]:
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "payments", "namespace": "default", **metadata},
        "spec": {"type": "service", "owner": "team-a", "lifecycle": "production"},
    }


def test_links_are_derived_from_every_well_known_annotation() -> None:
    entity = _component(
        annotations={
            "backstage.io/source-location": "url:https://gitlab.acme.test/apps/payments/",
            "gitlab.com/project-slug": "apps/payments",
            "argocd/app-name": "payments",
            "grafana/dashboard-selector": "tags @> 'goldpath-app-payments'",
            "backstage.io/kubernetes-id": "payments",
        }
    )
    links = {link.kind: link.url for link in entity_links(entity, PLATFORM)}
    assert links == {
        "source": "https://gitlab.acme.test/apps/payments/",
        "ci": "https://gitlab.acme.test/apps/payments/-/pipelines",
        "argocd": "https://argocd.acme.test/applications/payments",
        "grafana": "https://grafana.acme.test/dashboards?tag=goldpath-app-payments",
        "app": "https://payments.apps.acme.test",
    }


def test_a_gitlab_instance_annotation_overrides_the_platform_git_host() -> None:
    entity = _component(
        annotations={"gitlab.com/project-slug": "g/p", "gitlab.com/instance": "git.other.test"}
    )
    [link] = entity_links(entity, PLATFORM)
    assert link.url == "https://git.other.test/g/p/-/pipelines"


def test_a_grafana_selector_that_is_not_a_tag_becomes_a_search() -> None:
    entity = _component(annotations={"grafana/dashboard-selector": "title == 'Payments'"})
    [link] = entity_links(entity, PLATFORM)
    assert link.url.startswith("https://grafana.acme.test/dashboards?query=")


def test_metadata_links_follow_annotation_links_without_duplicates() -> None:
    entity = _component(
        annotations={"argocd/app-name": "payments"},
        links=[
            {"url": "https://argocd.acme.test/applications/payments", "title": "Argo CD"},
            {"url": "https://runbook.acme.test/payments", "title": "Runbook", "type": "runbook"},
        ],
    )
    links = entity_links(entity, PLATFORM)
    assert [(link.title, link.kind) for link in links] == [
        ("Argo CD application", "argocd"),
        ("Runbook", "runbook"),
    ]


@given(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(
            [
                "javascript:alert(1)",
                "JaVaScRiPt:alert(1)",
                " javascript:alert(1)",
                "data:text/html,<script>",
                "//evil.test/x",
                "http:/x",
                "https://ok.test/\\evil",
                "vbscript:x",
                "https://ok.test/path",
                "http://ok.test",
            ]
        ),
    )
)
def test_only_absolute_http_urls_become_links(url: str) -> None:
    result = safe_url(url)
    if result is not None:
        parts = urlsplit(result)
        assert parts.scheme.lower() in ("http", "https")
        assert parts.netloc
    entity = _component(
        links=[{"url": url, "title": "x"}],
        annotations={
            "backstage.io/source-location": "url:" + url,
            "grafana/overview-dashboard": url,
        },
    )
    for link in entity_links(entity, PLATFORM):
        assert urlsplit(link.url).scheme.lower() in ("http", "https")


@given(
    st.one_of(
        st.text(max_size=60),
        st.sampled_from(["/catalog", "//evil.test/x", "/\\evil.test", "catalog", "/create?x=1"]),
    )
)
def test_portal_paths_are_the_only_other_links_allowed(url: str) -> None:
    result = safe_url(url, portal_paths=True)
    if result is None:
        return
    parts = urlsplit(result)
    if parts.scheme:
        assert parts.scheme.lower() in ("http", "https") and parts.netloc
    else:  # a path on the portal: never another host, never a backslash trick
        assert result.startswith("/") and not result.startswith("//") and "\\" not in result


@given(st.lists(st.tuples(st.sampled_from(sorted(RELATION_LABELS)), NAME), max_size=30))
def test_relation_groups_show_every_relation_once(pairs: list[tuple[str, str]]) -> None:
    entity = _component()
    entity["relations"] = [{"type": t, "targetRef": f"component:default/{n}"} for t, n in pairs]
    groups = relation_groups(entity)
    shown = {(g.type, link.ref) for g in groups for link in g.links}
    assert shown == {(t, f"component:default/{n}") for t, n in pairs}
    assert sum(len(g.links) for g in groups) == len(shown)
    for group in groups:
        assert group.label == RELATION_LABELS[group.type]


@given(st.lists(st.tuples(st.sampled_from(sorted(REVERSE)), NAME), max_size=40))
def test_the_relations_graph_fits_and_never_overlaps(pairs: list[tuple[str, str]]) -> None:
    entity = _component()
    entity["relations"] = [{"type": t, "targetRef": f"component:default/{n}"} for t, n in pairs]
    graph = relation_graph("Payments", "Component", relation_groups(entity))
    assert sum(1 for node in graph.nodes if node.center) == 1
    for node in graph.nodes:
        assert node.x >= 0 and node.x + node.width <= graph.width
        assert node.y >= 0 and node.y + node.height <= graph.height
    for i, a in enumerate(graph.nodes):
        for b in graph.nodes[i + 1 :]:
            apart_x = a.x + a.width <= b.x or b.x + b.width <= a.x
            apart_y = a.y + a.height <= b.y or b.y + b.height <= a.y
            assert apart_x or apart_y, (a, b)
    distinct = {n for _, n in pairs}
    if len(distinct) <= 7:
        labels = {node.label for node in graph.nodes if not node.center}
        assert distinct <= labels or any(node.label.startswith("+") for node in graph.nodes)
    assert graph.empty == (not pairs)


def test_entity_rows_link_owner_and_system_with_titles() -> None:
    entity = _component()
    entity["spec"]["system"] = "checkout"
    row = entity_row(entity, {"group:default/team-a": "Team A"})
    assert row.owner is not None and row.owner.label == "Team A"
    assert row.owner.href == "/catalog/default/group/team-a"
    assert row.system is not None and row.system.href == "/catalog/default/system/checkout"


def test_a_malformed_ref_is_shown_but_not_linked() -> None:
    link = ref_link("not a ref!")
    assert link.href is None
    assert link.label == "not a ref!"


@given(NAME, NAME, st.sampled_from(["Component", "API", "Group", "User"]))
def test_entity_urls_use_backstage_shape(namespace: str, name: str, kind: str) -> None:
    href = entity_href(EntityRef(kind=kind, namespace=namespace, name=name))
    assert href == f"/catalog/{namespace}/{kind.lower()}/{name}"


@given(st.text(max_size=80))
def test_sign_in_never_continues_to_another_site(target: str) -> None:
    result = safe_next(target)
    assert result.startswith("/")
    assert not result.startswith("//")
    parts = urlsplit(result)
    assert not parts.scheme and not parts.netloc
    assert sign_in_url(target).startswith("/sign-in")


@given(st.from_regex(r"/[a-z0-9/_-]{0,30}(\?[a-z]=[a-z0-9]{1,5})?", fullmatch=True))
def test_same_site_paths_are_kept(path: str) -> None:
    if path.startswith("//"):
        return
    assert safe_next(path) == path


@given(
    st.dictionaries(
        st.sampled_from(["ownerOf", "hasMember", "parentOf", "dependencyOf"]),
        st.lists(NAME, min_size=1, max_size=12, unique=True),
        min_size=1,
    )
)
def test_a_crowded_graph_still_shows_every_relation_type(targets: dict[str, list[str]]) -> None:
    entity = _component()
    entity["relations"] = [
        {"type": t, "targetRef": f"{t.lower()}:default/{n}"}
        for t, names in targets.items()
        for n in names
    ]
    graph = relation_graph("Team", "Group", relation_groups(entity))
    labels = {edge.label for edge in graph.edges}
    assert set(targets) <= labels
