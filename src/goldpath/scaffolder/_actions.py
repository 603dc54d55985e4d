"""Actions as values, the context a handler runs in, and the registry that refuses loudly.

An action is Backstage's ``createTemplateAction`` in Python: a namespaced id, a typed
input model (Backstage's input names, camelCase through aliases), an optional output
model, whether it can run in a dry run, a synchronous handler, and the named undo
handlers it may register. What an action talks to (git hosts, the catalog, settings)
is handed to the factory that makes it, the way Backstage builds
``createPublishGitlabAction({ integrations, config })``; handlers and undo handlers
close over those dependencies and never look one up at run time.

Undo records are persisted, so a task left behind by a dead worker can be rolled back
by another process: a handler records ``ctx.on_rollback(description, kind=..., params=...)``
where ``kind`` names one of its action's ``undo`` handlers and ``params`` is JSON data.
The other process builds the same registry from the composition root, so the undo
handler it finds there has the same dependencies. A plain callable
(``ctx.on_rollback(description, lambda: ...)``) works too, but only the process that
recorded it can run it.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel, ConfigDict, ValidationError

from goldpath.errors import FieldError
from goldpath.scaffolder._template import TemplateInfo
from goldpath.scaffolder.errors import (
    ActionExistsError,
    ActionInputError,
    ActionNotFoundError,
    TaskCancelledError,
)

if TYPE_CHECKING:
    from goldpath.catalog import CatalogService
    from goldpath.config import Settings
    from goldpath.db import Database
    from goldpath.providers import AwsClients
    from goldpath.providers.git import GitHosts

__all__ = [
    "ACTION_PROVIDERS",
    "Action",
    "ActionContext",
    "ActionDeps",
    "ActionInput",
    "ActionProvider",
    "ActionRegistry",
    "IdentityLike",
    "Preparation",
    "RepoPlanner",
    "TaskIdentity",
    "UndoEnv",
    "UndoHandler",
    "UndoRecord",
]

log = logging.getLogger(__name__)

ACTION_ID = re.compile(r"^[a-z0-9][a-zA-Z0-9_-]*(:[a-zA-Z0-9_-]+)+$")

# Provider functions ("module:function") that make a tuple of actions from ActionDeps,
# loaded by ``ActionRegistry.from_providers``; the built-ins register exactly like plugins.
ACTION_PROVIDERS: tuple[str, ...] = (
    "goldpath.scaffolder.actions:builtin_actions",
    "goldpath.scaffolder.actions._publish:publish_actions",
    "goldpath.scaffolder.actions._provision:provision_actions",
    "goldpath.scaffolder.actions._gitlab:gitlab_actions",
    "goldpath.fleet._actions:fleet_actions",
)


class ActionInput(BaseModel):
    """Base for action input models: Backstage's camelCase names through aliases."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", frozen=True)


class IdentityLike(Protocol):
    """Who runs a task: the web layer's Identity or a stored TaskIdentity."""

    @property
    def user_ref(self) -> str:
        """The user's entity ref (``user:default/guest``)."""

    @property
    def entity(self) -> dict[str, Any] | None:
        """The user's catalog entity, when there is one."""


@dataclass(frozen=True, slots=True)
class TaskIdentity:
    """The identity a task was created by, as stored with the task."""

    user_ref: str
    entity: dict[str, Any] | None = None
    display_name: str | None = None


@dataclass(frozen=True, slots=True)
class UndoEnv:
    """What an undo handler gets besides its params: the task it belongs to and a log."""

    task_id: str
    log: Callable[[str], None]


