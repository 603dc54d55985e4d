"""Helpers for the Create-flow tests: render the form macros and submit a form as a browser does."""

from __future__ import annotations

from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from jinja2 import Environment, FileSystemLoader, StrictUndefined

import goldpath.web

TEMPLATES = Path(goldpath.web.__file__).parent / "templates"

FormData = dict[str, list[str]]


class _FormReader(HTMLParser):
    """Collects what a browser submits for a form left as rendered ('successful controls')."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.data: FormData = {}
        self._select: str | None = None
        self._select_values: list[tuple[str, bool]] = []
        self._option: dict[str, str | None] | None = None
        self._option_text = ""
        self._textarea: str | None = None
        self._textarea_text = ""
        self.inputs: list[dict[str, str | None]] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        name = a.get("name")
        if tag == "input":
            self.inputs.append(a)
            if name is None or "disabled" in a:
                return
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value") or "on")
            elif kind not in ("button", "submit", "reset", "file", "image"):
                self._add(name, a.get("value") or "")
        elif tag == "select" and name is not None:
            self._select = name
            self._select_values = []
        elif tag == "option" and self._select is not None:
            self._option = a
            self._option_text = ""
        elif tag == "textarea" and name is not None:
            self._textarea = name
            self._textarea_text = ""

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option_text += data
        if self._textarea is not None:
            self._textarea_text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None:
            value = self._option.get("value")
            self._select_values.append(
                (value if value is not None else self._option_text, "selected" in self._option)
            )
            self._option = None
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._select_values if selected]
            if not chosen and self._select_values:
                chosen = [self._select_values[0][0]]
            for value in chosen[:1]:
                self._add(self._select, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # HTML drops one leading newline of a textarea's content.
            text = self._textarea_text
            text = text[1:] if text.startswith("\n") else text
            self._add(self._textarea, text)
            self._textarea = None


def read_form(html: str) -> FormData:
    """What a browser submits for this HTML when the user changes nothing."""
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.data


@pytest.fixture(scope="session")
def form_macros() -> Any:
    """The module of scaffolder/_form.html macros, in an autoescaping strict environment."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES), autoescape=True, undefined=StrictUndefined
    )
    return env.get_template("scaffolder/_form.html").module


@pytest.fixture(scope="session")
def render_form(form_macros: Any) -> Callable[..., str]:
    """Render a Form (every page) to HTML."""

    def render(form: Any, picker_options: dict[str, Any] | None = None) -> str:
        return str(form_macros.form_pages(form, picker_options or {}))

    return render


@pytest.fixture(scope="session")
def submitted() -> Callable[[str], FormData]:
    """Read the data a browser would submit for rendered HTML."""
    return read_form
