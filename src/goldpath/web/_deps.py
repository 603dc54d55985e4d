"""FastAPI dependencies: the web app's edge of the composition root.

A route names what it uses in its signature (``catalog: CatalogDep``); only this module
knows that the parts come from the app's ``Runtime``. Tests override a dependency with
``app.dependency_overrides[catalog_service] = ...``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from starlette.requests import HTTPConnection

from goldpath.catalog import CatalogService
from goldpath.config import Settings
from goldpath.db import Database
from goldpath.gitserver import GitServer
from goldpath.live import LiveService
from goldpath.mergerequests import MergeRequestService
from goldpath.permissions import PermissionService
from goldpath.promotions import PromotionService
from goldpath.providers.git import GitHosts
from goldpath.scaffolder import (
    ActionRegistry,
    DryRunner,
    TaskCreator,
    TaskFeed,
    TaskStore,
    Templates,
)
from goldpath.scorecards import ScorecardService
from goldpath.techdocs import TechDocsService

if TYPE_CHECKING:
    from goldpath.runtime import Runtime

__all__ = [
    "ActionsDep",
    "CatalogDep",
    "DatabaseDep",
    "DryRunnerDep",
    "GitHostsDep",
    "LiveDep",
    "MergeRequestsDep",
    "PermissionsDep",
    "ScorecardsDep",
    "SettingsDep",
    "TaskCreatorDep",
    "TaskFeedDep",
    "TaskStoreDep",
    "TechDocsDep",
    "TemplatesDep",
    "action_registry",
    "catalog_service",
    "database",
    "dry_runner",
    "git_hosts",
    "git_server",
    "live_service",
    "merge_request_service",
    "permission_service",
    "scorecard_service",
    "promotion_service",
    "settings_of",
    "task_creator",
    "task_feed",
    "task_store",
    "techdocs_service",
    "templates",
]


def _root(connection: HTTPConnection) -> Runtime:
    root: Runtime = connection.app.state.runtime
    return root


def settings_of(request: Request) -> Settings:
    """The Settings the app was built with."""
    return _root(request).settings


def database(request: Request) -> Database:
    """The app's database."""
    return _root(request).database


def catalog_service(request: Request) -> CatalogService:
    """The software catalog."""
    return _root(request).catalog


def git_hosts(request: Request) -> GitHosts:
    """The git hosts (integrations and the local host)."""
    return _root(request).git_hosts


def git_server(request: Request) -> GitServer:
    """Pushes to the local git host: decisions, ref rules, the push log, listeners."""
    return _root(request).git_server


def action_registry(request: Request) -> ActionRegistry:
    """Every registered scaffolder action."""
    return _root(request).actions


def templates(request: Request) -> Templates:
    """The catalog's Template entities, parsed."""
    return _root(request).templates


def task_creator(request: Request) -> TaskCreator:
    """Creates (validates, reserves, queues) scaffolder tasks."""
    return _root(request).task_creator


def task_store(request: Request) -> TaskStore:
    """Scaffolder tasks and their events."""
    return _root(request).task_store


def task_feed(request: Request) -> TaskFeed:
    """A task's events, pushed as they happen."""
    return _root(request).task_feed


def permission_service(connection: HTTPConnection) -> PermissionService:
    """Who may do what, and the audit log."""
    return _root(connection).permissions


def live_service(request: Request) -> LiveService:
    """Components' live status and the local runner."""
    return _root(request).live


def merge_request_service(request: Request) -> MergeRequestService:
    """The merge-request store."""
    return _root(request).merge_requests


def techdocs_service(request: Request) -> TechDocsService:
    """TechDocs: builds, storage, docs search."""
    return _root(request).techdocs


def scorecard_service(request: Request) -> ScorecardService:
    """Components' scorecards."""
    return _root(request).scorecards


def dry_runner(request: Request) -> DryRunner:
    """Dry runs and previews."""
    return _root(request).dry_runner


def promotion_service(connection: HTTPConnection) -> PromotionService:
    """Promotions between environments, with their approvals."""
    return _root(connection).promotions


SettingsDep = Annotated[Settings, Depends(settings_of)]
DatabaseDep = Annotated[Database, Depends(database)]
CatalogDep = Annotated[CatalogService, Depends(catalog_service)]
GitHostsDep = Annotated[GitHosts, Depends(git_hosts)]
ActionsDep = Annotated[ActionRegistry, Depends(action_registry)]
TemplatesDep = Annotated[Templates, Depends(templates)]
TaskCreatorDep = Annotated[TaskCreator, Depends(task_creator)]
TaskStoreDep = Annotated[TaskStore, Depends(task_store)]
TaskFeedDep = Annotated[TaskFeed, Depends(task_feed)]
DryRunnerDep = Annotated[DryRunner, Depends(dry_runner)]
TechDocsDep = Annotated[TechDocsService, Depends(techdocs_service)]
LiveDep = Annotated[LiveService, Depends(live_service)]
MergeRequestsDep = Annotated[MergeRequestService, Depends(merge_request_service)]
PermissionsDep = Annotated[PermissionService, Depends(permission_service)]
ScorecardsDep = Annotated[ScorecardService, Depends(scorecard_service)]
