"""View models for the Create pages: template cards, task rows, task detail, preview files."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlencode

from goldpath.catalog import parse_entity_ref
from goldpath.errors import GoldpathError
from goldpath.scaffolder import FINISHED, TaskStatus
from goldpath.web.pages._views import entity_href as catalog_entity_href
from goldpath.web.pages._views import safe_url

__all__ = [
    "FINISHED_STATUSES",
    "PROVIDES_ANNOTATION",
    "TASK_STATUSES",
    "OutputLink",
    "PreviewFile",
    "RollbackView",
    "StepView",
    "TaskView",
    "TemplateCard",
    "entity_href",
    "filter_cards",
    "format_duration",
    "humanize_ref",
    "preview_files",
    "task_view",
    "template_card",
]

TASK_STATUSES = tuple(str(status) for status in TaskStatus)
FINISHED_STATUSES = frozenset(str(status) for status in FINISHED)
PROVIDES_ANNOTATION = "goldpath.dev/provides"
"""A Template annotation listing what the template gives you, one item per line."""
_BINARY_SNIFF = 8192
_MAX_PREVIEW_BYTES = 256 * 1024


def entity_href(
    ref: str, *, default_kind: str = "component", default_namespace: str = "default"
) -> str:
    """The portal page of an entity ref (``kind:namespace/name``, kind and namespace optional)."""
    try:
        parsed = parse_entity_ref(
            ref, default_kind=default_kind, default_namespace=default_namespace
        )
    except GoldpathError:
        return "/catalog?" + urlencode({"q": ref})
    return catalog_entity_href(parsed)


def humanize_ref(ref: str, *, default_kind: str, default_namespace: str = "default") -> str:
    """A ref without the kind and namespace that go without saying (humanizeEntityRef)."""
    try:
        parsed = parse_entity_ref(
            ref, default_kind=default_kind, default_namespace=default_namespace
        )
    except GoldpathError:
        return ref
    return parsed.humanize(default_kind=default_kind, default_namespace=default_namespace)


@dataclass(frozen=True, slots=True)
class TemplateCard:
    """One Template entity as a card on the Create page."""

    ref: str
    namespace: str
    name: str
    title: str
    description: str
    tags: tuple[str, ...]
    owner: str | None
    owner_href: str | None
    type: str | None
    provides: tuple[str, ...] = ()
    """What the template gives you, from its ``goldpath.dev/provides`` annotation."""

    @property
    def href(self) -> str:
        """The template's form page."""
        return f"/create/templates/{quote(self.namespace, safe='')}/{quote(self.name, safe='')}"

    @property
    def owner_label(self) -> str:
        """The owner as people say it: ``team-a`` for ``group:default/team-a``."""
        if not self.owner:
            return ""
        return humanize_ref(self.owner, default_kind="group", default_namespace=self.namespace)

    @property
    def search_text(self) -> str:
        """Everything the text filter looks in, lower-cased."""
        return " ".join(
            [self.title, self.name, self.description, *self.tags, *self.provides]
        ).lower()


def template_card(entity: Mapping[str, Any]) -> TemplateCard:
    """The card for a Template entity."""
    meta = entity.get("metadata") or {}
    spec = entity.get("spec") or {}
    namespace = str(meta.get("namespace") or "default")
    name = str(meta.get("name") or "")
    owner = spec.get("owner")
    owner_href = (
        entity_href(owner, default_kind="group", default_namespace=namespace)
        if isinstance(owner, str) and owner
        else None
    )
    tags = meta.get("tags") or []
    provides = (meta.get("annotations") or {}).get(PROVIDES_ANNOTATION)
    return TemplateCard(
        ref=f"template:{namespace}/{name}".lower(),
        namespace=namespace,
        name=name,
        title=str(meta.get("title") or name),
        description=str(meta.get("description") or ""),
        tags=tuple(str(t) for t in tags if isinstance(t, str)),
        owner=owner if isinstance(owner, str) and owner else None,
        owner_href=owner_href,
        type=str(spec["type"]) if spec.get("type") else None,
        provides=tuple(line.strip() for line in str(provides or "").splitlines() if line.strip()),
    )


