"""Built HTML is sanitised before it is stored and served."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from goldpath.techdocs import sanitise_html, sections_of

_EVENT = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


def test_script_tags_and_their_content_are_removed() -> None:
    clean = sanitise_html("<p>hi</p><script>alert('x')</script><p>there</p>")
    assert "<script" not in clean
    assert "alert" not in clean
    assert "<p>hi</p>" in clean and "<p>there</p>" in clean


def test_event_handlers_and_javascript_urls_are_removed() -> None:
    clean = sanitise_html(
        '<img src="x.png" onerror="alert(1)"><a href="javascript:alert(1)" onclick="x()">go</a>'
    )
    assert "onerror" not in clean and "onclick" not in clean
    assert "javascript:" not in clean
    assert '<img src="x.png">' in clean


def test_styles_frames_and_forms_are_removed() -> None:
    clean = sanitise_html(
        '<p style="position:fixed">a</p><iframe src="https://x"></iframe>'
        '<form action="/x"><input type="text" name="q"></form><style>p{}</style>'
    )
    assert "style" not in clean
    assert "<iframe" not in clean and "<form" not in clean
    assert 'type="text"' not in clean


def test_what_markdown_makes_survives() -> None:
    html = (
        '<h2 id="setup">Setup<a class="headerlink" href="#setup">¶</a></h2>'
        '<div class="admonition note"><p class="admonition-title">Note</p></div>'
        '<pre><code class="language-py"><span class="k">def</span></code></pre>'
        '<table><tr><td colspan="2">a</td></tr></table><img src="img/a.png" alt="A">'
        '<input type="checkbox" disabled checked>'
    )
    clean = sanitise_html(html)
    for kept in (
        'id="setup"',
        'class="admonition note"',
        'class="k"',
        'colspan="2"',
        'alt="A"',
        'type="checkbox"',
    ):
        assert kept in clean


_payloads = st.sampled_from(
    [
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x></SCRIPT>",
        '<img src=x onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href="JaVaScRiPt:alert(1)">x</a>',
        '<a href=" javascript:alert(1)">x</a>',
        '<svg onload="alert(1)"><circle/></svg>',
        '<div onmouseover="x()">y</div>',
        '<iframe src="javascript:alert(1)"></iframe>',
        '<object data="x.swf"></object>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        "<scr<script>ipt>alert(1)</script>",
        '<math><mtext><table><mglyph><style><img src=x onerror="alert(1)">',
    ]
)
_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=30)


@given(st.lists(st.one_of(_payloads, _text), max_size=8).map("".join))
def test_no_script_handler_or_script_url_survives(html: str) -> None:
    clean = sanitise_html(html)
    lowered = clean.lower()
    assert "<script" not in lowered
    assert "<iframe" not in lowered and "<object" not in lowered and "<svg" not in lowered
    assert _EVENT.search(clean) is None
    for url in re.findall(r'(?:href|src)="([^"]*)"', clean):
        assert not url.strip().lower().startswith(("javascript:", "data:", "vbscript:"))


def test_sections_split_at_headings_with_their_text() -> None:
    fragment = (
        '<h1 id="top">Title<a class="headerlink" href="#top">¶</a></h1><p>intro</p>'
        '<h2 id="one">One</h2><p>first <b>bold</b></p><h2 id="two">Two</h2><p>second</p>'
    )
    sections = sections_of(fragment, page_title="Page")
    assert [(s.anchor, s.title, s.text) for s in sections] == [
        ("", "Page", ""),
        ("top", "Title", "intro"),
        ("one", "One", "first bold"),
        ("two", "Two", "second"),
    ]
