"""``catalog:register`` and ``catalog:write`` with Backstage's input and output names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from goldpath.catalog import EntityRef, LocationRecord
from goldpath.errors import ConflictError, FieldError, GoldpathError
from goldpath.scaffolder._actions import Action, ActionContext, ActionInput, UndoEnv
from goldpath.scaffolder._paths import resolve_inside
from goldpath.scaffolder.errors import ActionInputError, ScaffolderError

__all__ = ["CatalogLocations", "catalog_register", "catalog_write"]


class CatalogLocations(Protocol):
    """The part of the catalog ``catalog:register`` uses: adding and removing locations."""

    def add_location(self, type_: str, target: str) -> tuple[LocationRecord, list[dict[str, Any]]]:
        """Register a location and ingest it; returns it and the entities it produced."""

    def remove_location(self, location_id: str) -> None:
        """Unregister a location and delete its entities."""


class CatalogRegisterInput(ActionInput):
    """Either ``catalogInfoUrl`` or ``repoContentsUrl`` (+ ``catalogInfoPath``)."""

    catalog_info_url: str | None = Field(
        default=None,
        alias="catalogInfoUrl",
        description="URL of the catalog-info.yaml to register.",
    )
    repo_contents_url: str | None = Field(
        default=None,
        alias="repoContentsUrl",
        description="Contents URL of a repository (publish:* output repoContentsUrl).",
    )
    catalog_info_path: str = Field(
        default="/catalog-info.yaml",
        alias="catalogInfoPath",
        description="Path of the file inside repoContentsUrl.",
    )
    optional: bool = Field(default=False, description="Carry on when registration fails.")

    @model_validator(mode="after")
    def _one_form(self) -> CatalogRegisterInput:
        if not self.catalog_info_url and not self.repo_contents_url:
            raise ValueError("give catalogInfoUrl, or repoContentsUrl with catalogInfoPath")
        return self

    @property
    def url(self) -> str:
        """The URL to register, whichever form was used."""
        if self.catalog_info_url:
            return self.catalog_info_url
        assert self.repo_contents_url is not None
        return self.repo_contents_url.rstrip("/") + "/" + self.catalog_info_path.lstrip("/")


class CatalogRegisterOutput(BaseModel):
    """Outputs of catalog:register."""

    model_config = ConfigDict(populate_by_name=True)

    entity_ref: str = Field(alias="entityRef", description="Ref of the registered entity.")
    catalog_info_url: str = Field(alias="catalogInfoUrl", description="URL that was registered.")


class CatalogWriteInput(ActionInput):
    """Backstage's catalog:write input."""

    file_path: str = Field(default="catalog-info.yaml", alias="filePath")
    entity: dict[str, Any]


LOCATION_ANNOTATION = "backstage.io/managed-by-location"


class EntityTakenError(ConflictError):
    """The entity a location describes is already in the catalog from another location."""


def _location_of(url: str) -> tuple[str, str]:
    # file:// URLs name a file on this machine: register them as Backstage "file" locations
    if url.startswith("file://"):
        return "file", unquote(urlsplit(url).path)
    return "url", url


def catalog_register(catalog: CatalogLocations) -> Action:
    """``catalog:register``: registers a catalog-info.yaml URL as a location of ``catalog``."""

    def register(ctx: ActionContext, params: CatalogRegisterInput) -> None:
        url = params.url
        ctx.log(f"Registering {url} in the catalog")
        try:
            location, entities = catalog.add_location(*_location_of(url))
        except GoldpathError as exc:
            if params.optional:
                ctx.log(f"Registration of {url} failed and is optional: {exc.message}")
                return
            raise
        ctx.on_rollback(
            f"remove catalog location {url} and its entities",
            kind="remove-location",
            params={"locationId": str(location.id), "target": url},
        )
        _check_registered(ctx, params, url, location, entities)

    def undo_remove_location(env: UndoEnv, params: Mapping[str, Any]) -> None:
        catalog.remove_location(params["locationId"])
        env.log(f"Removed catalog location {params.get('target', params['locationId'])}")

    return Action(
        id="catalog:register",
        description="Registers a catalog-info.yaml URL as a catalog location.",
        input=CatalogRegisterInput,
        output=CatalogRegisterOutput,
        handler=register,
        supports_dry_run=False,
        undo={"remove-location": undo_remove_location},
    )


def _check_registered(
    ctx: ActionContext,
    params: CatalogRegisterInput,
    url: str,
    location: LocationRecord,
    entities: list[dict[str, Any]],
) -> None:
    key = f"{location.type}:{location.target}"
    ours = [
        e
        for e in entities
        if (e.get("metadata", {}).get("annotations") or {}).get(LOCATION_ANNOTATION) == key
    ]
    described = [e for e in ours if e.get("kind") != "Location"]
    problems = list(location.errors)
    if not described and problems:
        # nothing of the file made it in: invalid, or provided by another location already
        if params.optional:
            ctx.log(f"{url} added no entity and is optional: {'; '.join(problems)}")
            return
        error_type = EntityTakenError if location.conflicts else ScaffolderError
        raise error_type(f"{url} added no entity: {'; '.join(problems)}", url=url)
    if not ours:
        if params.optional:
            return
        raise ScaffolderError(f"the location {url} holds no entities", url=url)
    preferred = described[0] if described else ours[0]
    ref = EntityRef.of(preferred).key
    ctx.output("entityRef", ref)
    ctx.output("catalogInfoUrl", url)
    ctx.log(f"Registered {ref}")


def _write(ctx: ActionContext, params: CatalogWriteInput) -> None:
    target = resolve_inside(ctx.workspace, params.file_path, field="input.filePath")
    if "kind" not in params.entity or "metadata" not in params.entity:
        raise ActionInputError(
            "catalog:write needs an entity with kind and metadata",
            errors=[FieldError("input.entity", "required", "needs kind and metadata")],
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(params.entity, sort_keys=False), encoding="utf-8")
    ctx.log(f"Wrote {params.file_path}")


def catalog_write() -> Action:
    """``catalog:write``: writes a catalog entity as YAML into the workspace."""
    return Action(
        id="catalog:write",
        description="Writes a catalog entity as YAML into the workspace.",
        input=CatalogWriteInput,
        handler=_write,
        supports_dry_run=True,
    )
