"""The fleet: every repository a template made, which version made it, and upgrades.

An upgrade renders the template version a repository was made from and the current one
with the same answers, merges the difference into the repository's tree (three ways, so
local edits survive), pushes it to ``goldpath/upgrade-<template>-<version>`` and opens a
merge request, a draft listing the conflicts when a file would not merge.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any, Literal
from urllib.parse import urlsplit

from goldpath.catalog import CatalogService, EntityRef
from goldpath.config import Settings
from goldpath.errors import FieldError, GoldpathError, InvalidInputError, NotFoundError
from goldpath.fleet._actions import read_template_files
from goldpath.fleet._answers import ANSWERS_PATH, Answers, answers_for
from goldpath.fleet._merge3 import merge_trees
from goldpath.fleet._render import render_repository
from goldpath.fleet._snapshots import TemplateSnapshots
from goldpath.fleet._version import TemplateVersion, template_version
from goldpath.fleet.errors import AnswersFileError, AnswersNotFoundError, FleetError
from goldpath.mergerequests import MergeRequest, MergeRequestService
from goldpath.providers.git import BranchMovedError, GitHost, GitHosts
from goldpath.scaffolder import DryRunner, Template, Templates
from goldpath.scratch import scratch_dir
from goldpath.trees import TreeFile, write_tree

__all__ = [
    "ANSWER_READERS",
    "REMOTE_ANSWERS_MAX_AGE_SECONDS",
    "RENDER_LABEL",
    "UPGRADE_LABEL",
    "FleetMember",
    "FleetService",
    "RepoLocation",
    "TemplateFleet",
    "UpgradeResult",
    "upgrade_branch",
]

log = logging.getLogger(__name__)

ANSWER_READERS = 8
"""Answers files read at once when listing the fleet (each is a git host read)."""
REMOTE_ANSWERS_MAX_AGE_SECONDS = 60.0
"""How long the fleet's listing trusts an answers file it read from a remote host
(GitLab, GitHub) before reading it again. On the local host a file is read again only when
its branch moved. Upgrades always read the file afresh."""
UPGRADE_LABEL = "fleet-upgrade"
RENDER_LABEL = "gitops-render"
FLEET_AUTHOR = ("goldpath", "goldpath@localhost")
_LOCATION_ANNOTATIONS = ("backstage.io/source-location", "backstage.io/managed-by-location")

_now = time.monotonic  # the clock `_AnswersReads` ages remote reads by (tests move it)

UpgradeStatus = Literal["opened", "conflicts", "up-to-date", "failed"]


def upgrade_branch(template_ref: str, version: TemplateVersion) -> str:
    """``goldpath/upgrade-<template-name>-<short-version>``."""
    name = EntityRef.parse(template_ref, default_kind="template").name
    return f"goldpath/upgrade-{name}-{version.short}"


@dataclass(frozen=True, slots=True)
class RepoLocation:
    """Where a component's repository is: host, ``owner/name`` and its default branch."""

    host: str
    owner: str
    name: str
    branch: str

    @property
    def repository(self) -> str:
        """``owner/name``."""
        return f"{self.owner}/{self.name}"


@dataclass(frozen=True, slots=True)
class FleetMember:
    """A component whose repository records the template that made it."""

    entity_ref: str
    location: RepoLocation
    answers: Answers


@dataclass(frozen=True, slots=True)
class MemberStatus:
    """One component of a template's fleet: its version and its last upgrade request."""

    entity_ref: str
    repository: str
    version: TemplateVersion
    behind: bool
    last_upgrade: MergeRequest | None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape."""
        last = self.last_upgrade
        return {
            "entityRef": self.entity_ref,
            "repository": self.repository,
            "version": self.version.short,
            "humanVersion": self.version.human,
            "behind": self.behind,
            "lastUpgrade": None
            if last is None
            else {
                "id": last.id,
                "status": last.status.value,
                "draft": last.draft,
                "branch": last.source_branch,
            },
        }


@dataclass(frozen=True, slots=True)
class TemplateFleet:
    """A template, its current version and the components made from it."""

    template_ref: str
    current: TemplateVersion | None
    members: tuple[MemberStatus, ...]
    problem: str | None = None

    @property
    def behind(self) -> int:
        """How many components are on an older version."""
        return sum(1 for member in self.members if member.behind)

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape."""
        return {
            "templateRef": self.template_ref,
            "currentVersion": self.current.short if self.current else None,
            "currentHumanVersion": self.current.human if self.current else None,
            "components": len(self.members),
            "behind": self.behind,
            "problem": self.problem,
            "members": [member.as_dict() for member in self.members],
        }


