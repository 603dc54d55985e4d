"""`validate_tree`: schemas, policies, promtool and kustomize over a tree."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from goldpath.gitops._environments import ENVIRONMENT_POLICIES
from goldpath.gitops._policies import (
    POLICIES,
    Document,
    Tree,
    normal_path,
    object_ref,
)
from goldpath.gitops._render import APP_SPEC_FILE
from goldpath.gitops._report import Check, ValidationReport
from goldpath.gitops._schemas import (
    SchemaProblem,
    core_schema_problems,
    custom_schema_problems,
    is_custom_kind,
)
from goldpath.gitops._spec import DEFAULT_SECRETS_PREFIX
from goldpath.gitops._yaml import Manifest, parsed_yaml
from goldpath.memo import Memo

if TYPE_CHECKING:
    from goldpath.gitops._tools import ToolChecks

__all__ = [
    "TreeFiles",
    "Validation",
    "parse_tree",
    "validate_manifests",
    "validate_tree",
    "validation_started",
]

_YAML_SUFFIXES = {".yaml", ".yml"}
_KUSTOMIZATION_NAMES = {"kustomization.yaml", "kustomization.yml", "Kustomization"}


TreeFiles = Mapping[PurePosixPath, str] | Mapping[str, str] | Mapping[PurePosixPath | str, str]


METADATA_DIR = ".goldpath"
"""goldpath's own records in a repository (``.goldpath/answers.yaml``): never deployed,
so never validated as manifests."""


@lru_cache(maxsize=65536)
def _posix_path(path: str) -> PurePosixPath:
    # A tree's paths come as text from git and are the same at every enrolment:
    # PurePosixPath's parsing was a fifth of validating a platform repo of 1,000 apps.
    return PurePosixPath(path)


def _as_paths(files: TreeFiles) -> dict[PurePosixPath, str]:
    as_paths = {
        path if isinstance(path, PurePosixPath) else _posix_path(path): text
        for path, text in files.items()
    }
    return {path: text for path, text in as_paths.items() if path.parts[:1] != (METADATA_DIR,)}


def parse_tree(
    files: TreeFiles, report: ValidationReport, *, secrets_prefix: str = DEFAULT_SECRETS_PREFIX
) -> Tree:
    """Parse every YAML and JSON file; parse failures go into the report.

    A text parsed before is not parsed again: documents are shared between trees, so
    nothing that reads a tree may change a document's body.
    """
    documents: list[Document] = []
    kustomizations: list[Document] = []
    json_files: list[tuple[PurePosixPath, Any]] = []
    for path, text in sorted(_as_paths(files).items()):
        if path == APP_SPEC_FILE:
            continue
        if path.suffix == ".json":
            try:
                json_files.append((path, json.loads(text)))
            except ValueError as exc:
                report.add(check="yaml", rule="json", message=f"not valid JSON: {exc}", file=path)
            continue
        if path.suffix not in _YAML_SUFFIXES:
            continue
        loaded = parsed_yaml(text)
        if isinstance(loaded, str):
            report.add(check="yaml", rule="parse", message=f"not valid YAML: {loaded}", file=path)
            continue
        for index, doc in enumerate(loaded):
            if not isinstance(doc, dict):
                report.add(check="yaml", rule="mapping",
                           message=f"document {index} is not a mapping", file=path)
            elif path.name in _KUSTOMIZATION_NAMES or doc.get("kind") == "Kustomization":
                kustomizations.append(Document(file=path, body=doc))
            else:
                documents.append(Document(file=path, body=doc))
    return Tree(
        documents=tuple(documents),
        kustomizations=tuple(kustomizations),
        json_files=tuple(json_files),
        secrets_prefix=secrets_prefix.strip("/"),
    )


def _check_kustomization_resources(
    tree: Tree, paths: set[PurePosixPath], report: ValidationReport
) -> None:
    files = {str(path) for path in paths}
    dirs = {"."}
    for file in files:
        folder = file.rpartition("/")[0]
        while folder and folder not in dirs:  # a folder seen before has its parents too
            dirs.add(folder)
            folder = folder.rpartition("/")[0]
    for kust in tree.kustomizations:
        for resource in kust.body.get("resources") or []:
            target = str(normal_path(kust.file.parent / str(resource)))
            if target not in files and target not in dirs:
                report.add(check="kustomize", rule="missing-resource",
                           message=f"lists {resource!r}, which is not in the tree", file=kust.file)


_Verdict = tuple[Check, tuple[SchemaProblem, ...]] | None


def _schema_verdict(body: Manifest, kubernetes_version: str) -> _Verdict:
    """The check and its problems for one manifest; None when no schema knows its kind."""
    if is_custom_kind(str(body["apiVersion"]), str(body["kind"])):
        return "schema", tuple(custom_schema_problems(body))
    found = core_schema_problems(body, kubernetes_version)
    return None if found is None else ("kubernetes", tuple(found))


_verdicts: Memo[tuple[int, str], tuple[Manifest, _Verdict]] = Memo(16384)
"""Verdicts by the identity of the document: a text parsed before gives the very same
documents (`parsed_yaml`), so the platform repo's thousands of unchanged ones are answered
without even being serialised. The entry keeps its document alive, so its id cannot name
another object while it is remembered."""


def _remembered_verdict(body: Manifest, kubernetes_version: str) -> _Verdict:
    key = (id(body), kubernetes_version)
    return _verdicts.get(key, lambda: (body, _schema_verdict(body, kubernetes_version)))[1]


def validate_manifests(
    tree: Tree, report: ValidationReport, *, kubernetes_version: str
) -> None:
    """Schema checks of every manifest (core kinds strict, custom kinds with shipped schemas)."""
    for doc in tree.documents:
        report.objects += 1
        body = doc.body
        ref = object_ref(body)
        if not body.get("apiVersion") or not body.get("kind"):
            report.add(check="schema", rule="type-meta", message="apiVersion and kind are required",
                       file=doc.file, object=ref)
            continue
        verdict = _remembered_verdict(body, kubernetes_version)
        if verdict is None:
            report.add(check="schema", rule="unknown-kind",
                       message=f"no schema for {body['apiVersion']} {body['kind']}; "
                       "goldpath cannot vouch for it", file=doc.file, object=ref)
            continue
        check, problems = verdict
        for problem in problems:
            report.add(check=check, rule=f"{body['apiVersion']}/{body['kind']}",
                       message=str(problem), file=doc.file, object=ref)


def validate_tree(
    files: TreeFiles,
    *,
    kubernetes_version: str = "1.30",
    tools: bool = True,
    tmp_root: Path | None = None,
    secrets_prefix: str = DEFAULT_SECRETS_PREFIX,
) -> ValidationReport:
    """Validate a GitOps tree (relative path -> text) and report every finding at once.

    Core kinds are checked with kubernetes-validate's strict schemas at
    ``kubernetes_version``, custom kinds with goldpath's shipped CRD schemas, then every
    policy in `POLICIES`. With ``tools`` (the default, and what every commit uses), alert
    rules go through ``promtool check rules`` and every kustomization through ``kubectl
    kustomize``, started first so they run while the in-process checks do; a tool that
    is not installed is a failing ``tools:missing`` finding. The tools work in a scratch
    folder under ``tmp_root`` (``settings.tmp_root``; the system's temporary folder
    when None). ``tools=False`` is for bulk checks that run the tools separately.
    """
    with validation_started(
        files,
        kubernetes_version=kubernetes_version,
        tools=tools,
        tmp_root=tmp_root,
        secrets_prefix=secrets_prefix,
    ) as validation:
        return validation.finish()


@dataclass(slots=True)
class Validation:
    """A validation under way: the in-process checks are done (``so_far``), the tools may
    still run. `finish` waits for them and gives the whole report."""

    so_far: ValidationReport
    _checks: ToolChecks | None
    _finished: bool = False

    def finish(self) -> ValidationReport:
        """Every finding, the tools' included (waits for the tools)."""
        if not self._finished:
            self._finished = True
            if self._checks is not None:
                self._checks.finish(self.so_far)
        return self.so_far


