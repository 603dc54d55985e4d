"""What the live panels need to know about a component, read from its catalog entity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from goldpath.catalog import EntityRef
from goldpath.config import PlatformSettings

__all__ = ["ComponentFacts", "LocalRepo", "component_facts"]

ARGOCD_APP = "argocd/app-name"
GITLAB_SLUG = "gitlab.com/project-slug"
GITLAB_INSTANCE = "gitlab.com/instance"
KUBERNETES_ID = "backstage.io/kubernetes-id"
SOURCE_LOCATION = "backstage.io/source-location"
MANAGED_BY = "backstage.io/managed-by-location"


@dataclass(frozen=True, slots=True)
class LocalRepo:
    """An application repository on the embedded local git host."""

    owner: str
    name: str

    @property
    def full_name(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True, slots=True)
class ComponentFacts:
    """The names a component's live status is looked up by."""

    ref: EntityRef
    argocd_app: str | None
    metrics_job: str
    gitlab_slug: str | None
    git_host: str
    managed_by: str | None

    @property
    def key(self) -> str:
        """``<namespace>/<name>``: where the local runner keeps this component's files."""
        return f"{self.ref.namespace}/{self.ref.name}"


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def component_facts(entity: Mapping[str, Any], platform: PlatformSettings) -> ComponentFacts:
    """The Argo CD application, metrics job and repository of a Component entity.

    The metrics job is the ``backstage.io/kubernetes-id`` (the name goldpath's GitOps
    renderer gives the Service its ServiceMonitor scrapes), else the entity's name.
    """
    metadata = _map(entity.get("metadata"))
    annotations = _map(metadata.get("annotations"))
    name = str(metadata.get("name", ""))
    ref = EntityRef(
        kind=str(entity.get("kind", "Component")),
        namespace=str(metadata.get("namespace") or "default"),
        name=name,
    )
    source = (_text(annotations.get(SOURCE_LOCATION)) or "").removeprefix("url:")
    host = _text(annotations.get(GITLAB_INSTANCE)) or urlsplit(source).hostname or platform.git_host
    return ComponentFacts(
        ref=ref,
        argocd_app=_text(annotations.get(ARGOCD_APP)),
        metrics_job=_text(annotations.get(KUBERNETES_ID)) or name,
        gitlab_slug=_text(annotations.get(GITLAB_SLUG)),
        git_host=host.lower(),
        managed_by=(_text(annotations.get(MANAGED_BY)) or "").removeprefix("url:") or None,
    )
