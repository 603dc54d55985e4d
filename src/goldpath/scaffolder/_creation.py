"""Creating tasks: validate the values, check and reserve the name, queue the task."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from goldpath.catalog import EntityRef
from goldpath.config import Settings
from goldpath.errors import FieldError, GoldpathError
from goldpath.scaffolder._actions import ActionRegistry, IdentityLike, TaskIdentity
from goldpath.scaffolder._expressions import render_value
from goldpath.scaffolder._owners import check_owners
from goldpath.scaffolder._runner import expression_context
from goldpath.scaffolder._store import TaskStore
from goldpath.scaffolder._task import StepState, TaskSpec, TaskUser
from goldpath.scaffolder._template import (
    StepSpec,
    Template,
    validate_values,
    with_declared,
    with_defaults,
)
from goldpath.scaffolder._templates import Templates
from goldpath.scaffolder.errors import NameReservedError, TemplateValuesError

if TYPE_CHECKING:
    from goldpath.catalog import CatalogService, QueryResult
    from goldpath.providers.git import GitHosts

__all__ = ["EntitySearch", "NameOwners", "TaskCreator"]


class EntitySearch(Protocol):
    """The part of the catalog the name check asks: is an entity of this name there?"""

    def query(self, *, filters: Any = ..., limit: int | None = ...) -> QueryResult:
        """One page of entities matching ``filters``."""


class NameOwners:
    """Who already owns a name: a catalog entity, or a repository a step would create."""

    def __init__(
        self,
        *,
        catalog: EntitySearch,
        hosts: GitHosts,
        registry: ActionRegistry,
        settings: Settings,
    ) -> None:
        self.catalog = catalog
        self.hosts = hosts
        self.registry = registry
        self.settings = settings

    def planned_repo_urls(self, template: Template, values: Mapping[str, Any]) -> list[str]:
        """The repositories the template's steps will create, as far as known before it runs.

        Each action that creates a repository says which from its input (``creates_repo``);
        an input that depends on earlier steps' outputs cannot be known yet, and that step
        checks for itself when it runs.
        """
        context = expression_context(
            values=values, identity=None, secrets={}, settings=self.settings, steps={}
        )
        urls: list[str] = []
        for step in template.steps:
            action = self.registry.get(step.action)
            if action.creates_repo is None:
                continue

            def value(name: str, _step: StepSpec = step) -> Any:
                raw = _step.input.get(name)
                if raw is None:
                    return None
                return render_value(raw, context, where=f"steps.{_step.id}.input.{name}")

            try:
                url = action.creates_repo(value)
            except GoldpathError:
                continue  # depends on earlier steps' outputs; the step itself checks
            if url:
                urls.append(url)
        return urls

    def owner_of(self, name: str, values: Mapping[str, Any], template: Template) -> str | None:
        """A sentence naming what already holds ``name``, or None when it is free."""
        result = self.catalog.query(filters={"metadata.name": name}, limit=1)
        if result.items:
            entity = result.items[0]
            ref = EntityRef.of(entity).key
            owner = (entity.get("spec") or {}).get("owner")
            return f"catalog entity {ref}" + (f" (owner {owner})" if owner else "")
        for repo_url in self.planned_repo_urls(template, values):
            try:
                host, parsed = self.hosts.for_repo_url(repo_url)
            except GoldpathError:
                continue  # an unusable repoUrl fails in its own step with its own message
            if host.repo_exists(parsed.owner, parsed.repo):
                return f"repository {parsed.owner}/{parsed.repo} on {host.host}"
        return None


class TaskCreator:
    """Turns a template and values into a queued task, or refuses with every problem."""

    def __init__(
        self,
        *,
        templates: Templates,
        store: TaskStore,
        names: NameOwners,
        catalog: CatalogService | None,
    ) -> None:
        self.templates = templates
        self.store = store
        self.names = names
        self.catalog = catalog

    def create(
        self,
        template: str | Template,
        values: Mapping[str, Any],
        *,
        identity: IdentityLike | None = None,
        secrets: Mapping[str, str] | None = None,
    ) -> str:
        """Validate values, reserve the declared name and queue the task; returns its id."""
        parsed = template if isinstance(template, Template) else self.templates.get(template)
        self.templates.check_actions(parsed)
        values = with_defaults(parsed, values)
        validate_values(parsed, values)
        check_owners(parsed, values, self.catalog)  # a real Group or User, named by its parameter
        values = with_declared(parsed, values)
        user = identity or TaskIdentity(user_ref="user:default/guest")
        reserved: str | None = None
        param = parsed.reserved_name_parameter
        if param is not None:
            value = values.get(param)
            if not isinstance(value, str) or not value:
                raise TemplateValuesError(
                    f"{parsed.ref} reserves the name in parameter {param!r}, which is empty",
                    errors=[FieldError(param, "required", "names what the template creates")],
                )
            reserved = value.lower()
            owner = self.names.owner_of(value, values, parsed)
            if owner is not None:
                raise NameReservedError(
                    f"the name {value!r} is already taken by {owner}", name=value, owner=owner
                )
        spec = TaskSpec(
            steps=tuple(parsed.steps),
            # parameters are kept as given: a secret that also appears in a normal parameter
            # must not turn into *** in the generated files (redaction is for logs only)
            parameters=dict(values),
            user=TaskUser(ref=user.user_ref, entity=user.entity),
            template_info=parsed.info(),
            output=dict(parsed.output),
        )
        task_id = self.store.create(
            spec=spec,
            steps=[StepState.open(step) for step in parsed.steps],
            created_by=user.user_ref,
            secrets=dict(secrets or {}),
            reserved_name=reserved,
            events=[("log", {"message": f"Task created from {parsed.ref}"})],
        )
        return task_id
