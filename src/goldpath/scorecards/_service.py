"""ScorecardService: scores components against the checks, stores results, answers queries.

Evaluations happen when the catalog (re)reads a location (``on_location_refreshed``), when
a push lands on a component's repository, and on request. In the portal they run on a
background worker (``ScorecardWorker``), so a refresh or a Create never waits for them;
a process that runs no worker (the CLI) evaluates in line, so ``goldpath catalog refresh``
leaves fresh scorecards behind.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Protocol

from goldpath.catalog import CatalogService, EntityRef
from goldpath.errors import GoldpathError
from goldpath.scorecards._answers import TemplateVersions
from goldpath.scorecards._definitions import CheckSet
from goldpath.scorecards._model import Scorecard, TeamRollup, rollup
from goldpath.scorecards._rules import RepoFiles, RepoKind
from goldpath.scorecards._sources import RepositoryReader
from goldpath.scorecards._store import ScorecardStore, now
from goldpath.scorecards.errors import RepositoryUnavailableError, ScorecardNotFoundError

__all__ = [
    "MergedRequest",
    "PushedRepository",
    "RepoWebUrl",
    "ScorecardService",
    "ScorecardWorker",
    "owner_key",
]

log = logging.getLogger(__name__)


def owner_key(owner: str, *, namespace: str = "default") -> str:
    """An owner as the canonical ref scorecards are filed under (``team-a`` is
    ``group:default/team-a``); a value that is no ref stays as written."""
    try:
        return EntityRef.parse(
            owner.strip(), default_kind="group", default_namespace=namespace, strict=False
        ).key
    except GoldpathError:
        return owner.strip()


def _owner_of(entity: Mapping[str, Any]) -> str | None:
    spec = entity.get("spec")
    owner = spec.get("owner") if isinstance(spec, Mapping) else None
    if not isinstance(owner, str) or not owner.strip():
        return None
    return owner_key(owner, namespace=EntityRef.of(entity).namespace)


class _RefUpdate(Protocol):
    @property
    def branch(self) -> str | None: ...


class PushedRepository(Protocol):
    """What scorecards read of a push (``goldpath.gitserver.Push`` is one)."""

    @property
    def owner(self) -> str: ...

    @property
    def repo(self) -> str: ...

    @property
    def default_branch(self) -> str: ...

    @property
    def updates(self) -> Sequence[_RefUpdate]: ...


class MergedRequest(Protocol):
    """What scorecards read of a merged merge request (``goldpath.mergerequests``'s)."""

    @property
    def entity_ref(self) -> str | None: ...

    @property
    def owner(self) -> str: ...

    @property
    def name(self) -> str: ...


# (owner, repo) -> the web URL of that repository on the git host pushes arrive at
RepoWebUrl = Callable[[str, str], str]


class _Evidence:
    """One entity's evidence; each repository is read at most once, and only if a check
    asks for it."""

    def __init__(self, entity: Mapping[str, Any], service: ScorecardService) -> None:
        self._entity = entity
        self._service = service
        self._repos: dict[RepoKind, RepoFiles | RepositoryUnavailableError] = {}

    @property
    def entity(self) -> Mapping[str, Any]:
        return self._entity

    def repository(self, which: RepoKind) -> RepoFiles:
        if which not in self._repos:
            reader = self._service.repositories
            try:
                if which == "app":
                    url = reader.app_folder(self._entity)
                    self._repos[which] = reader.read(url, what="application repository")
                else:
                    url = reader.gitops_folder_of(self._entity)
                    self._repos[which] = reader.read(url, what="GitOps repository")
            except RepositoryUnavailableError as exc:
                self._repos[which] = exc
        found = self._repos[which]
        if isinstance(found, RepositoryUnavailableError):
            raise RepositoryUnavailableError(found.message)
        return found

    def entity_exists(self, ref: EntityRef) -> bool:
        return self._service.catalog.find_entity(ref) is not None

    def template_version(self, template_ref: str) -> str | None:
        versions = self._service.versions
        return versions.current_version(template_ref) if versions is not None else None

    @property
    def commit(self) -> str | None:
        app = self._repos.get("app")
        return app.commit if isinstance(app, RepoFiles) else None


class _Queue:
    """Entity refs waiting to be scored, each once, in arrival order."""

    def __init__(self) -> None:
        self._pending: dict[str, None] = {}
        self._condition = threading.Condition()

    def put(self, ref: str) -> None:
        with self._condition:
            self._pending[ref] = None
            self._condition.notify()

    def take(self, timeout: float) -> str | None:
        with self._condition:
            if not self._pending:
                self._condition.wait(timeout)
            if not self._pending:
                return None
            ref = next(iter(self._pending))
            del self._pending[ref]
            return ref

    def wake(self) -> None:
        with self._condition:
            self._condition.notify_all()

    def __len__(self) -> int:
        with self._condition:
            return len(self._pending)


class ScorecardService:
    """Scores catalog entities with the check set and keeps their scorecards."""

    def __init__(
        self,
        *,
        catalog: CatalogService,
        store: ScorecardStore,
        checks: CheckSet,
        repositories: RepositoryReader,
        versions: TemplateVersions | None = None,
        pushed_repo_url: RepoWebUrl | None = None,
    ) -> None:
        self.catalog = catalog
        self.pushed_repo_url = pushed_repo_url
        self.store = store
        self.checks = checks
        self.repositories = repositories
        self.versions = versions
        self.queue = _Queue()
        self.background = False  # a ScorecardWorker takes the queue (else: in line)

    # ---- evaluating -------------------------------------------------------------------

    def score(self, entity: Mapping[str, Any]) -> Scorecard | None:
        """The entity's scorecard now (not stored); None when no check applies to it."""
        checks = self.checks.applicable(entity)
        if not checks:
            return None
        evidence = _Evidence(entity, self)
        results = tuple(check.evaluate(evidence) for check in checks)
        return Scorecard(
            entity_ref=EntityRef.of(entity).key,
            checks=results,
            evaluated_at=now(),
            owner=_owner_of(entity),
            commit=evidence.commit,
        )

    def evaluate(self, ref: str | EntityRef) -> Scorecard | None:
        """Score the entity now and store the result; None (and any stored scorecard
        forgotten) when it left the catalog or no check applies to it."""
        key = ref.key if isinstance(ref, EntityRef) else EntityRef.parse(ref).key
        entity = self.catalog.find_entity(key)
        card = self.score(entity) if entity is not None else None
        if card is None:
            self.store.delete([key])
            return None
        if self.store.save(card):
            log.info("scorecard of %s: %d/%d checks pass", key, card.passed, card.total)
        return card

    def request(self, refs: Iterable[str]) -> None:
        """Score these entities: queued for the worker when one runs, else now."""
        wanted = [ref for ref in refs if ref.partition(":")[0].lower() in self.checks.kinds]
        if self.background:
            for ref in wanted:
                self.queue.put(ref)
            return
        for ref in wanted:
            try:
                self.evaluate(ref)
            except Exception:  # one entity's trouble must not stop the others
                log.exception("scoring %s failed", ref)

    def on_location_refreshed(self, location_id: str, refs: Sequence[str]) -> None:
        """The catalog read a location again: score its entities again."""
        self.request(refs)

    def refs_for_repository(self, repo_url: str) -> list[str]:
        """Scored entities whose application or GitOps repository is the one at ``repo_url``
        (its web URL: folder URLs of its files start with ``<repo_url>/-/``)."""
        prefix = repo_url.rstrip("/") + "/-/"
        found = []
        refs = self.store.all_refs()
        for entity in self.catalog.each_by_ref(refs):
            if entity is None:
                continue
            folders = []
            for locate in (self.repositories.app_folder, self.repositories.gitops_folder_of):
                try:
                    folders.append(locate(entity))
                except RepositoryUnavailableError:
                    continue
            if any(folder.startswith(prefix) for folder in folders):
                found.append(EntityRef.of(entity).key)
        return found

    def on_push(self, push: PushedRepository) -> None:
        """A push moved a repository's default branch: score the components it holds the
        files of (their application or GitOps repository) again."""
        if self.pushed_repo_url is None:
            return
        if not any(update.branch == push.default_branch for update in push.updates):
            return  # a feature branch: what the checks read did not change
        self.request(self.refs_for_repository(self.pushed_repo_url(push.owner, push.repo)))

    def on_merge(self, merged: MergedRequest) -> None:
        """A merge request was merged (its target branch moved without a push): score again
        the component it names and those whose repository it changed."""
        refs = [merged.entity_ref] if merged.entity_ref else []
        if self.pushed_repo_url is not None:
            refs += self.refs_for_repository(self.pushed_repo_url(merged.owner, merged.name))
        self.request(dict.fromkeys(refs))

    # ---- reading ----------------------------------------------------------------------

    def find(self, ref: str | EntityRef) -> Scorecard | None:
        """The entity's stored scorecard, or None (never scores: pages call this)."""
        key = ref.key if isinstance(ref, EntityRef) else EntityRef.parse(ref).key
        return self.store.get(key)

    def applies(self, entity: Mapping[str, Any]) -> bool:
        """Whether any check scores this entity."""
        return bool(self.checks.applicable(entity))

    def get(self, ref: str | EntityRef) -> Scorecard:
        """The entity's stored scorecard, scoring it first when it has none yet."""
        key = ref.key if isinstance(ref, EntityRef) else EntityRef.parse(ref).key
        card = self.store.get(key)
        if card is None:
            card = self.evaluate(key)
        if card is None:
            raise ScorecardNotFoundError(f"{key} has no scorecard: no check applies to it", ref=key)
        return card

    def scorecards(self, *, owner: str | None = None) -> list[Scorecard]:
        """The stored scorecards of entities still in the catalog (of one owner, if given)."""
        owners = {owner_key(owner)} if owner else None
        cards = self.store.latest(owners=owners)
        present: list[Scorecard] = []
        gone: list[str] = []
        entities = self.catalog.each_by_ref(
            [card.entity_ref for card in cards], fields=["kind", "metadata.name"]
        )
        for card, entity in zip(cards, entities, strict=True):
            if entity is None:
                gone.append(card.entity_ref)
            else:
                present.append(card)
        if gone:  # they left the catalog (a location was unregistered): forget them
            self.store.delete(gone)
        return present

    def history(self, ref: str | EntityRef, *, limit: int = 50) -> list[Scorecard]:
        """The entity's past outcomes, newest first."""
        key = ref.key if isinstance(ref, EntityRef) else EntityRef.parse(ref).key
        return self.store.history(key, limit=limit)

    def rollup(self, *, owner: str | None = None) -> list[TeamRollup]:
        """Per owner: components, mean score, most failed checks."""
        return rollup(self.scorecards(owner=owner))


class ScorecardWorker:
    """The background thread that scores queued entities (a BackgroundService)."""

    def __init__(self, service: ScorecardService) -> None:
        self.service = service
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start taking the queue; refreshes from now on queue instead of scoring in line."""
        if self._thread is not None:
            return
        self._stop.clear()
        self.service.background = True
        self._thread = threading.Thread(target=self._loop, name="scorecards", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._stop.is_set():
            ref = self.service.queue.take(timeout=1.0)
            if ref is None:
                continue
            try:
                self.service.evaluate(ref)
            except Exception:  # the worker must outlive any one entity's trouble
                log.exception("scoring %s failed", ref)

    def stop(self) -> None:
        """Stop after the evaluation in progress; later refreshes score in line again."""
        self._stop.set()
        self.service.queue.wake()
        if self._thread is not None:
            self._thread.join(timeout=60)
            self._thread = None
        self.service.background = False