@contextmanager
def validation_started(
    files: TreeFiles,
    *,
    kubernetes_version: str = "1.30",
    tools: bool = True,
    tmp_root: Path | None = None,
    secrets_prefix: str = DEFAULT_SECRETS_PREFIX,
) -> Iterator[Validation]:
    """`validate_tree` in two halves: the tools are started and the in-process checks run
    on entry; the caller may prepare its commit (anything nobody else sees yet) while the
    tools work, then calls ``finish()`` before it publishes anything. Leaving the block
    without finishing stops the tools."""
    report = ValidationReport()
    paths = _as_paths(files)
    tree = parse_tree(paths, report, secrets_prefix=secrets_prefix)
    with ExitStack() as stack:
        checks = None
        if tools:
            from goldpath.gitops._tools import ToolChecks
            from goldpath.gitops._warm import warm_pool
            from goldpath.scratch import scratch_dir

            scratch = stack.enter_context(scratch_dir(tmp_root, prefix="validate-"))
            pool = warm_pool(tmp_root)  # the pool this process set up, if any
            checks = ToolChecks(tree=tree, scratch=scratch, pool=pool)
            # registered after the scratch folder, so the tools stop before it goes
            stack.callback(checks.stop)
            checks.start(paths, report)
        validate_manifests(tree, report, kubernetes_version=kubernetes_version)
        report.checked.append(f"kubernetes-validate (strict, {kubernetes_version})")
        report.checked.append("goldpath CRD schemas")
        _check_kustomization_resources(tree, set(paths), report)
        policies = (*POLICIES, *ENVIRONMENT_POLICIES)
        for policy in policies:
            for violation in policy.check(tree):
                report.add(check="policy", rule=policy.id, message=violation.message,
                           file=violation.file, object=violation.object)
        report.checked.append(f"{len(policies)} policies")
        yield Validation(so_far=report, _checks=checks)
