"""Checks that run external tools (``promtool``, ``kubectl kustomize``) on a tree.

Not pure: writes the tree to a scratch folder and runs subprocesses. The tools are part
of validation, not extras: `make install` installs them (``make validators``), and a
tree validated on a machine without one gets a failing ``tools:missing`` finding, never
a silent skip. Each tool runs once per tree (every kustomization in one ``kubectl
kustomize`` build, every rule file in one ``promtool check rules``), both at once and
while the in-process checks run; only when a combined run fails are the parts run one
by one, to say which file failed. The combined runs take a process from the `WarmPool`
when one is parked there (started ahead, so its start-up is not on the caller's path).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from goldpath.gitops._policies import Document, Tree, normal_path, object_ref
from goldpath.gitops._report import ValidationReport
from goldpath.gitops._warm import TOOL_ENV, WarmPool, WarmProcess
from goldpath.gitops._yaml import dump_yaml
from goldpath.trees import write_tree

__all__ = [
    "KUSTOMIZE_PROCESSES",
    "TOOL_TIMEOUT_SECONDS",
    "VALIDATORS",
    "ToolChecks",
    "ValidatorTool",
    "kubectl_path",
    "missing_validators",
    "promtool_path",
]

TOOL_TIMEOUT_SECONDS = 60
KUSTOMIZE_PROCESSES = 2
"""``kubectl kustomize`` processes a tree's builds are shared among. kubectl starts in
about 30 ms and builds on one core: on the team's 2-core machine two processes validate
a three-environment app tree in 108 ms p50 against 118 ms for one (2026-12-05), and
within a Create, where the Python side wants a core too, the two are even; a server with
more cores gains more."""


@dataclass(frozen=True, slots=True)
class ValidatorTool:
    """An external program GitOps validation runs, and how to install it."""

    name: str
    check: str
    install: str

    def path(self) -> str | None:
        """Where the program is on PATH, or None."""
        return shutil.which(self.name)


PROMTOOL = ValidatorTool(
    name="promtool",
    check="promtool check rules",
    install="`make validators` (Debian: `apt-get install prometheus`)",
)
KUBECTL = ValidatorTool(
    name="kubectl",
    check="kubectl kustomize",
    install="`make validators` (Debian: `apt-get install kubernetes-client`, "
    "or kubectl from https://kubernetes.io/docs/tasks/tools/)",
)
VALIDATORS: tuple[ValidatorTool, ...] = (PROMTOOL, KUBECTL)


def promtool_path() -> str | None:
    """Where ``promtool`` is, if installed (Debian's ``prometheus`` package)."""
    return PROMTOOL.path()


def kubectl_path() -> str | None:
    """Where ``kubectl`` is, if installed."""
    return KUBECTL.path()


def missing_validators() -> list[ValidatorTool]:
    """The validator programs this machine lacks (empty when validation is complete)."""
    return [tool for tool in VALIDATORS if tool.path() is None]


_KLOG_HEADER = re.compile(r"^[IWEF]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.-]+:\d+\] ", re.MULTILINE)
"""kubectl's log-line header (``E1205 19:00:05.073343    9260 run.go:72] ``): a time and
a process id, which say nothing about the tree and make two runs' messages differ."""


@dataclass(slots=True)
class _Run:
    """One tool process under way, and how to read its verdict."""

    process: subprocess.Popen[str]
    shown: dict[str, str]  # scratch path -> what the message should say instead

    def verdict(self) -> str | None:
        """None when it succeeded; else its message, with scratch paths made relative."""
        try:
            stdout, stderr = self.process.communicate(timeout=TOOL_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return f"did not finish within {TOOL_TIMEOUT_SECONDS} s"
        if self.process.returncode == 0:
            return None
        message = _KLOG_HEADER.sub("", stderr or stdout or "").strip()
        message = message or f"exit code {self.process.returncode}"
        for path, shown in self.shown.items():
            message = message.replace(path, shown)
        return message


def _start(args: list[str], cwd: Path, shown: dict[str, str], *, keep_stdout: bool) -> _Run:
    process = subprocess.Popen(  # noqa: S603 - fixed tool, arguments are paths we wrote
        args,
        cwd=cwd,
        env={**os.environ, **TOOL_ENV},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE if keep_stdout else subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return _Run(process=process, shown=shown)


def _groups(rule: Document) -> list[object]:
    """A PrometheusRule's rule groups, as promtool reads them."""
    return list((rule.body.get("spec") or {}).get("groups") or [])


@dataclass(frozen=True, slots=True)
class _Build:
    """One combined ``kubectl kustomize`` run: the outermost kustomizations it builds
    (through an umbrella kustomization when more than one) and every one they cover."""

    members: list[Document]
    covered: list[Document]


@dataclass(slots=True)
class ToolChecks:
    """The external checks of one tree: `start` them, do other work, then `finish`."""

    tree: Tree
    scratch: Path
    pool: WarmPool | None = None
    _promtool: str | None = None
    _kubectl: str | None = None
    _rules: dict[Path, Document] = field(default_factory=dict)
    _runs: dict[str, _Run] = field(default_factory=dict)
    _builds: list[_Build] | None = None

    @property
    def _root(self) -> Path:
        return self.scratch / "tree"

    def start(self, files: Mapping[PurePosixPath, str], report: ValidationReport) -> None:
        """Record missing tools as failures, write the tree, and start every tool at once."""
        for tool in missing_validators():
            report.add(
                check="tools",
                rule="missing",
                message=f"{tool.name} is not installed, so `{tool.check}` cannot run and "
                f"the tree cannot be vouched for: install it with {tool.install}",
            )
        self._promtool, self._kubectl = PROMTOOL.path(), KUBECTL.path()
        if self._promtool is None and self._kubectl is None:
            return
        write_tree(self._root, files)
        if self._promtool is not None and self.tree.of_kind("PrometheusRule"):
            self._rule_files()
            self._runs["promtool"] = self._promtool_combined()
        if self._kubectl is not None and self.tree.kustomizations:
            for index, build in enumerate(self._combined_builds()):
                self._runs[f"kustomize-{index}"] = self._kustomize_combined(index, build)

    def finish(self, report: ValidationReport) -> None:
        """Wait for the tools and record their findings and what was checked."""
        promtool = self._runs.get("promtool")
        if self._promtool is not None:
            if promtool is not None and promtool.verdict() is not None:
                self._promtool_one_by_one(report)
            report.checked.append(PROMTOOL.check)
        if self._kubectl is not None:
            failed: list[Document] = []
            for index, build in enumerate(self._combined_builds()):
                run = self._runs.get(f"kustomize-{index}")
                if run is not None and run.verdict() is not None:
                    failed.extend(build.covered)
            if failed:
                self._kustomize_one_by_one(report, failed)
            report.checked.append(KUBECTL.check)
        if self.pool is not None:
            programs = {"kustomize": self._kubectl, "promtool": self._promtool}
            self.pool.refill({kind: path for kind, path in programs.items() if path})

    def stop(self) -> None:
        """Stop any tool still running (a validation left before it finished)."""
        for run in self._runs.values():
            if run.process.returncode is not None:
                continue  # its verdict was read
            if run.process.poll() is None:
                run.process.kill()
            run.process.communicate()

    def _warm(self, kind: str, program: str | None) -> WarmProcess | None:
        if self.pool is None or program is None:
            return None
        return self.pool.take(kind, program)

    # -- promtool -----------------------------------------------------------------------------

    def _rule_files(self) -> None:
        """Where each PrometheusRule's groups go as the rule file promtool reads (written
        only for a cold run)."""
        for index, doc in enumerate(self.tree.of_kind("PrometheusRule")):
            self._rules[self.scratch / "promtool" / f"rules-{index}.yaml"] = doc

    def _promtool_combined(self) -> _Run:
        """Every rule file in one run. A parked process reads one file, so it is given
        every file's groups in one: that passes only when each file would (the rules are
        the same; one file only adds the rule that group names differ), and when it
        fails, each file is checked on its own anyway. JSON is YAML, and far quicker to
        write; a file a message may point into is written as YAML."""
        warm = self._warm("promtool", self._promtool)
        if warm is None:
            return self._promtool_run(list(self._rules))
        warm.feed(json.dumps({"groups": [group for doc in self._rules.values()
                                         for group in _groups(doc)]}))
        return _Run(process=warm.process, shown={})

    def _promtool_run(self, targets: list[Path]) -> _Run:
        assert self._promtool is not None
        write_tree(self.scratch / "promtool", {
            PurePosixPath(target.name): dump_yaml({"groups": _groups(self._rules[target])})
            for target in targets if not target.exists()
        })
        shown = {str(t): self._rules[t].file.name for t in targets}
        args = [self._promtool, "check", "rules", *(str(t) for t in targets)]
        return _start(args, self.scratch, shown, keep_stdout=True)

    def _promtool_one_by_one(self, report: ValidationReport) -> None:
        runs = {target: self._promtool_run([target]) for target in self._rules}
        for target, run in runs.items():
            message = run.verdict()
            if message is not None:
                doc = self._rules[target]
                report.add(check="promtool", rule="check-rules", message=message,
                           file=doc.file, object=object_ref(doc.body))

    # -- kustomize ----------------------------------------------------------------------------

    def _folder(self, kustomization: Document) -> Path:
        return self._root.joinpath(*kustomization.file.parent.parts)

    def _combined_builds(self) -> list[_Build]:
        """The builds that prove every kustomization of the tree: the outermost ones in
        `KUSTOMIZE_PROCESSES` groups.

        A build succeeds only when each of its members builds, so one ``kubectl`` run
        proves them all; when it fails (a broken one, or two building the same object),
        every kustomization it covers is built on its own to find which. Worked out once
        per tree (`start` and `finish` both ask).
        """
        if self._builds is None:
            outermost = sorted(self._outermost(), key=lambda k: k.file.as_posix())
            count = max(1, min(KUSTOMIZE_PROCESSES, len(outermost)))
            self._builds = [
                _Build(members=outermost[index::count],
                       covered=self._covered(outermost[index::count]))
                for index in range(count)
            ]
        return self._builds

    def _umbrella(self, build: _Build, folder: Path) -> str:
        """A kustomization in ``folder`` that lists the build's members."""
        resources = [os.path.relpath(self._folder(k), folder) for k in build.members]
        return dump_yaml({"apiVersion": "kustomize.config.k8s.io/v1beta1",
                          "kind": "Kustomization", "resources": resources})

    def _kustomize_combined(self, index: int, build: _Build) -> _Run:
        warm = self._warm("kustomize", self._kubectl)
        if warm is not None:
            warm.feed(self._umbrella(build, warm.input.parent))
            return _Run(process=warm.process, shown={str(self._root) + "/": ""})
        if len(build.members) == 1:
            return self._kustomize_run(self._folder(build.members[0]))
        folder = self.scratch / f"all-{index}"
        write_tree(self.scratch, {PurePosixPath(folder.name, "kustomization.yaml"):
                                  self._umbrella(build, folder)})
        return self._kustomize_run(folder)

    def _covered(self, members: list[Document]) -> list[Document]:
        """``members`` and every kustomization they list, directly or not."""
        by_folder = {k.file.parent: k for k in self.tree.kustomizations}
        found: dict[PurePosixPath, Document] = {}
        todo = list(members)
        while todo:
            kust = todo.pop()
            if kust.file.parent in found:
                continue
            found[kust.file.parent] = kust
            for resource in kust.body.get("resources") or []:
                listed = by_folder.get(normal_path(kust.file.parent / str(resource)))
                if listed is not None:
                    todo.append(listed)
        return sorted(found.values(), key=lambda k: k.file.as_posix())

    def _outermost(self) -> list[Document]:
        """The kustomizations no other one of the tree lists as a resource: building an
        overlay builds its base, so the base need not be built again beside it."""
        listed = {
            normal_path(k.file.parent / str(resource))
            for k in self.tree.kustomizations
            for resource in k.body.get("resources") or []
        }
        outermost = [k for k in self.tree.kustomizations if k.file.parent not in listed]
        # A cycle lists every one; then build them all and let kustomize say so.
        return outermost or list(self.tree.kustomizations)

    def _kustomize_run(self, folder: Path) -> _Run:
        assert self._kubectl is not None
        shown = {str(self._root) + "/": ""}
        return _start([self._kubectl, "kustomize", str(folder)], self._root, shown,
                      keep_stdout=False)

    def _kustomize_one_by_one(self, report: ValidationReport, suspects: list[Document]) -> None:
        runs = [(k, self._kustomize_run(self._folder(k))) for k in suspects]
        for kustomization, run in runs:
            message = run.verdict()
            if message is not None:
                report.add(check="kustomize", rule="build", message=message,
                           file=kustomization.file)
