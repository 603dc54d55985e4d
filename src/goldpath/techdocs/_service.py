"""TechDocsService: what the web app, the CLI and the workers call.

Builds never run in a request: triggers (a catalog refresh, a Create, the Rebuild button)
put the entity on the build queue, and ``TechDocsWorkers`` threads call ``sync``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Row, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from goldpath.catalog import (
    ANNOTATION_LOCATION,
    CatalogService,
    EntityRef,
    parse_entity_ref,
)
from goldpath.db import Database
from goldpath.errors import GoldpathError
from goldpath.techdocs._builder import ASSET_SUFFIXES, Builder, BuiltSite
from goldpath.techdocs._config import BuildPolicy, prepare_source
from goldpath.techdocs._index import DocHit, delete_sections, replace_sections, search_docs
from goldpath.techdocs._reading import SourceReader
from goldpath.techdocs._ref import parse_techdocs_ref, techdocs_ref_of
from goldpath.techdocs._sanitise import page_fragment, sanitise_html
from goldpath.techdocs._storage import DocsStorage, safe_path
from goldpath.techdocs._tables import search_sections, sites
from goldpath.techdocs.errors import DocsBuildError, DocsNotFoundError, DocsStorageError

__all__ = ["BuildQueue", "DocsPage", "SiteStatus", "TechDocsService", "site_key"]

log = logging.getLogger(__name__)

AnyRow = Row[Any]
_STALE_CLAIM = timedelta(minutes=10)


def site_key(ref: EntityRef) -> str:
    """Where a site lives in storage: ``<namespace>/<kind>/<name>``, lower-case."""
    return f"{ref.namespace}/{ref.kind}/{ref.name}".lower()


@dataclass(frozen=True, slots=True)
class SiteStatus:
    """What is known of an entity's docs: the published site and the last attempt."""

    entity_ref: str
    status: str  # queued | building | built | failed
    built_at: datetime | None
    source_hash: str | None
    source_commit: str | None
    source_where: str | None
    build_seconds: float | None
    page_count: int | None
    attempted_at: datetime | None
    error: str | None
    log: str | None
    manifest: dict[str, Any] | None

    @property
    def published(self) -> bool:
        """Whether a built site is being served (it may be older than a failed attempt)."""
        return self.built_at is not None and self.manifest is not None

    @property
    def short_hash(self) -> str:
        """The first 12 characters of the published source's hash."""
        return (self.source_hash or "")[:12]


@dataclass(frozen=True, slots=True)
class DocsPage:
    """One page of a site, ready for the portal's layout."""

    status: SiteStatus
    url: str
    title: str
    html: str
    toc: list[dict[str, Any]]
    nav: list[dict[str, Any]]
    site_name: str


def _status(row: AnyRow, *, queued: bool = False) -> SiteStatus:
    status = row.status
    if queued and status != "building":
        status = "queued"
    return SiteStatus(
        entity_ref=row.entity_ref,
        status=status,
        built_at=row.built_at,
        source_hash=row.source_hash,
        source_commit=row.source_commit,
        source_where=row.source_where,
        build_seconds=row.build_seconds,
        page_count=row.page_count,
        attempted_at=row.attempted_at,
        error=row.error,
        log=row.log,
        manifest=json.loads(row.manifest) if row.manifest else None,
    )


class BuildQueue:
    """Entity refs waiting for a build, each once; a ref being built is not handed out twice."""

    def __init__(self) -> None:
        self._waiting: OrderedDict[str, bool] = OrderedDict()
        self._running: set[str] = set()
        self._ready = threading.Condition()

    def put(self, ref: str, *, force: bool = False) -> None:
        """Queue a ref (a forced request stays forced when it is queued again)."""
        with self._ready:
            self._waiting[ref] = self._waiting.get(ref, False) or force
            self._ready.notify()

    def take(self, timeout: float) -> tuple[str, bool] | None:
        """The oldest ref no worker is building, or None after ``timeout`` seconds."""
        with self._ready:
            for _attempt in range(2):
                for ref in self._waiting:
                    if ref not in self._running:
                        force = self._waiting.pop(ref)
                        self._running.add(ref)
                        return ref, force
                if _attempt == 0:
                    self._ready.wait(timeout)
            return None

    def done(self, ref: str) -> None:
        """The worker finished ``ref``."""
        with self._ready:
            self._running.discard(ref)
            self._ready.notify_all()

    def wake(self) -> None:
        """Wake every waiting worker (to stop)."""
        with self._ready:
            self._ready.notify_all()

    def __contains__(self, ref: object) -> bool:
        with self._ready:
            return ref in self._waiting

    def __len__(self) -> int:
        with self._ready:
            return len(self._waiting) + len(self._running)


