"""Helpers for GitOps tests: parse a rendered tree into manifests, independently of goldpath."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from goldpath.gitops import AppSpec

Files = dict[PurePosixPath, str]
# libyaml's safe loader: the same documents as yaml.safe_load, much faster on big files.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def manifests(files: Files) -> list[tuple[PurePosixPath, dict[str, Any]]]:
    """Every Kubernetes object in the tree (kustomizations and the spec file excluded)."""
    out: list[tuple[PurePosixPath, dict[str, Any]]] = []
    for path, text in files.items():
        if path.suffix != ".yaml" or path.name == "kustomization.yaml":
            continue
        if path.name == "goldpath-app.yaml":
            continue
        out.extend((path, doc) for doc in yaml.load_all(text, Loader=LOADER) if doc)
    return out


def of_kind(files: Files, kind: str) -> list[dict[str, Any]]:
    """Objects of one kind."""
    return [doc for _, doc in manifests(files) if doc["kind"] == kind]


def one(files: Files, kind: str) -> dict[str, Any]:
    """The single object of a kind."""
    found = of_kind(files, kind)
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def iam_policy(files: Files) -> dict[str, Any]:
    """The ECR policy JSON."""
    policy: dict[str, Any] = json.loads(files[PurePosixPath("iam/ecr-policy.json")])
    return policy


def write(files: Files, root: Path) -> Path:
    """Write a tree to disk."""
    for path, text in files.items():
        target = root.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return root


def spec(**overrides: Any) -> AppSpec:
    """A typical app spec; keyword arguments override fields."""
    values: dict[str, Any] = {
        "name": "payments",
        "owner": "group:default/team-pay",
        "gitops_repo_url": "https://gitlab.example.com/gitops/payments.git",
        "description": "Takes payments",
    }
    values.update(overrides)
    return AppSpec(**values)
