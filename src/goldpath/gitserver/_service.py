"""The local git host's push side: who may push where, the ref rules, recording, listeners."""

from __future__ import annotations

import gzip
import io
import logging
import threading
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from goldpath.catalog import CatalogService
from goldpath.errors import GoldpathError
from goldpath.gitserver._hook import install_hooks
from goldpath.gitserver._listeners import PushListeners
from goldpath.gitserver._log import PushEntry, PushLog
from goldpath.gitserver._push import ZERO_SHA, Push, RefUpdate
from goldpath.gitserver._rules import RULES_ENV, RefRules, RepoKind
from goldpath.permissions import ENTITY, Decision, PermissionService, Resource, entity_resource
from goldpath.providers.git import LocalGitHost, Repository

__all__ = [
    "PROJECT_SLUG_ANNOTATION",
    "GitServer",
    "PushSession",
    "parse_push_commands",
    "push_git_config",
]

log = logging.getLogger(__name__)

PROJECT_SLUG_ANNOTATION = "gitlab.com/project-slug"
"""The annotation naming a component's application repository (``<owner>/<repo>``)."""

_MAX_COMMAND_BYTES = 1024 * 1024  # the ref commands come first; a pack is not parsed
_HEX = frozenset("0123456789abcdef")


def _is_sha(value: str) -> bool:
    return len(value) == 40 and set(value) <= _HEX


def parse_push_commands(body: bytes, *, content_encoding: str = "") -> list[RefUpdate]:
    """The ``<old> <new> <ref>`` commands at the start of a ``git-receive-pack`` request.

    git sends them as pkt-lines (the first carries the capabilities after a NUL) up to a
    flush packet, then the pack. Anything that is not a command (``shallow``, a push
    certificate) is skipped.
    """
    data = body
    if content_encoding.strip().lower() in ("gzip", "x-gzip"):
        try:
            data = gzip.GzipFile(fileobj=io.BytesIO(body), mode="rb").read(_MAX_COMMAND_BYTES)
        except (OSError, EOFError, zlib.error):
            return []
    updates: list[RefUpdate] = []
    pos = 0
    while pos + 4 <= len(data):
        try:
            size = int(data[pos : pos + 4], 16)
        except ValueError:
            break
        if size == 0 or size < 4:
            break
        line = data[pos + 4 : pos + size].split(b"\0", 1)[0].rstrip(b"\n")
        pos += size
        parts = line.decode("utf-8", "replace").split(" ")
        if len(parts) == 3 and _is_sha(parts[0]) and _is_sha(parts[1]):
            updates.append(RefUpdate(ref=parts[2], old=parts[0], new=parts[1]))
    return updates


def push_git_config(hooks_dir: Path) -> dict[str, str]:
    """The git configuration every push runs under: the pre-receive hook that applies the
    ref rules, and git's own refusal of non-fast-forwards and of deleting HEAD's branch."""
    return {
        "core.hooksPath": str(hooks_dir),
        "receive.denyNonFastForwards": "true",
        "receive.denyDeleteCurrent": "true",
    }


@dataclass(frozen=True, slots=True)
class PushSession:
    """An authorised push about to run: whose, where, and what git must be told."""

    user_ref: str
    owner: str
    repo: str
    kind: RepoKind
    rules: RefRules
    env: Mapping[str, str]
    config: Mapping[str, str]


