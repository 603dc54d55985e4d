"""A worker killed inside a provisioning step, after AWS made the resource: the next start
rolls the task back from its persisted undo records and moto is as it was."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.scaffolder.conftest import TEST_PROVIDERS, write_template
from tests.support.moto import aws, moto_endpoint
from tests.support.waiting import wait_until

from goldpath.config import load_settings
from goldpath.runtime import Runtime

__all__ = ["aws", "moto_endpoint"]

REPO_ROOT = Path(__file__).resolve().parents[2]

# The child runs the real actions; its aws:secretsmanager:create hangs once AWS has made
# the secret (as a worker would that dies between AWS's answer and the end of the step).
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from goldpath.config import load_settings
    from goldpath.runtime import Runtime
    from goldpath.scaffolder import Action, ActionRegistry
    from tests.scaffolder.conftest import TEST_PROVIDERS

    def hanging(deps):
        for action in ActionRegistry.from_providers(deps, TEST_PROVIDERS):
            if action.id != "aws:secretsmanager:create":
                yield action
                continue
            real = action.handler
            def handler(ctx, params, _real=real):
                _real(ctx, params)
                Path({flag!r}).write_text("made")
                while True:
                    time.sleep(1)
            yield Action(id=action.id, description=action.description, input=action.input,
                         output=action.output, handler=handler, undo=action.undo)

    settings = load_settings(home={home!r}, catalog={{"refresh_enabled": False}},
                             aws={{"endpoint_url": {endpoint!r}}},
                             scaffolder={{"workers": 1, "heartbeat_seconds": 0.1,
                                          "poll_seconds": 0.05}})
    runtime = Runtime(settings, action_providers=(hanging,))
    runtime.prepare()
    runtime.catalog.add_location("file", {template!r})
    task_id = runtime.task_creator.create("template:default/provisioning", {{"name": "crashy"}})
    print(task_id, flush=True)
    runtime.task_workers.start()
    while True:
        time.sleep(1)
    """
)


def _moto(endpoint: str) -> dict[str, Any]:
    ecr = boto3.client("ecr", region_name="us-east-2", endpoint_url=endpoint)
    sm = boto3.client("secretsmanager", region_name="us-east-2", endpoint_url=endpoint)
    iam = boto3.client("iam", region_name="us-east-2", endpoint_url=endpoint)
    return {
        "repositories": sorted(
            r["repositoryName"] for r in ecr.describe_repositories()["repositories"]
        ),
        "secrets": sorted(s["Name"] for s in sm.list_secrets()["SecretList"]),
        "roles": sorted(r["RoleName"] for r in iam.list_roles()["Roles"]),
    }


@pytest.mark.slow
def test_a_worker_killed_inside_a_provisioning_step_is_rolled_back(
    aws: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    flag = tmp_path / "made"
    app = {"name": "${{ parameters.name }}", "owner": "group:default/team-a"}
    template = write_template(
        tmp_path / "templates",
        name="provisioning",
        steps=[
            {"id": "ecr", "action": "aws:ecr:create", "input": app},
            {"id": "secret", "action": "aws:secretsmanager:create", "input": app},
        ],
    )
    boto3.client("ecr", region_name="us-east-2", endpoint_url=aws).create_repository(
        repositoryName="apps/not-ours"
    )
    before = _moto(aws)
    script = CHILD.format(
        root=str(REPO_ROOT), home=str(home), template=str(template), flag=str(flag), endpoint=aws
    )
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert child.stdout is not None
        task_id = child.stdout.readline().strip()

        def made() -> bool:
            assert child.poll() is None, "the worker process exited before the step ran"
            return flag.exists()

        wait_until(made, what="the provisioning step to make its resources")
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    during = _moto(aws)
    assert during["repositories"] == ["apps/crashy", "apps/not-ours"]
    assert during["secrets"] == ["goldpath/apps/crashy"]
    assert during["roles"] == ["goldpath-ci-crashy"]

    settings = load_settings(
        home=home,
        catalog={"refresh_enabled": False},
        aws={"endpoint_url": aws},
        scaffolder={"workers": 1, "heartbeat_timeout_seconds": 0.5},
    )
    runtime = Runtime(settings, action_providers=TEST_PROVIDERS)
    runtime.prepare()
    try:
        wait_until(
            lambda: runtime.task_store.stale(older_than=timedelta(seconds=0.5)),
            what="the killed worker's heartbeat to go stale",
        )
        workers = runtime.task_workers
        workers.start()  # start-up recovery
        workers.stop()
        task = runtime.task_store.get(task_id)
    finally:
        runtime.stop()
    assert task.status == "failed"
    assert task.error is not None and task.error.rollback is not None
    assert task.error.rollback.failed == []
    assert task.error.rollback.undone == [
        "delete Secrets Manager secret goldpath/apps/crashy",
        "delete IAM role goldpath-ci-crashy",
        "delete ECR repository apps/crashy",
    ]
    assert _moto(aws) == before
