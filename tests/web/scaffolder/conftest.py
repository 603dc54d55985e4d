"""Helpers for the Create-flow tests: render the form macros and submit a form as a browser does."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jinja2 import Environment, FileSystemLoader, StrictUndefined

import goldpath.web
from goldpath.config import Settings
from goldpath.runtime import Runtime
from goldpath.web import create_app

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


# --- a real portal with a catalog of small test templates --------------------------------

ORG = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata: {name: team-a, title: Team A}
spec: {type: team, children: []}
---
apiVersion: backstage.io/v1alpha1
kind: User
metadata: {name: alice}
spec: {profile: {displayName: Alice Doe}, memberOf: [team-a]}
---
apiVersion: backstage.io/v1alpha1
kind: System
metadata: {name: payments}
spec: {owner: team-a}
"""

HELLO = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: hello-service
  title: Hello service
  description: A tiny service used by the Create-flow tests.
  tags: [python, testing]
  annotations:
    goldpath.dev/reserved-name-parameter: name
spec:
  owner: group:default/team-a
  type: service
  parameters:
    - title: About
      required: [name, owner]
      properties:
        name:
          title: Name
          type: string
          description: What the service is called.
          ui:field: EntityNamePicker
          ui:autofocus: true
        owner:
          title: Owner
          type: string
          ui:field: OwnerPicker
          ui:options: {catalogFilter: {kind: [Group, User]}}
        summary:
          title: Summary
          type: string
          ui:widget: textarea
          ui:help: One or two sentences.
    - title: Options
      properties:
        port: {title: Port, type: integer, default: 8080, minimum: 1024, maximum: 65535}
        language: {title: Language, type: string, enum: [python, go], default: python}
        public: {title: Public, type: boolean, default: false}
        labels: {title: Labels, type: array, items: {type: string}}
    - title: Repository
      required: [repoUrl]
      properties:
        repoUrl:
          title: Repository
          type: string
          ui:field: RepoUrlPicker
          ui:options: {allowedHosts: [github.com]}
  steps:
    - id: fetch
      name: Fetch skeleton
      action: fetch:template
      input:
        url: ./skeleton
        values:
          name: ${{ parameters.name }}
          owner: ${{ parameters.owner }}
          port: ${{ parameters.port }}
          language: ${{ parameters.language }}
    - id: publish
      name: Publish
      action: publish:github
      input:
        repoUrl: ${{ parameters.repoUrl }}
        description: ${{ parameters.summary if parameters.summary else parameters.name }}
    - id: register
      name: Register in the catalog
      action: catalog:register
      input:
        repoContentsUrl: ${{ steps.publish.output.repoContentsUrl }}
        catalogInfoPath: /catalog-info.yaml
    - id: say
      name: Say hello
      action: debug:log
      input:
        message: Made ${{ parameters.name }} for ${{ parameters.owner }}
  output:
    links:
      - title: Open in catalog
        icon: catalog
        entityRef: ${{ steps.register.output.entityRef }}
      - title: Repository
        url: ${{ steps.publish.output.remoteUrl }}
    text:
      - title: Next steps
        content: Run the ${{ parameters.language }} tests.
"""

BROKEN = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: broken-service
  title: Broken service
  description: Publishes and registers, then fails, so it must roll back.
  tags: [testing]
spec:
  owner: group:default/team-a
  type: service
  parameters:
    required: [name, repoUrl]
    properties:
      name: {title: Name, type: string, ui:field: EntityNamePicker}
      repoUrl: {title: Repository, type: string, ui:field: RepoUrlPicker}
  steps:
    - id: fetch
      name: Fetch skeleton
      action: fetch:template
      input:
        url: ./skeleton
        values: {name: "${{ parameters.name }}"}
    - id: publish
      name: Publish
      action: publish:github
      input:
        repoUrl: ${{ parameters.repoUrl }}
    - id: register
      name: Register in the catalog
      action: catalog:register
      input:
        repoContentsUrl: ${{ steps.publish.output.repoContentsUrl }}
    - id: rename
      name: Rename a file that is not there
      action: fs:rename
      input:
        files:
          - from: missing.txt
            to: there.txt
"""

PLAIN = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: plain-note
  title: Plain note
  description: Asks for nothing and only logs.
spec:
  owner: group:default/team-a
  type: documentation
  steps:
    - id: note
      name: Note
      action: debug:log
      input:
        message: Nothing to ask
  output:
    text:
      - title: Result
        content: Logged a note.
"""

CATALOG_INFO = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${{ values.name }}
  description: Made by the Create flow
spec:
  type: service
  lifecycle: experimental
  owner: OWNER
"""

SKELETONS = {
    "hello": {
        "README.md": "# ${{ values.name }}\n\nOwned by ${{ values.owner }}, "
        "port ${{ values.port }}.\n",
        "src/${{ values.name }}/main.txt": "language=${{ values.language }}\n",
        "catalog-info.yaml": CATALOG_INFO.replace("OWNER", "${{ values.owner }}"),
    },
    "broken": {"catalog-info.yaml": CATALOG_INFO.replace("OWNER", "team-a")},
}


def write_test_catalog(root: Path) -> dict[str, Path]:
    """Write the org and the test templates (with their skeletons) under ``root``.

    Both publish with ``publish:github``: in development a host without an integration
    is the local git host, so a task makes a real repository and registers the real
    catalog-info.yaml it pushed.
    """
    root.mkdir(parents=True)
    (root / "org.yaml").write_text(ORG)
    paths = {"org": root / "org.yaml"}
    for key, text in (("hello", HELLO), ("broken", BROKEN), ("plain", PLAIN)):
        folder = root / key
        folder.mkdir()
        (folder / "template.yaml").write_text(text)
        paths[key] = folder / "template.yaml"
        for rel, content in SKELETONS.get(key, {}).items():
            target = folder / "skeleton" / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
    return paths


@dataclass
class Portal:
    """A running portal (TestClient, signed in as the guest) with the test catalog."""

    client: TestClient
    runtime: Runtime
    root: Path

    @property
    def csrf(self) -> str:
        """This session's CSRF token (read from a page's meta tag)."""
        html = self.client.get("/create").text
        match = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
        assert match, "the page carries no CSRF token"
        return match.group(1)

    def run_tasks(self) -> None:
        """Run every queued task to its end in this thread."""
        while self.runtime.task_executor.run_next("test-worker") is not None:
            pass


def sign_in_as_guest(client: TestClient) -> None:
    """Sign in through the sign-in page's guest form, as a person would."""
    page = client.get("/sign-in").text
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the sign-in page has no CSRF field"
    response = client.post(
        "/auth/guest",
        data={"csrf_token": match.group(1), "next": "/create"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text


@pytest.fixture
def scaffold_portal(settings: Settings, tmp_path: Path) -> Iterator[Portal]:
    """The portal with the test templates registered from file locations; no task workers."""
    root = tmp_path / "catalog"
    paths = write_test_catalog(root)
    app = create_app(settings)
    with TestClient(app) as client:
        runtime: Runtime = app.state.runtime
        for path in paths.values():
            runtime.catalog.add_location("file", str(path))
        sign_in_as_guest(client)
        yield Portal(client=client, runtime=runtime, root=root)
