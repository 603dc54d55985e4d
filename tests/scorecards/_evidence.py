"""Evidence for rule tests: an entity, in-memory repository files and a catalog of refs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from goldpath.catalog import EntityRef
from goldpath.scorecards import RepoFiles, RepoKind, RepositoryUnavailableError


def component(name: str = "orders", **spec: Any) -> dict[str, Any]:
    """A Component entity body."""
    return {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"type": "service", "lifecycle": "production", **spec},
    }


@dataclass
class FilesEvidence:
    """The Evidence protocol over plain data (the service's own reads its repos through
    the git hosts; rule tests only need the files)."""

    entity: Mapping[str, Any] = field(default_factory=component)
    app: Mapping[str, bytes] | None = field(default_factory=dict)
    gitops: Mapping[str, bytes] | None = field(default_factory=dict)
    known: frozenset[str] = frozenset()
    versions: Mapping[str, str] = field(default_factory=dict)

    def repository(self, which: RepoKind) -> RepoFiles:
        files = self.app if which == "app" else self.gitops
        if files is None:
            raise RepositoryUnavailableError(f"the {which} repository cannot be read: gone")
        return RepoFiles(where=f"mem://{which}", files=files)

    def entity_exists(self, ref: EntityRef) -> bool:
        return ref.key in self.known

    def template_version(self, template_ref: str) -> str | None:
        return self.versions.get(template_ref)
