"""The composition root: every service built once from Settings and handed its dependencies.

This is the one place that knows how the parts fit together. It builds the database,
the git hosts, the AWS clients and the catalog, makes the scaffolder's actions from
them (each action factory is handed what it uses), and wires the scaffolder's parts
(templates, task creation, execution, recovery, workers) from those. The web app and
the CLI take the parts they need from here and pass them on; nothing else looks a
dependency up on this object (``tests/test_architecture.py`` holds every module to that).

Each part is built on first use (a cached property), so a CLI command that only reads
the catalog never imports the scaffolder, and portal start-up stays fast.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from goldpath.config import Settings
from goldpath.db import Database

if TYPE_CHECKING:
    from goldpath.catalog import CatalogService
    from goldpath.fleet import FleetService
    from goldpath.gitserver import GitServer, Push, PushListeners
    from goldpath.live import LiveService
    from goldpath.mergerequests import MergeRequest, MergeRequestService
    from goldpath.permissions import PermissionService
    from goldpath.promotions import PromotionService
    from goldpath.providers import AwsClients
    from goldpath.providers.git import GitHosts
    from goldpath.scaffolder import (
        ActionProvider,
        ActionRegistry,
        DryRunner,
        PostgresTaskRelay,
        TaskBroker,
        TaskCreator,
        TaskExecutor,
        TaskFeed,
        TaskRecovery,
        TaskStore,
        TaskWorkers,
        Templates,
    )
    from goldpath.scorecards import ScorecardService
    from goldpath.techdocs import TechDocsService

__all__ = ["BackgroundService", "Runtime"]

log = logging.getLogger(__name__)


class BackgroundService(Protocol):
    """Something with a loop that runs while the portal runs (refresh, task workers)."""

    def start(self) -> None:
        """Start the loop in the background."""

    def stop(self) -> None:
        """Stop the loop and wait for it."""


class Runtime:
    """Owns the database and every service; ``start()`` migrates and starts loops.

    ``action_providers`` replaces the action providers the registry is built from (the
    built-ins and installed plugins by default); a test adds its own actions this way,
    and a second process given the same providers can run the first one's persisted undo.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        action_providers: Iterable[str | ActionProvider] | None = None,
    ) -> None:
        self.settings = settings
        self._action_providers = tuple(action_providers) if action_providers is not None else None
        self._background: list[BackgroundService] = []
        self._started = False

    # -- external systems -------------------------------------------------------------------

    @cached_property
    def database(self) -> Database:
        """The one database of this process."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return Database(self.settings.resolved_database_url)

    @cached_property
    def git_hosts(self) -> GitHosts:
        """Git hosts: GitLab/GitHub integrations, and the local host (bare repos)."""
        from goldpath.providers.git import GitHosts

        return GitHosts(self.settings)

    @cached_property
    def aws(self) -> AwsClients:
        """AWS clients for the platform's region (made on first use; moto in tests)."""
        from goldpath.providers import AwsClients

        return AwsClients(
            region=self.settings.platform.aws_region, endpoint_url=self.settings.aws_endpoint_url
        )

    # -- catalog ----------------------------------------------------------------------------

    @cached_property
    def catalog(self) -> CatalogService:
        """The software catalog; its refresh loop runs as a background service."""
        from goldpath.catalog import CatalogService, ReadingPolicy, RefreshLoop
        from goldpath.demo import DEMO_LOCATION
        from goldpath.templates import TEMPLATES_DIR

        # goldpath's own files (built-in templates, demo data) are always readable
        policy = ReadingPolicy.from_settings(
            self.settings, extra_roots=(TEMPLATES_DIR, DEMO_LOCATION.parent)
        )
        catalog = CatalogService(
            self.database, self.settings, readers=self.git_hosts.url_readers(), policy=policy
        )
        if self.settings.scorecards.enabled:
            # built on the first refresh, so a command that never refreshes never loads it
            catalog.add_refresh_listener(self._score_refreshed)
        self.add_background(
            RefreshLoop(
                catalog,
                interval_seconds=self.settings.catalog.refresh_interval_seconds,
                enabled=self.settings.catalog.refresh_enabled,
            )
        )
        if self.database.is_postgresql:
            # other replicas' changes drop what this one cached from the catalog
            from goldpath.catalog import CatalogChangeListener

            self.add_background(CatalogChangeListener(catalog))
        return catalog

    # -- git pushes -------------------------------------------------------------------------

    @cached_property
    def push_listeners(self) -> PushListeners:
        """The push-listener seam: who reacts after a push to the local git host is accepted.

        The git server (``web/api/git.py``) calls ``push_listeners.notify(push)`` once per
        accepted push, after the refs moved and the push was recorded, off the request's
        event loop; each listener gets a ``goldpath.gitserver.Push`` (who, repository, the
        refs that moved, old -> new). Subscribe here, one line per reaction:
        ``listeners.add(service.on_push, name="fleet")`` (fleet re-evaluating upgrades,
        scorecards re-scoring a component). A listener that raises is logged; the others
        still run and the push stands.
        """
        from goldpath.gitserver import CatalogFollower, PushListeners

        listeners = PushListeners()
        # the catalog re-reads, at once, every location whose files the push changed
        listeners.add(CatalogFollower(self.catalog, self.git_hosts.local).on_push, name="catalog")
        if self.settings.scorecards.enabled:
            # a push to a component's app or GitOps repository scores it again
            listeners.add(self._score_pushed, name="scorecards")
        return listeners

    @cached_property
    def git_server(self) -> GitServer:
        """Pushes to the local git host: who may push where, the ref rules, the push log;
        tells ``push_listeners`` about every accepted push."""
        from goldpath.gitserver import GitServer, PushLog

        return GitServer(
            host=self.git_hosts.local,
            catalog=self.catalog,
            permissions=self.permissions,
            log=PushLog(self.database),
            listeners=self.push_listeners,
            gitops_group=self.settings.platform.gitops_group,
            hooks_dir=self.settings.home / "git-hooks",
        )

    # -- scaffolder -------------------------------------------------------------------------

    @cached_property
    def actions(self) -> ActionRegistry:
        """Every action, each made by its factory from the dependencies it names."""
        from goldpath.scaffolder import ACTION_PROVIDERS, ActionDeps, ActionRegistry

        deps = ActionDeps(
            settings=self.settings,
            git_hosts=self.git_hosts,
            catalog=self.catalog,
            aws=self.aws,
            database=self.database,
        )
        providers = (
            self._action_providers if self._action_providers is not None else ACTION_PROVIDERS
        )
        return ActionRegistry.from_providers(deps, providers)

    @cached_property
    def templates(self) -> Templates:
        """Template entities of the catalog, parsed and checked against the actions."""
        from goldpath.scaffolder import Templates

        return Templates(self.catalog, self.actions)

    @cached_property
    def broker(self) -> TaskBroker:
        """Pushes committed task events to subscribers; wakes idle workers.

        On PostgreSQL ``task_relay`` carries other replicas' events and queued tasks into
        it through ``LISTEN``/``NOTIFY``.
        """
        from goldpath.scaffolder import TaskBroker

        return TaskBroker()

    @cached_property
    def task_relay(self) -> PostgresTaskRelay:
        """``LISTEN``s for other replicas' task events (on PostgreSQL ``start`` runs it)."""
        from goldpath.scaffolder import PostgresTaskRelay

        return PostgresTaskRelay(database=self.database, store=self.task_store, broker=self.broker)

    @cached_property
    def task_store(self) -> TaskStore:
        """Tasks, their steps, undo records and events; publishes events to the broker."""
        from goldpath.scaffolder import TaskStore

        return TaskStore(self.database, broker=self.broker)

    @cached_property
    def task_feed(self) -> TaskFeed:
        """A task's events so far, then each new one as it is pushed (SSE, the CLI)."""
        from goldpath.scaffolder import TaskFeed

        return TaskFeed(self.task_store, self.broker)

    @cached_property
    def task_creator(self) -> TaskCreator:
        """Validates values, checks and reserves names, and queues tasks."""
        from goldpath.scaffolder import NameOwners, TaskCreator

        names = NameOwners(
            catalog=self.catalog,
            hosts=self.git_hosts,
            registry=self.actions,
            settings=self.settings,
        )
        return TaskCreator(
            templates=self.templates, store=self.task_store, names=names, catalog=self.catalog
        )

    @cached_property
    def task_executor(self) -> TaskExecutor:
        """Runs claimed tasks with the registry's actions."""
        from goldpath.scaffolder import TaskExecutor

        return TaskExecutor(store=self.task_store, registry=self.actions, settings=self.settings)

    @cached_property
    def task_recovery(self) -> TaskRecovery:
        """Rolls back tasks whose worker died, from their persisted undo records."""
        from goldpath.scaffolder import TaskRecovery

        return TaskRecovery(store=self.task_store, registry=self.actions, settings=self.settings)

    @cached_property
    def task_workers(self) -> TaskWorkers:
        """The in-process worker threads; they run as a background service."""
        from goldpath.scaffolder import TaskWorkers

        workers = TaskWorkers(
            executor=self.task_executor,
            recovery=self.task_recovery,
            settings=self.settings,
            broker=self.broker,
        )
        self.add_background(workers)
        return workers

    @cached_property
    def dry_runner(self) -> DryRunner:
        """Dry runs (``POST /dry-run``) and the Create form's Preview."""
        from goldpath.scaffolder import DryRunner

        return DryRunner(registry=self.actions, settings=self.settings, templates=self.templates)

    # -- merge requests ---------------------------------------------------------------------

    @cached_property
    def merge_requests(self) -> MergeRequestService:
        """Merge requests: goldpath's own on the local git host, GitLab's mirrored."""
        from goldpath.mergerequests import MergeRequestService

        service = MergeRequestService(self.database, self.git_hosts)
        if self.settings.scorecards.enabled:
            # a merge moves a branch without a push: the merged component is scored again
            service.add_merge_listener(self._score_merged)
        return service

    @cached_property
    def fleet(self) -> FleetService:
        """The fleet: which template version made each repository, status and upgrades."""
        from goldpath.fleet import FleetService, TemplateSnapshots

        return FleetService(
            catalog=self.catalog,
            templates=self.templates,
            dry_runner=self.dry_runner,
            hosts=self.git_hosts,
            merge_requests=self.merge_requests,
            snapshots=TemplateSnapshots(self.database),
            settings=self.settings,
        )

    # -- techdocs ---------------------------------------------------------------------------

    @cached_property
    def permissions(self) -> PermissionService:
        """Who may do what (policy file + catalog defaults) and the audit log; its pruning
        runs as a background service. An invalid policy file fails here, at start."""
        from goldpath.permissions import (
            AuditLog,
            AuditPruner,
            CatalogDirectory,
            PermissionService,
            load_policy,
        )

        service = PermissionService(
            policy=load_policy(self.settings),
            directory=CatalogDirectory(self.catalog),
            audit=AuditLog(self.database),
        )
        self.add_background(
            AuditPruner(service.audit, retention_days=self.settings.permission.audit_retention_days)
        )
        return service

    @cached_property
    def promotions(self) -> PromotionService:
        """Promotions dev -> staging -> prod: merge requests on GitOps repos plus approvals."""
        from goldpath.promotions import PromotionService

        return PromotionService(
            database=self.database,
            settings=self.settings,
            catalog=self.catalog,
            git_hosts=self.git_hosts,
            merge_requests=self.merge_requests,
            permissions=self.permissions,
        )

    @cached_property
    def live(self) -> LiveService:
        """Components' live status; in development also the local runner and its Prometheus
        (a background service: it stops the runs this process started when it stops)."""
        from goldpath.live import LiveService, LocalPrometheus, LocalRunner

        live = self.settings.live
        prometheus: LocalPrometheus | None = None
        runner: LocalRunner | None = None
        if not self.settings.is_production:
            prometheus = LocalPrometheus(
                self.settings.run_root,
                binary=live.prometheus_binary,
                scrape_interval_seconds=live.scrape_interval_seconds,
                retention=live.prometheus_retention,
            )
            runner = LocalRunner(self.settings, self.git_hosts.local, prometheus=prometheus)
            self.add_background(runner)
        return LiveService(self.settings, self.git_hosts, runner=runner, prometheus=prometheus)

    @cached_property
    def techdocs(self) -> TechDocsService:
        """TechDocs; its build workers run as a background service, fed by catalog refreshes."""
        from goldpath import techdocs as td
        from goldpath.scratch import process_scratch

        config = self.settings.techdocs
        pool = td.SandboxPool()
        service = td.TechDocsService(
            database=self.database,
            catalog=self.catalog,
            reader=td.CatalogSourceReader(
                self.git_hosts.url_readers(),
                max_bytes=config.max_source_bytes,
                pinners=[self.git_hosts.local],
            ),
            storage=td.storage_from_settings(self.settings),
            builder=td.Builder(
                td.BuildPolicy.from_settings(config),
                # in this process's scratch under <home>/tmp: swept if the process dies
                scratch=process_scratch(self.settings.tmp_root) / "techdocs",
                pool=pool,
            ),
        )
        if config.enabled:
            self.catalog.add_refresh_listener(service.on_location_refreshed)
        self.add_background(td.TechDocsWorkers(service, count=config.workers, pool=pool))
        return service

    # -- scorecards --------------------------------------------------------------------------

    @cached_property
    def scorecards(self) -> ScorecardService:
        """Scorecards: the checks (shipped + ``scorecards.check_files``) scored against each
        component's entity and repositories; its worker runs as a background service. An
        invalid checks file fails here, at start."""
        from goldpath.errors import GoldpathError
        from goldpath.scorecards import (
            CachedTemplateVersions,
            RepositoryReader,
            ScorecardService,
            ScorecardStore,
            ScorecardWorker,
            load_check_set,
        )

        config = self.settings.scorecards
        hosts = self.git_hosts
        gitops_group = self.settings.platform.gitops_group

        def gitops_folder(app_name: str) -> str:
            # gitops:publish makes <gitops_group>/<name> on the platform's host, branch main
            return hosts.platform_host().contents_url(gitops_group, app_name, "main")

        def template_version(template_ref: str) -> str | None:
            # the fleet's digest of the template and its files, as answers files record it
            try:
                return self.fleet.current_version(self.templates.get(template_ref)).digest
            except GoldpathError:
                return None

        service = ScorecardService(
            catalog=self.catalog,
            store=ScorecardStore(self.database),
            checks=load_check_set(config.check_files, disabled=config.disabled_checks),
            repositories=RepositoryReader(hosts.url_readers(), gitops_folder=gitops_folder),
            versions=CachedTemplateVersions(template_version),
            pushed_repo_url=hosts.local.web_url,  # pushes arrive at the local git host
        )
        self.add_background(ScorecardWorker(service))
        return service

    def _score_refreshed(self, location_id: str, refs: Sequence[str]) -> None:
        self.scorecards.on_location_refreshed(location_id, refs)

    def _score_pushed(self, push: Push) -> None:
        self.scorecards.on_push(push)

    def _score_merged(self, merged: MergeRequest) -> None:
        self.scorecards.on_merge(merged)

    # -- lifecycle --------------------------------------------------------------------------

    def prepare(self) -> None:
        """Create the home folder, apply migrations and remove temporary folders that dead
        processes left; safe to call more than once."""
        from goldpath.scratch import sweep, sweep_memory

        self.settings.home.mkdir(parents=True, exist_ok=True)
        # git/.tmp, git/.trash, techdocs/scratch, workspaces: where earlier versions kept
        # scratch work
        git_root = self.settings.git_root
        sweep(
            self.settings.tmp_root,
            extra=(
                git_root / ".tmp",
                git_root / ".trash",
                self.settings.home / "techdocs" / "scratch",
                self.settings.home / "workspaces",
            ),
        )
        scratch_root = self.settings.scratch_root
        if scratch_root != self.settings.tmp_root:  # memory-backed: every home's, beside it
            sweep_memory(scratch_root)
        self.database.migrate()

    def add_background(self, service: BackgroundService) -> None:
        """Register a loop to start with ``start()`` and stop with ``stop()``."""
        self._background.append(service)
        if self._started:
            service.start()

    def start(self) -> None:
        """Prepare the database and start every background loop."""
        from goldpath.gitops import configure_warm_pool

        self.prepare()
        configure_warm_pool(self.settings.gitops.validator_pool)
        _ = self.catalog  # registers the catalog's refresh loop before loops start
        _ = self.techdocs  # listens to catalog refreshes before the first one runs
        # loads the checks (refusing a bad file); refreshes from here on queue for its worker
        self.scorecards.background = True
        self.templates.register_builtin()
        if self.database.is_postgresql:
            self.add_background(self.task_relay)
        _ = self.task_workers  # registers the task workers
        _ = self.permissions  # loads the policy (refusing a bad one) and registers pruning
        _ = self.live  # registers the local runner: reaps orphans now, stops its runs at exit
        self._started = True
        for service in self._background:
            service.start()

    def stop(self) -> None:
        """Stop background loops (in reverse order) and close the database."""
        for service in reversed(self._background):
            try:
                service.stop()
            except Exception:  # one loop failing to stop must not keep others running
                log.exception("background service %r failed to stop", service)
        if self._started:
            from goldpath.gitops import configure_warm_pool

            configure_warm_pool(None)  # the parked validators were this runtime's
        self._started = False
        if "database" in self.__dict__:
            self.database.dispose()