class TechDocsService:
    """Builds, stores, serves and indexes the docs of catalog entities."""

    def __init__(
        self,
        *,
        database: Database,
        catalog: CatalogService,
        reader: SourceReader,
        storage: DocsStorage,
        builder: Builder,
    ) -> None:
        self.database = database
        self.catalog = catalog
        self.reader = reader
        self.storage = storage
        self.builder = builder
        self.queue = BuildQueue()

    @property
    def policy(self) -> BuildPolicy:
        """The allow-lists and limits builds run under."""
        return self.builder.policy

    # ---- triggers ---------------------------------------------------------------------

    def on_location_refreshed(self, location_id: str, refs: Sequence[str]) -> None:
        """The catalog read a location again: queue a check of each documented entity's source."""
        if not refs:
            return
        # a location may hold more entities than one read takes
        for entity in self.catalog.each_by_ref(list(refs), fields=["kind", "metadata"]):
            if entity is not None and techdocs_ref_of(entity) is not None:
                self.queue.put(self._ref_of(entity).key)

    def request_build(self, ref: str | EntityRef, *, force: bool = True) -> None:
        """Queue a build of the entity's docs (forced: even when the source is unchanged)."""
        key = ref.key if isinstance(ref, EntityRef) else parse_entity_ref(ref).key
        self.queue.put(key, force=force)

    @staticmethod
    def _ref_of(entity: Mapping[str, Any]) -> EntityRef:
        metadata = entity["metadata"]
        return EntityRef(
            kind=str(entity["kind"]),
            namespace=str(metadata.get("namespace") or "default"),
            name=str(metadata["name"]),
        )

    # ---- building ---------------------------------------------------------------------

    def sync(self, ref: str | EntityRef, *, force: bool = False) -> SiteStatus | None:
        """Read the entity's docs source; build and publish it when it changed (or forced).

        Returns the entity's docs status, or None when it has no docs (any old site is
        removed then). Problems are recorded on the status, not raised.
        """
        entity_ref = ref if isinstance(ref, EntityRef) else parse_entity_ref(ref)
        key = entity_ref.key
        entity = self.catalog.find_entity(entity_ref)
        annotation = techdocs_ref_of(entity) if entity is not None else None
        if entity is None or annotation is None:
            self.remove(entity_ref)
            return None
        metadata = entity["metadata"]
        title = str(metadata.get("title") or metadata["name"])
        row = self._row(key)
        try:
            docs_ref = parse_techdocs_ref(annotation)
            location = (metadata.get("annotations") or {}).get(ANNOTATION_LOCATION)
            if not isinstance(location, str):
                raise DocsBuildError(f"{key} has no {ANNOTATION_LOCATION} annotation")
            tree = self.reader.read_tree(location, docs_ref)
            source = prepare_source(tree, policy=self.policy, default_site_name=title)
        except GoldpathError as exc:
            self._record_failure(key, row, message=exc.message, attempted_hash=None, log=None)
            return self.status(key)
        if not force and row is not None:
            if row.status == "built" and row.source_hash == source.source_hash:
                self._touch(key)
                return self.status(key)
            if row.status == "failed" and row.attempted_hash == source.source_hash:
                return self.status(key)  # the same source failed already; wait for a change
        if not self._claim(key, row):
            return self.status(key)  # another process builds it right now
        try:
            built = self.builder.build(source)
            files = dict(built.files)
            files.update(self._backstage_files(built, source.source_hash))
            self.storage.publish(site_key(entity_ref), files)
        except (DocsBuildError, DocsStorageError) as exc:
            build_log = exc.context.get("log")
            self._record_failure(
                key,
                self._row(key),
                message=exc.message,
                attempted_hash=source.source_hash,
                log=build_log if isinstance(build_log, str) else None,
            )
            return self.status(key)
        except Exception as exc:  # an unexpected failure must not leave the claim behind
            log.exception("building the docs of %s failed", key)
            self._record_failure(
                key, self._row(key), message=f"build failed: {exc}", attempted_hash=None, log=None
            )
            return self.status(key)
        self._record_success(key, built, source.source_hash, source.commit, tree.where)
        return self.status(key)

    @staticmethod
    def _backstage_files(built: BuiltSite, source_hash: str) -> dict[str, bytes]:
        """``techdocs_metadata.json`` and ``search/search_index.json``, as Backstage has them."""
        metadata = {
            "site_name": built.site_name,
            "site_description": built.site_description,
            "etag": source_hash,
            "build_timestamp": int(datetime.now(UTC).timestamp() * 1000),
            "files": sorted(built.files),
        }
        index = {
            "config": {"lang": ["en"], "separator": "[\\s\\-]+"},
            "docs": [
                {
                    "location": page.url + (f"#{s.anchor}" if s.anchor else ""),
                    "title": s.title,
                    "text": s.text,
                }
                for page in built.pages
                for s in page.sections
            ],
        }
        return {
            "techdocs_metadata.json": json.dumps(metadata).encode(),
            "search/search_index.json": json.dumps(index).encode(),
        }

    def _row(self, key: str) -> AnyRow | None:
        with self.database.session() as session:
            return session.execute(select(sites).where(sites.c.entity_ref == key)).first()

    def _claim(self, key: str, row: AnyRow | None) -> bool:
        now = datetime.now(UTC)
        with self.database.session() as session:
            if row is None:
                try:
                    with session.begin_nested():
                        session.execute(
                            insert(sites).values(entity_ref=key, status="building", claimed_at=now)
                        )
                except IntegrityError:
                    return False
                return True
            claimed = session.execute(
                update(sites)
                .where(sites.c.entity_ref == key)
                .where((sites.c.status != "building") | (sites.c.claimed_at < now - _STALE_CLAIM))
                .values(status="building", claimed_at=now)
            )
            return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    def _touch(self, key: str) -> None:
        with self.database.session() as session:
            session.execute(
                update(sites).where(sites.c.entity_ref == key).values(checked_at=datetime.now(UTC))
            )

    def _record_failure(
        self,
        key: str,
        row: AnyRow | None,
        *,
        message: str,
        attempted_hash: str | None,
        log: str | None,
    ) -> None:
        now = datetime.now(UTC)
        values = {
            "status": "failed",
            "claimed_at": None,
            "error": message,
            "attempted_hash": attempted_hash,
            "attempted_at": now,
            "checked_at": now,
            "log": log,
        }
        with self.database.session() as session:
            if row is None:
                try:
                    with session.begin_nested():
                        session.execute(insert(sites).values(entity_ref=key, **values))
                    return
                except IntegrityError:
                    pass
            elif row.status == "failed" and row.error == message and attempted_hash is None:
                values = {"checked_at": now}  # the same problem as last time
            session.execute(update(sites).where(sites.c.entity_ref == key).values(**values))

    def _record_success(
        self, key: str, built: BuiltSite, source_hash: str, commit: str | None, where: str
    ) -> None:
        now = datetime.now(UTC)
        manifest = {
            "site_name": built.site_name,
            "site_description": built.site_description,
            "nav": built.manifest.get("nav", []),
            # keyed by the decoded URL, the form a request's path arrives in
            "pages": {
                unquote(page["url"]): {"title": page["title"], "toc": page["toc"]}
                for page in built.manifest.get("pages", [])
            },
        }
        with self.database.session() as session:
            session.execute(
                update(sites)
                .where(sites.c.entity_ref == key)
                .values(
                    status="built",
                    claimed_at=None,
                    source_hash=source_hash,
                    source_commit=commit,
                    source_where=where[:2100],
                    built_at=now,
                    build_seconds=round(built.seconds, 3),
                    page_count=len(built.pages),
                    manifest=json.dumps(manifest),
                    attempted_hash=source_hash,
                    attempted_at=now,
                    checked_at=now,
                    error=None,
                    log=built.log,
                )
            )
            replace_sections(session, key, built.pages)
        log.info("built the docs of %s (%d pages, %.2fs)", key, len(built.pages), built.seconds)

    def remove(self, ref: str | EntityRef) -> None:
        """Forget an entity's docs: the stored site, its status and its search sections."""
        entity_ref = ref if isinstance(ref, EntityRef) else parse_entity_ref(ref)
        with self.database.session() as session:
            found = session.execute(
                select(sites.c.entity_ref).where(sites.c.entity_ref == entity_ref.key)
            ).first()
            if found is None:
                return
            delete_sections(session, entity_ref.key)
            session.execute(delete(sites).where(sites.c.entity_ref == entity_ref.key))
        self.storage.delete(site_key(entity_ref))

    def prune(self) -> int:
        """Remove the docs of entities that left the catalog or lost their annotation."""
        with self.database.session() as session:
            keys = list(session.execute(select(sites.c.entity_ref)).scalars())
        removed = 0
        for start in range(0, len(keys), 500):
            part = keys[start : start + 500]
            for key, entity in zip(
                part, self.catalog.get_by_refs(part, fields=["kind", "metadata"]), strict=True
            ):
                if entity is None or techdocs_ref_of(entity) is None:
                    self.remove(key)
                    removed += 1
        return removed

    # ---- reading ----------------------------------------------------------------------

    def status(self, ref: str | EntityRef) -> SiteStatus | None:
        """The docs status of an entity, or None when nothing was ever tried."""
        key = ref.key if isinstance(ref, EntityRef) else parse_entity_ref(ref).key
        row = self._row(key)
        if row is None:
            return None
        return _status(row, queued=key in self.queue)

    def statuses(self, refs: Sequence[str]) -> dict[str, SiteStatus]:
        """Statuses of many entities at once (keys are canonical refs)."""
        keys = [parse_entity_ref(ref).key for ref in refs]
        found: dict[str, SiteStatus] = {}
        with self.database.session() as session:
            for start in range(0, len(keys), 500):
                rows = session.execute(
                    select(sites).where(sites.c.entity_ref.in_(keys[start : start + 500]))
                )
                for row in rows:
                    found[row.entity_ref] = _status(row, queued=row.entity_ref in self.queue)
        return found

    def _published(self, entity_ref: EntityRef) -> SiteStatus:
        status = self.status(entity_ref)
        if status is None or not status.published:
            raise DocsNotFoundError(
                f"the docs of {entity_ref.key} have not been built yet", ref=entity_ref.key
            )
        return status

    def page(self, ref: EntityRef, path: str) -> DocsPage:
        """The page at ``path`` (a page URL such as ``guide/setup/``; empty for the index)."""
        status = self._published(ref)
        manifest = status.manifest or {}
        pages: dict[str, Any] = manifest.get("pages", {})
        url = path.strip("/")
        url = f"{url}/" if url else ""
        if url not in pages:
            raise DocsNotFoundError(f"the docs of {ref.key} have no page {path!r}", ref=ref.key)
        document = self.storage.read(site_key(ref), f"{url}index.html").decode(
            "utf-8", "replace"
        )
        return DocsPage(
            status=status,
            url=url,
            title=pages[url]["title"],
            html=sanitise_html(page_fragment(document)),  # again: storage is not trusted
            toc=pages[url]["toc"],
            nav=manifest.get("nav", []),
            site_name=manifest.get("site_name", ""),
        )

    def is_page(self, ref: EntityRef, path: str) -> bool:
        """Whether ``path`` (with or without its trailing slash) names a page of the site."""
        status = self.status(ref)
        pages = (status.manifest or {}).get("pages", {}) if status else {}
        url = path.strip("/")
        return (f"{url}/" if url else "") in pages

    def read_file(self, ref: EntityRef, path: str) -> bytes:
        """A stored file of the site (Backstage's static docs endpoint); a folder path
        reads its ``index.html``."""
        self._published(ref)
        clean = safe_path(path) if path.strip("/") else "index.html"
        if clean is None:
            raise DocsNotFoundError(f"no file {path!r} in the docs of {ref.key}", ref=ref.key)
        if path.endswith("/") or "." not in clean.rsplit("/", 1)[-1]:
            clean = f"{clean.rstrip('/')}/index.html" if clean != "index.html" else clean
        return self.storage.read(site_key(ref), clean)

    def read_asset(self, ref: EntityRef, path: str) -> bytes:
        """An image or document of the docs folder (never a page or a JSON file)."""
        clean = safe_path(path)
        suffix = "." + clean.rsplit(".", 1)[-1].lower() if clean and "." in clean else ""
        if clean is None or suffix not in ASSET_SUFFIXES:
            raise DocsNotFoundError(f"no file {path!r} in the docs of {ref.key}", ref=ref.key)
        self._published(ref)
        return self.storage.read(site_key(ref), clean)

    def metadata(self, ref: EntityRef) -> dict[str, Any]:
        """Backstage's ``techdocs_metadata.json`` of the site."""
        data: dict[str, Any] = json.loads(self.read_file(ref, "techdocs_metadata.json"))
        return data

    def search(self, term: str, *, limit: int = 20, offset: int = 0) -> list[DocHit]:
        """Doc sections containing ``term``, of entities still in the catalog."""
        with self.database.session() as session:
            hits = search_docs(session, term, limit=limit, offset=offset)
        refs = sorted({hit.entity_ref for hit in hits})
        present = {
            ref
            for ref, entity in zip(
                refs, self.catalog.get_by_refs(refs, fields=["kind"]), strict=True
            )
            if entity is not None
        }
        return [hit for hit in hits if hit.entity_ref in present]

    def indexed_sections(self, ref: str | EntityRef) -> int:
        """How many sections of the entity's docs are in the search index."""
        key = ref.key if isinstance(ref, EntityRef) else parse_entity_ref(ref).key
        with self.database.session() as session:
            rows = session.execute(
                select(search_sections.c.id).where(search_sections.c.entity_ref == key)
            )
            return len(rows.all())