class GitServer:
    """Decides and records pushes to the local git host, then tells the push listeners.

    Application repositories take pushes from the owners of their components
    (``git.app.push``: members of the owner group) and platform admins; GitOps
    repositories (under ``platform.gitops_group``) only from those ``git.gitops.push``
    allows (the platform team), and never to their default branch. No push deletes a
    default branch or rewrites history (the pre-receive hook and git's own
    ``receive.denyNonFastForwards``). goldpath's own writes (Create, promotions) do not go
    through here.
    """

    def __init__(
        self,
        *,
        host: LocalGitHost,
        catalog: CatalogService,
        permissions: PermissionService,
        log: PushLog,
        listeners: PushListeners,
        gitops_group: str,
        hooks_dir: Path,
    ) -> None:
        self.host = host
        self.catalog = catalog
        self.permissions = permissions
        self.log = log
        self.listeners = listeners
        self.gitops_group = gitops_group.strip("/")
        self._hooks_dir = hooks_dir
        self._hooks_ready = False
        self._hooks_lock = threading.Lock()

    # -- what a repository is -----------------------------------------------------------------

    def repo_kind(self, owner: str) -> RepoKind:
        """``gitops`` for repositories under the platform's GitOps group, else ``app``."""
        return "gitops" if owner.strip("/") == self.gitops_group else "app"

    def components_of(self, owner: str, repo: str) -> list[dict[str, Any]]:
        """The catalog components a repository belongs to.

        An application repository: the components whose ``gitlab.com/project-slug`` names
        it. A GitOps repository ``<gitops group>/<name>``: the component ``<name>``.
        """
        if self.repo_kind(owner) == "gitops":
            found = self.catalog.find_entity(f"component:default/{repo}")
            return [found] if found is not None else []
        return self.catalog.list_entities(
            filters={
                "kind": "component",
                f"metadata.annotations.{PROJECT_SLUG_ANNOTATION}": f"{owner}/{repo}",
            },
            limit=50,
        )

    def repos_of(self, entity: Mapping[str, Any]) -> list[tuple[str, str]]:
        """The local repositories of a component: its application and GitOps repositories."""
        found: list[tuple[str, str]] = []
        metadata = entity.get("metadata") or {}
        annotations = metadata.get("annotations") or {}
        slug = annotations.get(PROJECT_SLUG_ANNOTATION) if isinstance(annotations, dict) else None
        if isinstance(slug, str) and "/" in slug:
            owner, _, repo = slug.strip("/").rpartition("/")
            found.append((owner, repo))
        name = metadata.get("name")
        if str(entity.get("kind", "")).lower() == "component" and isinstance(name, str):
            found.append((self.gitops_group, name))
        existing = []
        for owner, repo in found:
            try:
                if self.host.repo_exists(owner, repo):
                    existing.append((owner, repo))
            except GoldpathError:
                continue  # not a valid repository name: nothing to show
        return existing

    # -- deciding ---------------------------------------------------------------------------

    def _resource(self, owner: str, repo: str, components: list[dict[str, Any]]) -> Resource:
        if components:
            return entity_resource(components[0])
        # a repository no component claims: only the policy's admins may push to it
        return Resource(type=ENTITY, ref=f"repository:{owner}/{repo}")

    def authorize(self, user_ref: str, owner: str, repo: str) -> PushSession:
        """Decide (and audit) whether the user may push to the repository at all.

        NotAllowedError when not; RepoNotFoundError when there is no such repository.
        """
        info = self.host.get_repo(owner, repo)
        kind = self.repo_kind(owner)
        subject = self.permissions.subject(user_ref)
        permission = "git.gitops.push" if kind == "gitops" else "git.app.push"
        components = self.components_of(owner, repo)
        resources = [entity_resource(c) for c in components] or [self._resource(owner, repo, [])]
        decision: Decision | None = None
        for resource in resources:
            decision = self.permissions.decide(subject, permission, resource)
            if decision.allowed:
                self.permissions.authorize(subject, permission, resource)
                break
        else:
            self.permissions.authorize(subject, permission, resources[0])  # raises, recorded
        rules = RefRules(
            repo=f"{owner}/{repo}",
            default_branch=info.default_branch,
            protect_default_branch=kind == "gitops",
        )
        return PushSession(
            user_ref=subject.user_ref,
            owner=owner,
            repo=repo,
            kind=kind,
            rules=rules,
            env={RULES_ENV: rules.to_env()},
            config=push_git_config(self._hooks()),
        )

    def _hooks(self) -> Path:
        with self._hooks_lock:
            if not self._hooks_ready:
                install_hooks(self._hooks_dir)
                self._hooks_ready = True
        return self._hooks_dir

    # -- after git ran ----------------------------------------------------------------------

    def moved(self, session: PushSession, commands: list[RefUpdate]) -> tuple[RefUpdate, ...]:
        """The commands whose ref now is where the push asked (git accepted them)."""
        refs = Repository(self.host.repo_path(session.owner, session.repo)).refs()
        done = []
        for command in commands:
            current = refs.get(command.ref)
            if (command.is_delete and current is None) or (
                not command.is_delete and current == command.new
            ):
                done.append(command)
        return tuple(done)

    def finish(self, session: PushSession, commands: list[RefUpdate]) -> Push | None:
        """Record the refs the push moved and tell the listeners (in the background).

        None when git moved nothing (the push was refused or changed no ref).
        """
        updates = self.moved(session, commands)
        if not updates:
            return None
        push = Push(
            owner=session.owner,
            repo=session.repo,
            user_ref=session.user_ref,
            updates=updates,
            default_branch=session.rules.default_branch,
            pushed_at=datetime.now(UTC),
        )
        self.log.record(push)
        for update in updates:
            log.info(
                "push by %s to %s %s: %s -> %s",
                push.user_ref,
                push.full_name,
                update.ref,
                update.old[:12] if update.old != ZERO_SHA else "(new)",
                update.new[:12] if update.new != ZERO_SHA else "(deleted)",
            )
        threading.Thread(
            target=self.listeners.notify, args=(push,), name="push-listeners", daemon=True
        ).start()
        return push

    def pushes_of(self, entity: Mapping[str, Any], *, limit: int = 20) -> list[PushEntry]:
        """The latest pushes to a component's repositories (for its page)."""
        return self.log.for_repos(self.repos_of(entity), limit=limit)
