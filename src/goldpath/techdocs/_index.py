"""The docs search index: one row per page section, searched the way the catalog's
full-text filter is (a case-insensitive substring over a narrow lower-cased column)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert, select
from sqlalchemy.orm import Session

from goldpath.techdocs._builder import BuiltPage
from goldpath.techdocs._tables import search_sections

__all__ = ["MAX_SECTION_CHARS", "DocHit", "delete_sections", "replace_sections", "search_docs"]

MAX_SECTION_CHARS = 20_000
_SNIPPET_CHARS = 160


@dataclass(frozen=True, slots=True)
class DocHit:
    """A page section that contains the term: where it is and a snippet around the term."""

    entity_ref: str
    location: str
    page_title: str
    title: str
    text: str


def _location(page: BuiltPage, anchor: str) -> str:
    return page.url + (f"#{anchor}" if anchor else "")


def replace_sections(session: Session, entity_ref: str, pages: Sequence[BuiltPage]) -> None:
    """Make the entity's indexed sections exactly those of ``pages``."""
    delete_sections(session, entity_ref)
    rows = []
    for page in pages:
        for section in page.sections:
            text = section.text[:MAX_SECTION_CHARS]
            rows.append(
                {
                    "entity_ref": entity_ref,
                    "location": _location(page, section.anchor)[:1000],
                    "page_title": page.title[:400],
                    "title": (section.title or page.title)[:400],
                    "text": text,
                    "search_text": f"{section.title}\n{text}".lower(),
                }
            )
    if rows:
        session.execute(insert(search_sections), rows)


def delete_sections(session: Session, entity_ref: str) -> None:
    """Forget every indexed section of the entity."""
    session.execute(delete(search_sections).where(search_sections.c.entity_ref == entity_ref))


def _like_escape(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _snippet(text: str, term: str) -> str:
    at = text.lower().find(term)
    if at < 0 or len(text) <= _SNIPPET_CHARS:
        return text[:_SNIPPET_CHARS] + ("…" if len(text) > _SNIPPET_CHARS else "")
    start = max(0, at - _SNIPPET_CHARS // 3)
    end = start + _SNIPPET_CHARS
    return ("…" if start else "") + text[start:end] + ("…" if end < len(text) else "")


def search_docs(session: Session, term: str, *, limit: int, offset: int = 0) -> list[DocHit]:
    """Sections containing ``term`` (case-insensitive): title matches first, then by entity."""
    needle = term.strip().lower()
    if not needle:
        return []
    pattern = f"%{_like_escape(needle)}%"
    in_title = case((func.lower(search_sections.c.title).like(pattern, escape="\\"), 0), else_=1)
    rows = session.execute(
        select(
            search_sections.c.entity_ref,
            search_sections.c.location,
            search_sections.c.page_title,
            search_sections.c.title,
            search_sections.c.text,
        )
        .where(search_sections.c.search_text.like(pattern, escape="\\"))
        .order_by(in_title, search_sections.c.entity_ref, search_sections.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        DocHit(row.entity_ref, row.location, row.page_title, row.title, _snippet(row.text, needle))
        for row in rows
    ]