@dataclass(frozen=True, slots=True)
class UpgradeResult:
    """What an upgrade did for one component."""

    entity_ref: str
    status: UpgradeStatus
    branch: str | None = None
    merge_request: int | None = None
    new: bool = False
    conflicts: tuple[str, ...] = ()
    from_version: str | None = None
    to_version: str | None = None
    message: str = ""

    def as_dict(self) -> dict[str, Any]:
        """``{"entityRef", "status", "branch", "mergeRequest", ...}``."""
        return {
            "entityRef": self.entity_ref,
            "status": self.status,
            "branch": self.branch,
            "mergeRequest": self.merge_request,
            "new": self.new,
            "conflicts": list(self.conflicts),
            "fromVersion": self.from_version,
            "toVersion": self.to_version,
            "message": self.message,
        }


def _mode(git_mode: int) -> int:
    return 0o755 if git_mode & 0o100 else 0o644


@dataclass(frozen=True, slots=True)
class _Read:
    """What a repository's answers file said when last read, and when that was."""

    commit: str | None  # the branch's commit then (local host); None on a remote host
    at: float  # _now(), a monotonic clock
    answers: Answers | None  # None: no answers file there, or not one goldpath can read


class _AnswersReads:
    """The fleet's answers files as last read, per repository and branch, so listing the
    fleet reads again only what may have changed: on the local host a file whose branch
    has moved, on a remote host one read more than `REMOTE_ANSWERS_MAX_AGE_SECONDS` ago."""

    def __init__(self) -> None:
        self._reads: dict[RepoLocation, _Read] = {}
        self._lock = threading.Lock()

    def get(self, location: RepoLocation, commit: str | None) -> _Read | None:
        """The read still good for ``location`` at ``commit`` (its branch's commit now, or
        None on a remote host), if any."""
        with self._lock:
            read = self._reads.get(location)
        if read is None:
            return None
        if commit is not None:
            return read if read.commit == commit else None
        fresh = _now() - read.at < REMOTE_ANSWERS_MAX_AGE_SECONDS
        return read if read.commit is None and fresh else None

    def put(self, location: RepoLocation, read: _Read) -> None:
        with self._lock:
            self._reads[location] = read

    def forget(self, location: RepoLocation) -> None:
        """Drop what was read of ``location`` (goldpath just changed its answers file)."""
        with self._lock:
            self._reads.pop(location, None)

    def keep_only(self, locations: set[RepoLocation]) -> None:
        """Forget repositories that are no longer in the fleet's catalog."""
        with self._lock:
            self._reads = {k: v for k, v in self._reads.items() if k in locations}


