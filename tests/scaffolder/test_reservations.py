"""Any name that already exists (catalog, git host, a task in flight) is refused with 409."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.scaffolder.conftest import write_template
from tests.support.catalog import register_owners

from goldpath.runtime import Runtime
from goldpath.scaffolder import RESERVED_NAME_ANNOTATION, platform_context
from goldpath.scaffolder.errors import NameReservedError

names = st.from_regex(r"[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,6})?", fullmatch=True)


def _install(runtime: Runtime, root: Path) -> None:
    path = write_template(
        root,
        name="reserving",
        annotations={RESERVED_NAME_ANNOTATION: "name"},
        steps=[
            {
                "id": "publish",
                "action": "publish:github",
                "input": {"repoUrl": "github.com?owner=acme&repo=${{ parameters.name }}"},
            }
        ],
    )
    runtime.catalog.add_location("file", str(path))


def _make_existing(runtime: Runtime, root: Path, name: str, where: str) -> str:
    if where == "catalog":
        path = root / f"{name}.yaml"
        if not path.exists():
            path.write_text(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\n"
                f"metadata:\n  name: {name}\nspec:\n  type: service\n  owner: team-x\n"
                "  lifecycle: production\n"
            )
            runtime.catalog.add_location("file", str(path))
        return f"component:default/{name}"
    if where == "git":
        if not runtime.git_hosts.local.repo_exists("acme", name):
            runtime.git_hosts.local.create_repo("acme", name)
        return f"acme/{name}"
    owner = runtime.task_store.reservation_owner(name)
    if owner is None:
        return runtime.task_creator.create("template:default/reserving", {"name": name})
    return owner[0]


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, where=st.sampled_from(["catalog", "git", "task"]))
def test_any_existing_name_is_rejected_naming_its_owner(
    runtime: Runtime, tmp_path: Path, name: str, where: str
) -> None:
    if "reserving" not in {e["metadata"]["name"] for e in runtime.catalog.list_entities()}:
        _install(runtime, tmp_path / "templates")
    name = f"{where[0]}{name}"  # one namespace per kind of owner, so examples do not mix
    existing = _make_existing(runtime, tmp_path, name, where)
    before = runtime.task_store.list_tasks()[1]
    with pytest.raises(NameReservedError) as info:
        runtime.task_creator.create("template:default/reserving", {"name": name})
    assert existing in info.value.message
    assert runtime.task_store.list_tasks()[1] == before


def test_platform_facts_are_in_expressions(runtime: Runtime) -> None:
    platform = platform_context(runtime.settings)
    assert platform["ecr_registry"] == "111122223333.dkr.ecr.us-east-2.amazonaws.com"
    for key in ("git_host", "app_group", "gitops_group", "domain", "grafana_url", "argocd_url"):
        assert platform[key] == getattr(runtime.settings.platform, key)


def test_a_leftover_gitops_repository_is_refused_up_front(runtime: Runtime) -> None:
    # gitops:publish creates <gitops_group>/<name> on the platform's git host; a leftover
    # one is refused at task creation (409), not half-way through the Create.
    runtime.templates.register_builtin()
    group = runtime.settings.platform.gitops_group
    runtime.git_hosts.local.create_repo(group, "ledger")
    register_owners(runtime.catalog, runtime.settings.home / "owners", "payments-team")
    values = {
        "name": "ledger",
        "owner": "group:default/payments-team",
        "description": "Ledger service",
    }
    before = runtime.task_store.list_tasks()[1]
    with pytest.raises(NameReservedError, match=f"repository {group}/ledger"):
        runtime.task_creator.create("template:default/nodejs-service", values)
    assert runtime.task_store.list_tasks()[1] == before


def test_a_repo_url_of_an_action_that_creates_no_repository_is_not_a_clash(
    runtime: Runtime, tmp_path: Path
) -> None:
    # Only actions that create a repository say so (publish:*, gitops:publish); a step
    # that merely names an existing repository (a pull request, a log line) does not
    # make its name taken.
    path = write_template(
        tmp_path / "templates",
        name="mentions",
        annotations={RESERVED_NAME_ANNOTATION: "name"},
        steps=[
            {
                "id": "log",
                "action": "debug:log",
                "input": {
                    "message": "about ${{ parameters.name }}",
                    "repoUrl": "github.com?owner=acme&repo=${{ parameters.name }}",
                },
            }
        ],
    )
    runtime.catalog.add_location("file", str(path))
    runtime.git_hosts.local.create_repo("acme", "existing")
    task_id = runtime.task_creator.create("template:default/mentions", {"name": "existing"})
    assert runtime.task_store.get(task_id).status == "open"