def filter_cards(
    cards: Iterable[TemplateCard], *, text: str = "", tag: str = ""
) -> list[TemplateCard]:
    """Cards whose text holds every word of ``text`` and that carry ``tag`` (when given)."""
    words = text.lower().split()
    chosen: list[TemplateCard] = []
    for card in cards:
        if tag and tag not in card.tags:
            continue
        if all(word in card.search_text for word in words):
            chosen.append(card)
    return chosen


def _parse_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def format_duration(seconds: float | None) -> str:
    """A short human duration: ``850 ms``, ``4.2 s``, ``3 min 5 s``."""
    if seconds is None or seconds < 0:
        return ""
    if seconds < 1:
        return f"{round(seconds * 1000)} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def _between(start: Any, end: Any) -> float | None:
    began, ended = _parse_time(start), _parse_time(end)
    if began is None or ended is None:
        return None
    return (ended - began).total_seconds()


@dataclass(frozen=True, slots=True)
class StepView:
    """One step of a task with its status and how long it took."""

    id: str
    name: str
    action: str
    status: str
    started_at: str | None
    ended_at: str | None

    @property
    def duration(self) -> str:
        """How long the step ran, once it has ended."""
        return format_duration(_between(self.started_at, self.ended_at))


@dataclass(frozen=True, slots=True)
class OutputLink:
    """A link from the task's output (a URL, or an entity ref turned into a catalog link)."""

    title: str
    href: str
    icon: str | None
    entity_ref: str | None