UndoHandler = Callable[[UndoEnv, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class UndoRecord:
    """A serialisable description of one undo: which action, which undo kind, what params."""

    action_id: str
    step_id: str
    description: str
    kind: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def persistable(self) -> bool:
        """True when another process can run this undo (it names an action's undo kind)."""
        return self.kind is not None

    def as_dict(self) -> dict[str, Any]:
        """JSON data for the task store."""
        return {
            "actionId": self.action_id,
            "stepId": self.step_id,
            "description": self.description,
            "kind": self.kind,
            "params": self.params,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> UndoRecord:
        """The inverse of ``as_dict``."""
        return cls(
            action_id=str(data["actionId"]),
            step_id=str(data.get("stepId", "")),
            description=str(data.get("description", "")),
            kind=data.get("kind"),
            params=dict(data.get("params") or {}),
        )


@dataclass(frozen=True, slots=True)
class Preparation:
    """The part of an action's work that can begin ahead of its step.

    ``ignores`` are the inputs the work does not read (each in every spelling a template
    may use: alias and field name). Every other input of the step must render from the
    parameters alone for the work to begin early: ``begin(values)`` gets those inputs
    rendered and returns a context manager whose value the handler finds through
    ``ctx.prepared()``, and the step's own rendered input must still have exactly those
    values for it to be used. Naming what is *not* read keeps an input nobody listed on
    the safe side. ``begin`` runs on a thread of its own, may raise (the step then works
    without it), and must do nothing visible outside this process before the step runs:
    leaving the context undoes all of it.
    """

    ignores: tuple[str, ...]
    begin: Callable[[Mapping[str, Any]], AbstractContextManager[Any]]


RepoPlanner = Callable[[Callable[[str], Any]], "str | None"]
"""``input -> repoUrl`` of the repository a step will create (see Action)."""


@dataclass(frozen=True, slots=True)
class ActionDeps:
    """What the composition root hands an action provider, which passes each factory its part.

    A provider is a function ``(deps) -> tuple[Action, ...]``:
    ``return (publish_gitlab(deps.git_hosts), catalog_register(deps.catalog))``.
    """

    settings: Settings
    git_hosts: GitHosts
    catalog: CatalogService
    aws: AwsClients
    database: Database | None = None  # the fleet's template snapshots live there


ActionProvider = Callable[[ActionDeps], "Iterable[Action]"]
"""A function that makes actions from their dependencies (``builtin_actions``)."""


@dataclass(frozen=True)
class Action:
    """One scaffolder action: id, typed input/output, dry-run support, handler, undo kinds.

    ``creates_repo`` names the repository a step of this action will create, as a repoUrl
    (``host?owner=o&repo=r``), from its input before the run: ``input(name)`` renders one
    input value (raising when it depends on earlier steps). Templates that reserve a name
    are refused up front when that repository exists already. ``prepare`` is the part of
    its work a step may begin at the task's start (see `Preparation`).
    """

    id: str
    description: str
    input: type[BaseModel]
    handler: Callable[[ActionContext, Any], None]
    output: type[BaseModel] | None = None
    supports_dry_run: bool = False
    undo: Mapping[str, UndoHandler] = field(default_factory=dict)
    creates_repo: RepoPlanner | None = None
    prepare: Preparation | None = None

    def __post_init__(self) -> None:
        if not ACTION_ID.match(self.id):
            raise ValueError(f"action id {self.id!r} must be namespaced like 'fetch:template'")

    def unknown_inputs(self, raw: Mapping[str, Any]) -> list[str]:
        """Input names the model does not declare (Backstage ignores them; we do, aloud)."""
        if self.input.model_config.get("extra") != "forbid":
            return []
        known: set[str] = set()
        for name, info in self.input.model_fields.items():
            known.add(name)
            if info.alias:
                known.add(info.alias)
        return sorted(key for key in raw if key not in known)

    def parse_input(self, raw: Mapping[str, Any]) -> BaseModel:
        """Validate rendered input; every problem is reported with its field."""
        try:
            return self.input.model_validate(dict(raw))
        except ValidationError as exc:
            errors = [
                FieldError(
                    field="input." + ".".join(str(p) for p in err["loc"])
                    if err["loc"]
                    else "input",
                    rule=err["type"],
                    message=err["msg"],
                )
                for err in exc.errors()
            ]
            raise ActionInputError(
                f"invalid input for action {self.id}", errors=errors, action=self.id
            ) from None

    def schema(self) -> dict[str, Any]:
        """Backstage's action description: id, description, schema.input/output."""
        schema: dict[str, Any] = {"input": self.input.model_json_schema(by_alias=True)}
        if self.output is not None:
            schema["output"] = self.output.model_json_schema(by_alias=True)
        return {
            "id": self.id,
            "description": self.description,
            "schema": schema,
            "supportsDryRun": self.supports_dry_run,
        }


class ActionContext:
    """What a handler sees: workspace, log, outputs, undo recording, dry run, identity."""

    def __init__(
        self,
        *,
        action: Action,
        step_id: str,
        workspace: Path,
        task_id: str,
        dry_run: bool = False,
        secrets: Mapping[str, str] | None = None,
        identity: IdentityLike | None = None,
        template_info: TemplateInfo | None = None,
        logger: Callable[[str], None] | None = None,
        record_undo: Callable[[UndoRecord, Callable[[], None]], None] | None = None,
        is_cancelled: Callable[[], bool] | None = None,
        prepared: Callable[[], Any] | None = None,
    ) -> None:
        self.action = action
        self.step_id = step_id
        self.workspace = workspace
        self.task_id = task_id
        self.dry_run = dry_run
        self.secrets: Mapping[str, str] = dict(secrets or {})
        self.identity = identity
        self.template_info = template_info or TemplateInfo(entity_ref="")
        self._logger = logger or (lambda message: log.info("%s: %s", step_id, message))
        self._record_undo = record_undo
        self._is_cancelled = is_cancelled or (lambda: False)
        self._prepared = prepared or (lambda: None)
        self.outputs: dict[str, Any] = {}
        self.undo_records: list[UndoRecord] = []

    def log(self, message: str) -> None:
        """Append a line to the task's log (secrets are redacted when it is written)."""
        self._logger(message)

    def prepared(self) -> Any:
        """What this action's `Preparation` began ahead for this very input (waiting for
        it to be ready), or None: not prepared, begun for other values, or failed."""
        return self._prepared()

    def output(self, name: str, value: Any) -> None:
        """Set one of this step's outputs (``steps.<id>.output.<name>``)."""
        self.outputs[name] = value

    def on_rollback(
        self,
        description: str,
        undo: Callable[[], None] | None = None,
        *,
        kind: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        """Record how to undo a side effect; call it before the handler returns.

        Prefer ``kind`` + ``params`` (one of the action's ``undo`` handlers and JSON
        data): that record survives a worker crash. A bare callable is run only by
        this process.
        """
        if kind is not None:
            handler = self.action.undo.get(kind)
            if handler is None:
                raise ValueError(f"action {self.action.id} has no undo kind {kind!r}")
        elif undo is None:
            raise ValueError("on_rollback needs an undo callable or an undo kind")
        record = UndoRecord(
            action_id=self.action.id,
            step_id=self.step_id,
            description=description,
            kind=kind,
            params=dict(params or {}),
        )
        if undo is None:
            bound_params = dict(params or {})
            bound_handler = self.action.undo[kind]  # type: ignore[index]

            def undo() -> None:
                bound_handler(UndoEnv(self.task_id, self.log), bound_params)

        self.undo_records.append(record)
        if self._record_undo is not None:
            self._record_undo(record, undo)

    @property
    def is_cancelled(self) -> bool:
        """Whether the task has been asked to stop."""
        return self._is_cancelled()

    def check_cancelled(self) -> None:
        """Raise TaskCancelledError when the task has been cancelled (call between side effects)."""
        if self._is_cancelled():
            raise TaskCancelledError("task was cancelled", task_id=self.task_id)


class ActionRegistry:
    """Every action by id; duplicates and unknown ids raise, ``get`` never returns None."""

    def __init__(self, actions: Iterable[Action] = ()) -> None:
        self._actions: dict[str, Action] = {}
        for action in actions:
            self.register(action)

    @classmethod
    def from_providers(
        cls, deps: ActionDeps, providers: Iterable[str | ActionProvider] = ACTION_PROVIDERS
    ) -> ActionRegistry:
        """A registry with every provider's actions, each made from ``deps``.

        A provider is a function or its ``"module:function"`` name; a named module
        that is not installed contributes nothing (an optional plugin).
        """
        registry = cls()
        for provider in providers:
            registry.load(provider, deps)
        return registry

    def load(self, provider: str | ActionProvider, deps: ActionDeps) -> int:
        """Register the actions a provider makes from ``deps``; absent modules count 0."""
        if isinstance(provider, str):
            module_name, _, attribute = provider.partition(":")
            try:
                module = importlib.import_module(module_name)
            except ModuleNotFoundError as exc:
                if exc.name == module_name:
                    log.debug("action provider %s is not installed", module_name)
                    return 0
                raise
            provider = getattr(module, attribute)
            if not callable(provider):
                raise TypeError(f"action provider {module_name}:{attribute} is not a function")
        actions = tuple(provider(deps))
        for action in actions:
            self.register(action)
        return len(actions)

    def register(self, action: Action) -> None:
        """Add an action; an id that is already registered raises ActionExistsError."""
        if action.id in self._actions:
            raise ActionExistsError(f"action {action.id} is already registered", id=action.id)
        self._actions[action.id] = action

    def get(self, action_id: str) -> Action:
        """The action with this id; unknown ids raise ActionNotFoundError."""
        try:
            return self._actions[action_id]
        except KeyError:
            raise ActionNotFoundError(
                f"no action {action_id!r} is registered", id=action_id
            ) from None

    def list(self) -> list[Action]:
        """Every action, sorted by id."""
        return [self._actions[key] for key in sorted(self._actions)]

    def __contains__(self, action_id: object) -> bool:
        return action_id in self._actions

    def __iter__(self) -> Iterator[Action]:
        return iter(self.list())

    def __len__(self) -> int:
        return len(self._actions)
