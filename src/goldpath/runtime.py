"""Runtime: the services built once from Settings, shared by the web app and the CLI.

Each package contributes its service as a cached property here, so there is exactly
one place that decides how the parts are wired together.
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Protocol

from goldpath.config import Settings
from goldpath.db import Database

if TYPE_CHECKING:
    from goldpath.catalog import CatalogService
    from goldpath.live import LiveService
    from goldpath.permissions import PermissionService
    from goldpath.providers.git import GitHosts
    from goldpath.scaffolder import ScaffolderService
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
    """Owns the database and every service; ``start()`` migrates and starts loops."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._background: list[BackgroundService] = []
        self._started = False

    @cached_property
    def database(self) -> Database:
        """The one database of this process."""
        self.settings.home.mkdir(parents=True, exist_ok=True)
        return Database(self.settings.resolved_database_url)

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
        self.add_background(
            RefreshLoop(
                catalog,
                interval_seconds=self.settings.catalog.refresh_interval_seconds,
                enabled=self.settings.catalog.refresh_enabled,
            )
        )
        return catalog

    @cached_property
    def git_hosts(self) -> GitHosts:
        """Git hosts: GitLab/GitHub integrations, and the local host (bare repos)."""
        from goldpath.providers.git import GitHosts

        return GitHosts(self.settings)

    @cached_property
    def scaffolder(self) -> ScaffolderService:
        """The scaffolder; its task workers run as a background service."""
        from goldpath.scaffolder import ScaffolderService, TaskWorkers

        scaffolder = ScaffolderService(database=self.database, settings=self.settings, runtime=self)
        self.add_background(TaskWorkers(scaffolder))
        return scaffolder

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
            AuditPruner(
                service.audit, retention_days=self.settings.permission.audit_retention_days
            )
        )
        return service

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

    def prepare(self) -> None:
        """Create the home folder, apply migrations and remove temporary folders that dead
        processes left; safe to call more than once."""
        from goldpath.scratch import sweep

        self.settings.home.mkdir(parents=True, exist_ok=True)
        # git/.tmp, git/.trash, techdocs/scratch: where earlier versions kept scratch work
        git_root = self.settings.git_root
        sweep(
            self.settings.tmp_root,
            extra=(
                git_root / ".tmp",
                git_root / ".trash",
                self.settings.home / "techdocs" / "scratch",
            ),
        )
        self.database.migrate()

    def add_background(self, service: BackgroundService) -> None:
        """Register a loop to start with ``start()`` and stop with ``stop()``."""
        self._background.append(service)
        if self._started:
            service.start()

    def start(self) -> None:
        """Prepare the database and start every background loop."""
        self.prepare()
        _ = self.catalog  # registers the catalog's refresh loop before loops start
        _ = self.techdocs  # listens to catalog refreshes before the first one runs
        self.scaffolder.register_builtin_templates()  # also registers the task workers
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
        self._started = False
        if "database" in self.__dict__:
            self.database.dispose()
