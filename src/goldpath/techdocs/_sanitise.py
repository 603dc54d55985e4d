"""Built HTML is sanitised before it is stored: an allow-list of tags, attributes and URL
schemes (Ammonia, through nh3). No script, no event handler, no ``javascript:`` URL, no
style attribute survives; and the sanitised text is what search indexes."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

import nh3

__all__ = [
    "ALLOWED_TAGS",
    "URL_SCHEMES",
    "Section",
    "page_document",
    "page_fragment",
    "sanitise_html",
    "sections_of",
]

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
        "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd",
        "label", "li", "mark", "ol", "p", "pre", "q", "s", "samp", "small", "span",
        "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead",
        "time", "tr", "u", "ul", "var",
    }
)  # fmt: skip
_ATTRIBUTES: dict[str, set[str]] = {
    "*": {"class", "id", "title", "lang", "dir"},
    "a": {"href", "name"},
    "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "align"},
    "th": {"colspan", "rowspan", "align", "scope"},
    "col": {"span"},
    "ol": {"start", "type"},
    "input": {"checked", "disabled", "name"},
    "label": {"for"},
    "details": {"open"},
    "abbr": {"title"},
    "time": {"datetime"},
}
# task lists and CSS-only tabs use inputs; nothing else of a form may come through
_TAG_VALUES = {"input": {"type": {"checkbox", "radio"}}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_VOID = frozenset({"br", "col", "hr", "img", "input"})
_ARTICLE_OPEN = '<article class="md-content__inner md-typeset">'
_ARTICLE_CLOSE = "</article>"


def sanitise_html(html: str) -> str:
    """The HTML with everything outside the allow-list removed (script content too)."""
    return nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object"},
        attributes=_ATTRIBUTES,
        tag_attribute_values=_TAG_VALUES,
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def page_document(fragment: str, *, title: str) -> str:
    """A stored page: the sanitised fragment in the structure Backstage's reader expects."""
    return (
        f'<!doctype html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
        '</head><body><div class="md-container"><main class="md-main"><div class="md-content" '
        f'data-md-component="content">{_ARTICLE_OPEN}{fragment}{_ARTICLE_CLOSE}'
        "</div></main></div></body></html>"
    )


def page_fragment(document: str) -> str:
    """The article of a stored page (what the portal shows inside its own layout)."""
    start = document.find(_ARTICLE_OPEN)
    end = document.rfind(_ARTICLE_CLOSE)
    if start < 0 or end < start:
        return ""
    return document[start + len(_ARTICLE_OPEN) : end]


@dataclass(frozen=True, slots=True)
class Section:
    """A searchable piece of a page: its anchor (empty for the page top), title and text."""

    anchor: str
    title: str
    text: str


class _SectionSplitter(HTMLParser):
    def __init__(self, page_title: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: list[tuple[str, list[str], list[str]]] = [("", [page_title], [])]
        self._heading: int | None = None
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in _VOID:
            return
        if self._skip or "headerlink" in (attributes.get("class") or "").split():
            self._skip += 1  # the pilcrow permalink is not text
            return
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456" and attributes.get("id"):
            self._heading = int(tag[1])
            self.sections.append((attributes["id"] or "", [], []))

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            self._skip -= 1
            return
        if self._heading is not None and tag == f"h{self._heading}":
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        _anchor, title, text = self.sections[-1]
        (title if self._heading is not None else text).append(data)


def _squash(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def sections_of(fragment: str, *, page_title: str) -> list[Section]:
    """The page's sections: the top (title and text before the first heading) and one per
    heading with an id, each with its text up to the next heading."""
    splitter = _SectionSplitter(page_title)
    splitter.feed(fragment)
    splitter.close()
    found = []
    for anchor, title, text in splitter.sections:
        section = Section(anchor, _squash(title), _squash(text))
        if section.title or section.text:
            found.append(section)
    return found
