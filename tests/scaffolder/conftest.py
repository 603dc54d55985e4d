"""Scaffolder test helpers: a runtime with a real catalog, template folders, test actions.

The test actions are added the way a plugin adds actions: a provider function beside the
built-in ones (``TEST_PROVIDERS``), so the composition root builds one registry with all.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import Field
from tests.support.waiting import wait_until

from goldpath.config import Settings
from goldpath.providers.git import GitHosts
from goldpath.runtime import Runtime
from goldpath.scaffolder import (
    ACTION_PROVIDERS,
    Action,
    ActionContext,
    ActionDeps,
    ActionInput,
    ActionProvider,
    ActionRegistry,
    StepSpec,
    StepState,
    TaskBroker,
    TaskExecutor,
    TaskSpec,
    TaskUser,
    TaskWorkers,
    TemplateInfo,
    UndoEnv,
)
from goldpath.scaffolder.actions import (
    catalog_write,
    debug_log,
    fetch_plain,
    fetch_template,
    fs_delete,
    fs_rename,
)
from goldpath.scaffolder.errors import ScaffolderError


class WorldInput(ActionInput):
    """Input of test:world-write."""

    path: str
    content: str = "made by a task"


class FailInput(ActionInput):
    """Input of test:fail."""

    message: str = "injected failure"


class WaitInput(ActionInput):
    """Input of test:wait."""

    flag: str = Field(description="File whose appearance ends the wait")


def _world_write(ctx: ActionContext, params: WorldInput) -> None:
    target = Path(params.path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:  # O_EXCL: creating is atomic, so only one of many parallel tasks can win
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise ScaffolderError(f"{target} already exists") from None
    with os.fdopen(fd, "w") as handle:
        handle.write(params.content)
    ctx.on_rollback(f"remove {target}", kind="remove-file", params={"path": str(target)})
    ctx.output("path", str(target))


def _undo_remove_file(env: UndoEnv, params: dict[str, Any]) -> None:
    Path(params["path"]).unlink()
    env.log(f"removed {params['path']}")


def _fail(ctx: ActionContext, params: FailInput) -> None:
    raise ScaffolderError(params.message)


def _wait(ctx: ActionContext, params: WaitInput) -> None:
    import time

    Path(params.flag + ".started").write_text("started")
    deadline = time.monotonic() + 120  # a test that never raises the flag fails, not hangs
    while not Path(params.flag).exists():
        ctx.check_cancelled()
        if time.monotonic() > deadline:
            raise ScaffolderError(f"test:wait gave up waiting for {params.flag}")
        time.sleep(0.02)


world_write = Action(
    id="test:world-write",
    description="Writes a file outside the workspace and records its persisted undo.",
    input=WorldInput,
    handler=_world_write,
    undo={"remove-file": _undo_remove_file},
)
fail = Action(
    id="test:fail",
    description="Always fails.",
    input=FailInput,
    handler=_fail,
    supports_dry_run=True,
)
wait = Action(id="test:wait", description="Waits for a flag file.", input=WaitInput, handler=_wait)

TEST_ACTIONS: tuple[Action, ...] = (world_write, fail, wait)


def provide_test_actions(deps: ActionDeps) -> tuple[Action, ...]:
    """The test actions (they need none of the dependencies)."""
    del deps
    return TEST_ACTIONS


TEST_PROVIDERS: tuple[str | ActionProvider, ...] = (*ACTION_PROVIDERS, provide_test_actions)
"""The built-in actions plus the test actions."""


def task_spec(*step_ids: str) -> TaskSpec:
    """A task spec for store-level tests: steps (named after their ids) that only log."""
    return TaskSpec(
        steps=tuple(StepSpec(id=s, name=s.upper(), action="debug:log") for s in step_ids),
        parameters={},
        user=TaskUser(ref="user:default/ada"),
        template_info=TemplateInfo(entity_ref="template:default/t", metadata={"name": "t"}),
    )


def open_steps(spec: TaskSpec) -> list[StepState]:
    """The step states of a task that has not run yet."""
    return [StepState.open(step) for step in spec.steps]


def workspace_registry(home: Path) -> ActionRegistry:
    """The built-ins that work on the workspace alone, plus the test actions: what a runner
    test needs, made from their factories without a catalog or a database."""
    hosts = GitHosts(Settings(home=home))
    return ActionRegistry(
        [
            fetch_template(hosts),
            fetch_plain(hosts),
            fs_rename(),
            fs_delete(),
            debug_log(),
            catalog_write(),
            *TEST_ACTIONS,
        ]
    )


def test_runtime(settings: Settings) -> Runtime:
    """A prepared runtime whose registry holds the built-ins and the test actions."""
    runtime = Runtime(settings, action_providers=TEST_PROVIDERS)
    runtime.prepare()
    return runtime


test_runtime.__test__ = False  # type: ignore[attr-defined]


def write_template(
    root: Path,
    *,
    name: str = "demo",
    steps: Sequence[Mapping[str, Any]] = (),
    parameters: Any = None,
    output: Mapping[str, Any] | None = None,
    files: Mapping[str, str] | None = None,
    annotations: Mapping[str, str] | None = None,
) -> Path:
    """Write template.yaml (and skeleton files) under root/name; returns template.yaml."""
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for relative, content in (files or {}).items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
    entity = {
        "apiVersion": "scaffolder.backstage.io/v1beta3",
        "kind": "Template",
        "metadata": {"name": name, "annotations": dict(annotations or {})},
        "spec": {
            "owner": "group:default/platform",
            "type": "service",
            "parameters": parameters
            if parameters is not None
            else [
                {
                    "required": ["name"],
                    "properties": {"name": {"type": "string", "pattern": "^[a-z][a-z0-9-]*$"}},
                }
            ],
            "steps": list(steps),
            "output": dict(output or {}),
        },
    }
    path = folder / "template.yaml"
    path.write_text(yaml.safe_dump(entity, sort_keys=False))
    return path


def template_entity(path: Path) -> dict[str, Any]:
    """The template.yaml as an entity with its file location annotation."""
    entity: dict[str, Any] = yaml.safe_load(path.read_text())
    entity["metadata"]["annotations"]["backstage.io/managed-by-location"] = f"file:{path}"
    return entity


def drain(executor: TaskExecutor, worker_id: str = "test-worker") -> int:
    """Run every open task in this thread; returns how many ran."""
    count = 0
    while executor.run_next(worker_id) is not None:
        count += 1
    return count


class Releaser:
    """Lets a ``test:wait`` step past its wait once someone follows its task.

    The flag is written in any case once ``timeout`` has passed, so a test whose follower
    never shows up still ends (and ``join`` then fails it, naming what never happened).
    """

    def __init__(
        self, broker: TaskBroker, task_id: str, flag: Path, *, timeout: float = 60.0
    ) -> None:
        self._error: AssertionError | None = None

        def followed() -> bool:
            return broker.newest_seen(task_id) is not None and Path(f"{flag}.started").exists()

        def release() -> None:
            try:
                wait_until(followed, timeout=timeout, what="a follower of the waiting task")
            except AssertionError as exc:
                self._error = exc
            finally:
                flag.write_text("go")

        self._thread = threading.Thread(target=release, daemon=True)
        self._thread.start()

    def join(self) -> None:
        """Wait for the release; fail when nobody followed the task in time."""
        self._thread.join()
        if self._error is not None:
            raise self._error


def task_workers(runtime: Runtime, count: int) -> TaskWorkers:
    """``count`` worker threads on the runtime's executor and recovery (not started)."""
    return TaskWorkers(
        executor=runtime.task_executor,
        recovery=runtime.task_recovery,
        settings=runtime.settings,
        broker=runtime.broker,
        count=count,
    )


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A prepared runtime (SQLite, catalog, local git host, the built-in and test actions)
    with no background loops."""
    rt = test_runtime(settings)
    yield rt
    rt.stop()


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    """Where a test writes its templates."""
    path = tmp_path / "templates"
    path.mkdir()
    return path
