"""Fixtures for promotions: the demo portal plus a component ``orders`` of payments-team
with a real GitOps repository (three environments) on the local git host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from goldpath.config import Settings
from goldpath.gitops import ENVIRONMENTS, AppSpec, PlatformSpec, render_app, set_image
from goldpath.providers.git import LocalGitHost
from goldpath.runtime import Runtime
from goldpath.scratch import scratch_dir
from goldpath.trees import write_tree
from tests.permissions.conftest import ADA, GRACE, LINUS, MARGARET, Demo
from tests.web.conftest import make_client

__all__ = ["ADA", "GRACE", "LINUS", "MARGARET", "ORDERS", "Demo", "gitops_host", "tag_at"]

ORDERS = "component:default/orders"


def gitops_host(runtime: Runtime) -> LocalGitHost:
    """The platform's git host (the local one in development)."""
    host = runtime.git_hosts.platform_host()
    assert isinstance(host, LocalGitHost)
    return host


def tag_at(runtime: Runtime, environment: str, ref: str = "main") -> str:
    """The tag an environment's overlay holds on ``ref`` of the orders GitOps repo."""
    host = gitops_host(runtime)
    group = runtime.settings.platform.gitops_group
    text = host.read_file(group, "orders", ref, f"overlays/{environment}/kustomization.yaml")
    return str(yaml.safe_load(text)["images"][0]["newTag"])


def seed_orders(runtime: Runtime, folder: Path, *, dev_tag: str = "v2") -> None:
    """Register ``orders`` (owned by payments-team) and publish its GitOps repo: every
    environment at ``v1``, then the pipeline's deploy of ``dev_tag`` to dev."""
    settings = runtime.settings
    folder.mkdir(parents=True, exist_ok=True)
    entity = {
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "orders", "annotations": {"argocd/app-name": "orders"}},
        "spec": {"type": "service", "lifecycle": "production", "owner": "payments-team"},
    }
    path = folder / "orders.yaml"
    path.write_text(yaml.safe_dump(entity), encoding="utf-8")
    runtime.catalog.add_location("file", str(path))
    host = gitops_host(runtime)
    group = settings.platform.gitops_group
    spec = AppSpec(
        name="orders",
        owner="group:default/payments-team",
        gitops_repo_url=host.clone_url(group, "orders"),
        environments=ENVIRONMENTS,
        image_tag="v1",
        platform=PlatformSpec.from_settings(settings),
    )
    info = host.create_repo(group, "orders", default_branch="main")
    with scratch_dir(settings.tmp_root, prefix="seed-") as tree:
        write_tree(tree, render_app(spec))
        host.push(tree, info, branch="main", message="init", author_name="t",
                  author_email="t@example.com")
    set_image(
        host.repo_path(group, "orders"),
        "orders",
        dev_tag,
        environment="dev",
        tmp_root=settings.tmp_root,
        secrets_prefix=settings.platform.secrets_prefix,
    )


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> Path:
    """GOLDPATH_* so the CLI opens the same home as ``settings``; returns the home."""
    monkeypatch.setenv("GOLDPATH_HOME", str(settings.home))
    monkeypatch.setenv("GOLDPATH_CATALOG__REFRESH_ENABLED", "false")
    monkeypatch.setenv("GOLDPATH_SCAFFOLDER__WORKERS", "0")
    return settings.home


@pytest.fixture
def demo(settings: Settings, cli_env: Path, tmp_path: Path) -> Iterator[Demo]:
    """The demo portal with ``orders`` and its GitOps repo (dev at v2, the rest at v1)."""
    for client, runtime in make_client(settings, seed=True):
        seed_orders(runtime, tmp_path / "catalog")
        yield Demo(client, runtime)