@dataclass(frozen=True, slots=True)
class RollbackView:
    """What a failed or cancelled task undid, and what it could not undo (with why)."""

    undone: tuple[str, ...]
    not_undone: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class TaskView:
    """Everything the task page shows."""

    id: str
    status: str
    template_ref: str | None
    template_title: str
    template_href: str | None
    created_by: str
    created_at: str | None
    started_at: str | None
    finished_at: str | None
    steps: tuple[StepView, ...]
    links: tuple[OutputLink, ...]
    texts: tuple[tuple[str, str], ...]
    error: str | None
    error_details: tuple[str, ...]
    rollback: RollbackView | None
    parameters: Mapping[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """Whether the task has reached an end state."""
        return self.status in FINISHED_STATUSES

    @property
    def duration(self) -> str:
        """How long the task ran (so far, while it runs)."""
        end = self.finished_at or datetime.now(UTC).isoformat()
        return format_duration(_between(self.started_at, end))

    @property
    def short_id(self) -> str:
        """The first block of the task id."""
        return self.id.split("-")[0]


def _iso(value: Any) -> str | None:
    parsed = _parse_time(value)
    return parsed.isoformat().replace("+00:00", "Z") if parsed else None


def _links(output: Mapping[str, Any]) -> tuple[OutputLink, ...]:
    links: list[OutputLink] = []
    for item in output.get("links") or []:
        if not isinstance(item, Mapping):
            continue
        ref = item.get("entityRef")
        url = item.get("url")
        if isinstance(ref, str) and ref:
            href = entity_href(ref)
        elif (checked := safe_url(url, portal_paths=True)) is not None:
            href = checked
        else:
            continue
        title = item.get("title") or (ref if isinstance(ref, str) and ref else url)
        icon = item.get("icon")
        links.append(
            OutputLink(
                title=str(title),
                href=href,
                icon=str(icon) if icon else None,
                entity_ref=ref.lower() if isinstance(ref, str) and ref else None,
            )
        )
    return tuple(links)


def _texts(output: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    texts: list[tuple[str, str]] = []
    for item in output.get("text") or []:
        if isinstance(item, Mapping) and item.get("content") is not None:
            texts.append((str(item.get("title") or "Output"), str(item["content"])))
    return tuple(texts)


def _rollback(error: Mapping[str, Any] | None) -> RollbackView | None:
    if not error or not isinstance(error.get("rollback"), Mapping):
        return None
    report = error["rollback"]
    undone = tuple(str(u) for u in report.get("undone") or [])
    failed: list[tuple[str, str]] = []
    for item in report.get("notUndone") or []:
        if isinstance(item, Mapping):
            what = item.get("description") or item.get("what") or item.get("undo") or ""
            failed.append((str(what), str(item.get("reason") or item.get("error") or "")))
        else:
            failed.append((str(item), ""))
    return RollbackView(undone=undone, not_undone=tuple(failed))


def task_view(task: Mapping[str, Any]) -> TaskView:
    """The task page's view of a task in Backstage's shape (``GET tasks/:id``)."""
    spec = task.get("spec") or {}
    info = spec.get("templateInfo") or {}
    meta = (info.get("entity") or {}).get("metadata") or {}
    template_ref = info.get("entityRef")
    template_href: str | None = None
    if isinstance(template_ref, str) and template_ref.startswith("template:"):
        namespace, _, name = template_ref[len("template:") :].rpartition("/")
        template_href = (
            f"/create/templates/{quote(namespace or 'default', safe='')}/{quote(name, safe='')}"
        )
    steps = tuple(
        StepView(
            id=str(s.get("id")),
            name=str(s.get("name") or s.get("id")),
            action=str(s.get("action") or ""),
            status=str(s.get("status") or "open"),
            started_at=s.get("startedAt"),
            ended_at=s.get("endedAt"),
        )
        for s in task.get("steps") or []
        if isinstance(s, Mapping)
    )
    output = task.get("output") or {}
    error = task.get("error") if isinstance(task.get("error"), Mapping) else None
    details = tuple(
        f"{e.get('field')}: {e.get('message')}" if e.get("field") else str(e.get("message"))
        for e in (error or {}).get("errors") or []
        if isinstance(e, Mapping)
    )
    return TaskView(
        id=str(task.get("id")),
        status=str(task.get("status")),
        template_ref=template_ref if isinstance(template_ref, str) else None,
        template_title=str(meta.get("title") or meta.get("name") or template_ref or "a template"),
        template_href=template_href,
        created_by=str(task.get("createdBy") or ""),
        created_at=_iso(task.get("createdAt")),
        started_at=_iso(task.get("startedAt")),
        finished_at=_iso(task.get("finishedAt")),
        steps=steps,
        links=_links(output) if isinstance(output, Mapping) else (),
        texts=_texts(output) if isinstance(output, Mapping) else (),
        error=str(error.get("message")) if error else None,
        error_details=details,
        rollback=_rollback(error),
        parameters=spec.get("parameters") or {},
    )


@dataclass(frozen=True, slots=True)
class PreviewFile:
    """One file Create would produce: its path and its text (or why it is not shown)."""

    path: str
    executable: bool
    size: int
    text: str | None
    note: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON for the page script."""
        return {
            "path": self.path,
            "executable": self.executable,
            "size": self.size,
            "text": self.text,
            "note": self.note,
        }


def _preview_file(path: str, content: bytes, executable: bool) -> PreviewFile:
    if b"\x00" in content[:_BINARY_SNIFF]:
        return PreviewFile(path, executable, len(content), None, "binary file, not shown")
    if len(content) > _MAX_PREVIEW_BYTES:
        return PreviewFile(path, executable, len(content), None, "large file, not shown")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return PreviewFile(path, executable, len(content), None, "not UTF-8 text, not shown")
    return PreviewFile(path, executable, len(content), text, None)


def preview_files(directory_contents: Sequence[Mapping[str, Any]]) -> list[PreviewFile]:
    """Backstage's ``directoryContents`` (base64) as files to show, sorted by path."""
    files = [
        _preview_file(
            str(item.get("path")),
            base64.b64decode(str(item.get("base64Content") or "")),
            bool(item.get("executable")),
        )
        for item in directory_contents
    ]
    return sorted(files, key=lambda f: f.path)