@dataclass
class FleetService:
    """Finds the fleet in the catalog and its repositories, reports it, adopts and upgrades."""

    catalog: CatalogService
    templates: Templates
    dry_runner: DryRunner
    hosts: GitHosts
    merge_requests: MergeRequestService
    snapshots: TemplateSnapshots
    settings: Settings
    _reads: _AnswersReads = field(default_factory=_AnswersReads, init=False, repr=False)

    # -- where repositories are -------------------------------------------------------------

    def _host(self, name: str) -> GitHost:
        return self.hosts.for_host(name, field="host")

    def location_of(self, entity: Mapping[str, Any]) -> RepoLocation | None:
        """The repository a component's source or catalog file lives in, if goldpath can
        reach it (the local host or a configured integration)."""
        annotations = (entity.get("metadata") or {}).get("annotations") or {}
        for key in _LOCATION_ANNOTATIONS:
            value = annotations.get(key)
            if not isinstance(value, str) or not value.startswith("url:"):
                continue
            url = value[4:]
            local = self.hosts.local
            if local.can_read_folder(url):
                try:
                    ref = local.parse_contents_url(url)
                except GoldpathError:
                    continue
                if ref is not None:
                    return RepoLocation(local.host, ref.owner, ref.repo, ref.ref)
            for reader in self.hosts.url_readers()[1:]:
                if reader.can_read_folder(url):
                    project, _, tail = urlsplit(url).path.strip("/").partition("/-/")
                    owner, _, name = project.rpartition("/")
                    branch = tail.partition("/")[2].partition("/")[0]
                    if owner and name and branch:
                        return RepoLocation(reader.host, owner, name, branch)
        return None

    def _tree(
        self, location: RepoLocation, branch: str | None = None
    ) -> dict[PurePosixPath, TreeFile]:
        host = self._host(location.host)
        url = host.contents_url(location.owner, location.name, branch or location.branch)
        folder = url.replace("/-/blob/", "/-/tree/")
        return {
            PurePosixPath(path): TreeFile(content, _mode(mode))
            for path, (content, mode) in host.read_folder(folder).items()
        }

    def read_answers(self, location: RepoLocation) -> Answers:
        """The repository's ``.goldpath/answers.yaml``; AnswersNotFoundError without one."""
        host = self._host(location.host)
        url = f"{host.contents_url(location.owner, location.name, location.branch)}/{ANSWERS_PATH}"
        try:
            text = host.read(url)
        except NotFoundError as exc:
            raise AnswersNotFoundError(
                f"{location.repository} has no {ANSWERS_PATH}; adopt it with "
                "`goldpath fleet adopt <component> --template <template>`",
                repository=location.repository,
            ) from exc
        return Answers.parse(text, where=f"{location.repository}/{ANSWERS_PATH}")

    def forget_reads(self) -> None:
        """Forget every answers file read so far: the next listing reads them all."""
        self._reads.keep_only(set())

    def members(self, *, fresh: bool = False) -> list[FleetMember]:
        """Every component whose repository has an answers file, in the catalog's order.

        An answers file is read again only when it may have changed since the last listing
        (see `_AnswersReads`), or always when ``fresh``. Those to read are read
        `ANSWER_READERS` at a time: on GitLab each is an API call, and one after the other
        they made the Fleet page wait for the sum of them.
        """
        located = [
            (EntityRef.of(entity).key, location)
            for entity in self.catalog.list_entities(filters={"kind": "component"})
            if (location := self.location_of(entity)) is not None
        ]
        self._reads.keep_only({location for _key, location in located})
        local = self.hosts.local

        def commit_of(location: RepoLocation) -> str | None:
            if location.host != local.host:
                return None
            try:
                return local.branch_sha(location.owner, location.name, location.branch) or ""
            except GoldpathError:
                return ""  # no such repository: nothing to remember it by

        def read(location: RepoLocation, commit: str | None) -> Answers | None:
            try:
                answers: Answers | None = self.read_answers(location)
            except (AnswersNotFoundError, AnswersFileError):
                answers = None  # not made by a template goldpath knows (at this commit)
            except GoldpathError:
                return None  # unreadable right now: read it again next time
            if commit != "":
                self._reads.put(location, _Read(commit, _now(), answers))
            return answers

        found: dict[int, Answers | None] = {}
        to_read: list[tuple[int, RepoLocation, str | None]] = []
        for index, (_key, location) in enumerate(located):
            commit = commit_of(location)
            known = None if fresh or commit == "" else self._reads.get(location, commit)
            if known is not None:
                found[index] = known.answers
            else:
                to_read.append((index, location, commit))
        if len(to_read) <= 1:
            found.update({index: read(location, commit) for index, location, commit in to_read})
        else:
            with ThreadPoolExecutor(
                max_workers=min(ANSWER_READERS, len(to_read)), thread_name_prefix="fleet-read"
            ) as pool:
                read_now = pool.map(lambda item: read(item[1], item[2]), to_read)
                found.update(zip((index for index, _l, _c in to_read), read_now, strict=True))
        return [
            FleetMember(key, location, answers)
            for index, (key, location) in enumerate(located)
            if (answers := found[index]) is not None
        ]

    # -- versions ------------------------------------------------------------------------------

    def current_version(self, template: Template) -> TemplateVersion:
        """The template's version now; this version is kept for later upgrades."""
        files = read_template_files(template, self.hosts)
        version = template_version(template, files)
        if not self.snapshots.has(version.digest):
            self.snapshots.save(
                template_ref=template.ref, version=version, entity=template.entity, files=files
            )
        return version

    # -- status ------------------------------------------------------------------------------

    def _last_upgrades(self) -> dict[str, MergeRequest]:
        """Each component's newest upgrade merge request, from one read."""
        latest: dict[str, MergeRequest] = {}
        for mr in self.merge_requests.list(label=UPGRADE_LABEL):  # newest first
            if mr.entity_ref is not None:
                latest.setdefault(mr.entity_ref, mr)
        return latest

    def status(self) -> list[TemplateFleet]:
        """Per template: its version now and each component's version and last upgrade."""
        by_template: dict[str, list[FleetMember]] = {}
        for member in self.members():
            by_template.setdefault(member.answers.template_ref, []).append(member)
        last_upgrades = self._last_upgrades()
        fleets = []
        for ref in sorted(by_template):
            current: TemplateVersion | None = None
            problem = None
            try:
                current = self.current_version(self.templates.get(ref))
            except GoldpathError as exc:
                problem = exc.message
            members = tuple(
                MemberStatus(
                    entity_ref=m.entity_ref,
                    repository=m.location.repository,
                    version=m.answers.version,
                    behind=current is not None and m.answers.version.digest != current.digest,
                    last_upgrade=last_upgrades.get(m.entity_ref),
                )
                for m in sorted(by_template[ref], key=lambda m: m.entity_ref)
            )
            fleets.append(TemplateFleet(ref, current, members, problem))
        return fleets

    # -- adopt ---------------------------------------------------------------------------------

    def adopt(
        self, component_ref: str, template_ref: str, *, values: Mapping[str, Any] | None = None
    ) -> Answers:
        """Record that the template (at its current version) made the component's repository:
        commit ``.goldpath/answers.yaml`` to its default branch. The answers come from the
        entity (name, description, owner, system) and ``values``; they must validate."""
        entity = self.catalog.get_entity(
            EntityRef.parse(component_ref, default_kind="component", field="component").key
        )
        location = self.location_of(entity)
        if location is None:
            raise InvalidInputError(
                f"{component_ref} names no repository goldpath can reach",
                errors=[FieldError("component", "location", "no source or catalog URL")],
            )
        template = self.templates.get(template_ref)
        metadata = entity.get("metadata") or {}
        spec = entity.get("spec") or {}
        inferred: dict[str, Any] = {
            "name": metadata.get("name"),
            "description": metadata.get("description"),
            "owner": spec.get("owner"),
            "system": spec.get("system"),
        }
        declared = {name for page in template.parameters for name in (page.get("properties") or {})}
        answers_values = {k: v for k, v in inferred.items() if k in declared and v is not None}
        answers_values.update(values or {})
        owner = answers_values.get("owner")
        if isinstance(owner, str) and ":" not in owner:
            answers_values["owner"] = EntityRef.parse(owner, default_kind="group").key
        version = self.current_version(template)
        answers = answers_for(template, answers_values, version=version)
        # the answers must render the template, or an upgrade could never use them
        snapshot = self.snapshots.get(version.digest)
        render_repository(self.dry_runner, snapshot.entity, snapshot.files, answers.values)
        tree = self._tree(location)
        tree[ANSWERS_PATH] = TreeFile(answers.dump().encode())
        self._push(
            location, location.branch, tree, f"chore: adopt {template.ref} ({version.label})"
        )
        self._reads.forget(location)
        return answers

    # -- upgrade -------------------------------------------------------------------------------

    def _push(
        self,
        location: RepoLocation,
        branch: str,
        tree: Mapping[PurePosixPath, TreeFile],
        message: str,
    ) -> str:
        host = self._host(location.host)
        info = host.get_repo(location.owner, location.name)
        with scratch_dir(self.settings.scratch_root, prefix="fleet-") as folder:
            write_tree(folder, dict(tree))
            return host.push(
                folder,
                info,
                branch=branch,
                message=message,
                author_name=FLEET_AUTHOR[0],
                author_email=FLEET_AUTHOR[1],
            )

    def _start_branch(self, location: RepoLocation, branch: str) -> None:
        host = self._host(location.host)
        create = getattr(host, "create_branch", None)
        if create is None:
            raise FleetError(f"{host.kind} hosts cannot take upgrade branches from goldpath")
        # a branch left by an earlier run that stopped before its merge request is reused
        with suppress(BranchMovedError):
            create(location.owner, location.name, branch, start=location.branch)

    def propose(
        self,
        *,
        location: RepoLocation,
        branch: str,
        tree: Mapping[PurePosixPath, TreeFile],
        title: str,
        description: str,
        author: str,
        entity_ref: str | None,
        conflicts: tuple[str, ...] = (),
        labels: tuple[str, ...] = (),
    ) -> tuple[MergeRequest, bool]:
        """Push ``tree`` as ``branch`` (started from the default branch) and open a merge
        request for it: ``(request, True)``; or the request that already proposes that
        branch, ``(request, False)``, with nothing pushed."""
        existing = self.merge_requests.list(
            host=location.host, repository=location.repository, source_branch=branch, limit=1
        )
        if existing:
            return existing[0], False
        self._start_branch(location, branch)
        self._push(location, branch, tree, title)
        mr = self.merge_requests.open(
            host=location.host,
            repository=location.repository,
            source_branch=branch,
            target_branch=location.branch,
            title=title,
            description=description,
            author=author,
            entity_ref=entity_ref,
            draft=bool(conflicts),
            conflicts=conflicts,
            labels=labels,
        )
        return mr, True

    def propose_gitops_render(
        self, *, app: str, files: Mapping[PurePosixPath, str], diff: str, author: str
    ) -> tuple[MergeRequest, bool]:
        """A merge request bringing ``app``'s GitOps repository to today's render
        (``goldpath gitops render-all``); its branch is named for the render's content, so
        the same render is proposed once."""
        host = self.hosts.platform_host()
        group = self.settings.platform.gitops_group
        info = host.get_repo(group, app)
        location = RepoLocation(host.host, group, app, info.default_branch)
        digest = hashlib.sha256()
        for path in sorted(files):
            digest.update(f"{path}\0{files[path]}\0".encode())
        entity_ref = EntityRef(kind="component", namespace="default", name=app).key
        try:
            self.catalog.get_entity(entity_ref)
        except NotFoundError:
            entity_ref_or_none: str | None = None
        else:
            entity_ref_or_none = entity_ref
        return self.propose(
            location=location,
            branch=f"goldpath/render-{digest.hexdigest()[:12]}",
            tree={path: TreeFile(text.encode()) for path, text in files.items()},
            title=f"Re-render the GitOps manifests of {app}",
            description="Today's renderer and policies applied to this repository "
            "(`goldpath gitops render-all`); deployed image tags are kept.\n\n```diff\n"
            + diff[:20_000]
            + "```\n",
            author=author,
            entity_ref=entity_ref_or_none,
            labels=(RENDER_LABEL,),
        )

    def upgrade(
        self,
        *,
        template_ref: str | None = None,
        component_ref: str | None = None,
        author: str = "goldpath",
        check: Callable[[str], object] | None = None,
    ) -> list[UpgradeResult]:
        """Upgrade every component (of ``template_ref``, or only ``component_ref``) that is
        behind its template; a second run opens nothing new. ``check(entity_ref)`` raises
        when the caller may not upgrade that component (it is reported, not upgraded)."""
        wanted_template = (
            EntityRef.parse(template_ref, default_kind="template", field="template").key
            if template_ref
            else None
        )
        wanted_component = (
            EntityRef.parse(component_ref, default_kind="component", field="component").key
            if component_ref
            else None
        )
        members = [
            m
            for m in self.members(fresh=True)
            if (wanted_template is None or m.answers.template_ref == wanted_template)
            and (wanted_component is None or m.entity_ref == wanted_component)
        ]
        if wanted_component is not None and not members:
            raise AnswersNotFoundError(
                f"{wanted_component} has no repository with {ANSWERS_PATH}"
                + (f" made from {wanted_template}" if wanted_template else ""),
                entity=wanted_component,
            )
        results = []
        for member in sorted(members, key=lambda m: m.entity_ref):
            try:
                if check is not None:
                    check(member.entity_ref)
                results.append(self._upgrade_one(member, author=author))
            except GoldpathError as exc:
                log.warning("upgrade of %s failed: %s", member.entity_ref, exc.message)
                results.append(
                    UpgradeResult(
                        member.entity_ref,
                        "failed",
                        message=exc.message,
                        from_version=member.answers.version.short,
                    )
                )
        return results

    def _upgrade_one(self, member: FleetMember, *, author: str) -> UpgradeResult:
        answers = member.answers
        template = self.templates.get(answers.template_ref)
        current = self.current_version(template)
        if current.digest == answers.version.digest:
            return UpgradeResult(
                member.entity_ref,
                "up-to-date",
                from_version=current.short,
                to_version=current.short,
            )
        branch = upgrade_branch(template.ref, current)
        location = member.location
        existing = self.merge_requests.list(
            host=location.host, repository=location.repository, source_branch=branch, limit=1
        )
        if existing:
            mr = existing[0]
            return UpgradeResult(
                member.entity_ref,
                "conflicts" if mr.conflicts else "opened",
                branch=branch,
                merge_request=mr.id,
                conflicts=mr.conflicts,
                from_version=answers.version.short,
                to_version=current.short,
                message=f"merge request {mr.id} ({mr.status.value}) already proposes it",
            )
        old = self.snapshots.get(answers.version.digest)
        base = render_repository(self.dry_runner, old.entity, old.files, answers.values)
        new_files = read_template_files(template, self.hosts)
        theirs = render_repository(self.dry_runner, template.entity, new_files, answers.values)
        ours = self._tree(location)
        ours.pop(ANSWERS_PATH, None)
        merged = merge_trees(base, ours, theirs, tmp_root=self.settings.scratch_root)
        upgraded = Answers(answers.template_ref, current, dict(answers.values))
        tree = {**merged.files, ANSWERS_PATH: TreeFile(upgraded.dump().encode())}
        conflicts = merged.conflicts
        description = (
            f"Upgrades {member.entity_ref} from {template.ref} {answers.version.label} to "
            f"{current.label}: the template's changes merged into this repository's files, "
            "local edits kept."
        )
        if conflicts:
            description += (
                "\n\nThese files carry conflict markers (a local edit and the template changed "
                "the same lines); resolve them on this branch, then mark it ready:\n"
                + "\n".join(f"- {path}" for path in conflicts)
            )
        mr, new = self.propose(
            location=location,
            branch=branch,
            tree=tree,
            title=f"Upgrade {template.title} to {current.label}",
            description=description,
            author=author,
            entity_ref=member.entity_ref,
            conflicts=conflicts,
            labels=(UPGRADE_LABEL,),
        )
        return UpgradeResult(
            member.entity_ref,
            "conflicts" if conflicts else "opened",
            branch=branch,
            merge_request=mr.id,
            new=new,
            conflicts=conflicts,
            from_version=answers.version.short,
            to_version=current.short,
        )
