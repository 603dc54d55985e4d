"""Checks that run external tools (``promtool``, ``kubectl kustomize``) on a tree.

Not pure: writes the tree to a temporary directory and runs subprocesses.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from goldpath.gitops._policies import Tree, object_ref
from goldpath.gitops._report import ValidationReport
from goldpath.gitops._yaml import dump_yaml

__all__ = ["TOOL_TIMEOUT_SECONDS", "kubectl_path", "promtool_path", "run_tool_checks", "write_tree"]

TOOL_TIMEOUT_SECONDS = 60


def promtool_path() -> str | None:
    """Where ``promtool`` is, if installed (Debian's ``prometheus`` package)."""
    return shutil.which("promtool")


def kubectl_path() -> str | None:
    """Where ``kubectl`` is, if installed."""
    return shutil.which("kubectl")


def write_tree(files: Mapping[PurePosixPath, str], root: Path) -> None:
    """Write a tree of relative paths under ``root``."""
    for path, text in files.items():
        if path.is_absolute() or ".." in path.parts:
            raise ValueError(f"refusing to write {path} outside the tree")
        target = root.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")


def _run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed tool, arguments are paths we wrote
        args, cwd=cwd, capture_output=True, text=True, timeout=TOOL_TIMEOUT_SECONDS, check=False
    )


def _promtool(promtool: str, tree: Tree, root: Path, report: ValidationReport) -> None:
    rules_dir = root / ".promtool"
    rules_dir.mkdir()
    written: dict[Path, tuple[PurePosixPath, str]] = {}
    for index, doc in enumerate(tree.of_kind("PrometheusRule")):
        groups = (doc.body.get("spec") or {}).get("groups") or []
        target = rules_dir / f"rules-{index}.yaml"
        target.write_text(dump_yaml({"groups": groups}), encoding="utf-8")
        written[target] = (doc.file, object_ref(doc.body))
    for target, (file, ref) in written.items():
        result = _run([promtool, "check", "rules", str(target)], root)
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip().replace(str(target), file.name)
            report.add(check="promtool", rule="check-rules", message=message, file=file,
                       object=ref)
    report.checked.append("promtool check rules")


def _kustomize(kubectl: str, tree: Tree, root: Path, report: ValidationReport) -> None:
    for kust in tree.kustomizations:
        folder = root.joinpath(*kust.file.parent.parts)
        result = _run([kubectl, "kustomize", str(folder)], root)
        if result.returncode != 0:
            message = (result.stderr or result.stdout).strip().replace(str(root) + "/", "")
            report.add(check="kustomize", rule="build", message=message, file=kust.file)
    report.checked.append("kubectl kustomize")


def run_tool_checks(
    files: Mapping[PurePosixPath, str], tree: Tree, report: ValidationReport
) -> None:
    """Run promtool and kustomize over the tree, recording failures and skipped tools."""
    promtool, kubectl = promtool_path(), kubectl_path()
    if promtool is None:
        report.skipped.append("promtool check rules (promtool not installed)")
    if kubectl is None:
        report.skipped.append("kubectl kustomize (kubectl not installed)")
    if promtool is None and kubectl is None:
        return
    with tempfile.TemporaryDirectory(prefix="goldpath-validate-") as tmp:
        root = Path(tmp)
        write_tree(files, root)
        if promtool is not None:
            _promtool(promtool, tree, root, report)
        if kubectl is not None:
            _kustomize(kubectl, tree, root, report)
