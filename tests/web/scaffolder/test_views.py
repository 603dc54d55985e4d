"""View models of the Create pages: cards, refs, durations, task views."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from goldpath.web.pages._scaffolder_views import (
    TemplateCard,
    entity_href,
    filter_cards,
    format_duration,
    humanize_ref,
    task_view,
    template_card,
)


def test_template_card_reads_title_description_tags_owner_and_type() -> None:
    card = template_card(
        {
            "kind": "Template",
            "metadata": {"name": "svc", "namespace": "ops", "title": "Svc", "tags": ["a"]},
            "spec": {"owner": "team-a", "type": "service"},
        }
    )
    assert (card.ref, card.title, card.tags, card.type) == (
        "template:ops/svc",
        "Svc",
        ("a",),
        "service",
    )
    assert card.href == "/create/templates/ops/svc"
    assert card.owner_href == "/catalog/ops/group/team-a"
    assert card.owner_label == "team-a"


def test_a_card_without_title_uses_the_name_and_has_no_owner_link() -> None:
    card = template_card({"kind": "Template", "metadata": {"name": "bare"}, "spec": {}})
    assert (card.title, card.owner, card.owner_href, card.description) == ("bare", None, None, "")


def test_refs_are_humanised_like_backstage() -> None:
    assert humanize_ref("group:default/team-a", default_kind="group") == "team-a"
    assert humanize_ref("user:default/alice", default_kind="group") == "user:alice"
    assert humanize_ref("group:ops/x", default_kind="group") == "ops/x"
    assert humanize_ref("not a ref:::", default_kind="group") == "not a ref:::"


def test_entity_links_go_to_the_catalog_page() -> None:
    assert entity_href("component:default/svc") == "/catalog/default/component/svc"
    assert entity_href("svc") == "/catalog/default/component/svc"
    assert entity_href("team", default_kind="group") == "/catalog/default/group/team"


def test_durations_read_like_people_say_them() -> None:
    assert [format_duration(s) for s in (0.25, 4.21, 125, 7260)] == [
        "250 ms",
        "4.2 s",
        "2 min 5 s",
        "2 h 1 min",
    ]
    assert format_duration(None) == "" and format_duration(-1) == ""


def _card(title: str, tags: tuple[str, ...]) -> TemplateCard:
    return TemplateCard(
        ref="template:default/x",
        namespace="default",
        name="x",
        title=title,
        description="",
        tags=tags,
        owner=None,
        owner_href=None,
        type=None,
    )


@given(
    st.lists(
        st.tuples(st.text(max_size=12), st.lists(st.text(min_size=1, max_size=4), max_size=3))
    ),
    st.text(max_size=8),
    st.sampled_from(["", "a", "b"]),
)
def test_filtered_cards_hold_every_word_and_the_tag(
    raw: list[tuple[str, list[str]]], text: str, tag: str
) -> None:
    cards = [_card(title, tuple(tags)) for title, tags in raw]
    chosen = filter_cards(cards, text=text, tag=tag)
    for card in cards:
        matches = all(w in card.search_text for w in text.lower().split()) and (
            not tag or tag in card.tags
        )
        assert (card in chosen) == matches
    assert filter_cards(cards) == cards


def test_task_view_reads_steps_output_links_and_text() -> None:
    view = task_view(
        {
            "id": "abc-def",
            "status": "completed",
            "createdBy": "user:default/guest",
            "startedAt": "2026-01-01T00:00:00Z",
            "finishedAt": "2026-01-01T00:00:02.5Z",
            "spec": {
                "templateInfo": {
                    "entityRef": "template:default/hello",
                    "entity": {"metadata": {"title": "Hello"}},
                },
                "parameters": {"name": "x"},
            },
            "steps": [
                {
                    "id": "s",
                    "name": "Step",
                    "action": "debug:log",
                    "status": "completed",
                    "startedAt": "2026-01-01T00:00:00Z",
                    "endedAt": "2026-01-01T00:00:00.5Z",
                }
            ],
            "output": {
                "links": [
                    {"title": "Entity", "entityRef": "Component:default/x"},
                    {"url": "https://x.example"},
                    {"title": "nowhere"},
                ],
                "text": [{"title": "T", "content": "body"}],
            },
        }
    )
    assert (view.short_id, view.template_title, view.template_href) == (
        "abc",
        "Hello",
        "/create/templates/default/hello",
    )
    assert view.finished and view.duration == "2.5 s"
    assert view.steps[0].duration == "500 ms"
    assert [(link.title, link.href, link.entity_ref) for link in view.links] == [
        ("Entity", "/catalog/default/component/x", "component:default/x"),
        ("https://x.example", "https://x.example", None),
    ]
    assert view.texts == (("T", "body"),)
    assert view.rollback is None


def test_task_view_reads_the_rollback_report() -> None:
    view = task_view(
        {
            "id": "t",
            "status": "failed",
            "spec": {},
            "error": {
                "message": "boom",
                "errors": [{"field": "input.x", "message": "bad"}],
                "rollback": {
                    "undone": ["delete repo a/b"],
                    "notUndone": [{"description": "remove entity", "reason": "catalog down"}],
                },
            },
        }
    )
    assert view.error == "boom" and view.error_details == ("input.x: bad",)
    assert view.rollback is not None
    assert view.rollback.undone == ("delete repo a/b",)
    assert view.rollback.not_undone == (("remove entity", "catalog down"),)
    assert view.template_title == "a template" and view.template_href is None


def test_output_links_are_only_web_links_and_portal_paths() -> None:
    urls = [
        "javascript:alert(1)",
        " JavaScript:x",
        "data:text/html,x",
        "/catalog",
        "https://a.example",
    ]
    view = task_view(
        {"id": "t", "status": "completed", "output": {"links": [{"url": u} for u in urls]}}
    )
    assert [link.href for link in view.links] == ["/catalog", "https://a.example"]
