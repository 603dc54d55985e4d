"""Scaffolder test helpers: a runtime with a real catalog, template folders, test actions."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import Field

from goldpath.config import Settings
from goldpath.runtime import Runtime
from goldpath.scaffolder import (
    Action,
    ActionContext,
    ActionInput,
    ActionRegistry,
    ScaffolderService,
    UndoEnv,
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


def test_registry() -> ActionRegistry:
    """The default registry plus the test actions."""
    registry = ActionRegistry.default()
    for action in TEST_ACTIONS:
        registry.register(action)
    return registry


test_registry.__test__ = False  # type: ignore[attr-defined]


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


def drain(service: ScaffolderService, worker_id: str = "test-worker") -> int:
    """Run every open task in this thread; returns how many ran."""
    count = 0
    while service.run_next(worker_id) is not None:
        count += 1
    return count


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    """A prepared runtime (SQLite, catalog, local git host) with no background loops."""
    rt = Runtime(settings)
    rt.prepare()
    yield rt
    rt.stop()


@pytest.fixture
def service(runtime: Runtime) -> ScaffolderService:
    """A scaffolder service with the test actions, sharing the runtime's catalog."""
    return ScaffolderService(
        database=runtime.database,
        settings=runtime.settings,
        registry=test_registry(),
        runtime=runtime,
    )


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    """Where a test writes its templates."""
    path = tmp_path / "templates"
    path.mkdir()
    return path
