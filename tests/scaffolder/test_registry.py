"""The action registry refuses loudly; actions describe themselves; undo records persist."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.runtime import Runtime
from goldpath.scaffolder import (
    ACTION_PROVIDERS,
    Action,
    ActionContext,
    ActionDeps,
    ActionInput,
    ActionRegistry,
    UndoRecord,
)
from goldpath.scaffolder.actions import builtin_actions, fs_rename
from goldpath.scaffolder.errors import ActionExistsError, ActionInputError, ActionNotFoundError


class EchoInput(ActionInput):
    """Input with a camelCase alias."""

    target_path: str = "x"


def _echo(ctx: ActionContext, params: EchoInput) -> None:
    ctx.output("targetPath", params.target_path)


echo = Action(id="test:echo", description="echo", input=EchoInput, handler=_echo)


def test_default_registry_holds_builtins_and_publish_actions(runtime: Runtime) -> None:
    ids = {action.id for action in runtime.actions}
    assert ids >= BUILTIN_IDS
    assert {"publish:github", "publish:gitlab", "gitops:publish"} <= ids


def test_a_provider_gets_the_composition_roots_dependencies(runtime: Runtime) -> None:
    seen: list[ActionDeps] = []

    def provider(deps: ActionDeps) -> tuple[Action, ...]:
        seen.append(deps)
        return (echo,)

    registry = Runtime(runtime.settings, action_providers=(*ACTION_PROVIDERS, provider)).actions
    assert "test:echo" in registry and "publish:gitlab" in registry
    assert seen[0].settings is runtime.settings
    assert seen[0].catalog is not None and seen[0].git_hosts is not None


BUILTIN_IDS = {
    "fetch:template",
    "fetch:plain",
    "fs:rename",
    "fs:delete",
    "debug:log",
    "catalog:register",
    "catalog:write",
}


def _deps(runtime: Runtime) -> ActionDeps:
    return ActionDeps(
        settings=runtime.settings,
        git_hosts=runtime.git_hosts,
        catalog=runtime.catalog,
        aws=runtime.aws,
    )


def test_the_builtin_provider_makes_each_action_from_its_factory(runtime: Runtime) -> None:
    assert {action.id for action in builtin_actions(_deps(runtime))} == BUILTIN_IDS


def test_duplicate_id_is_refused() -> None:
    registry = ActionRegistry([echo])
    with pytest.raises(ActionExistsError, match="test:echo"):
        registry.register(echo)


def test_unknown_id_is_refused() -> None:
    with pytest.raises(ActionNotFoundError, match="nope:x"):
        ActionRegistry().get("nope:x")


def test_missing_provider_module_adds_nothing(runtime: Runtime) -> None:
    missing = "goldpath.scaffolder.actions._not_there:actions"
    assert ActionRegistry().load(missing, _deps(runtime)) == 0


def test_action_ids_must_be_namespaced() -> None:
    with pytest.raises(ValueError, match="namespaced"):
        Action(id="plain", description="", input=EchoInput, handler=_echo)


def test_bad_input_names_the_field_and_rule() -> None:
    with pytest.raises(ActionInputError) as info:
        fs_rename().parse_input({"files": 3})
    assert [(e.field, e.rule) for e in info.value.errors] == [("input.files", "list_type")]


def test_schema_uses_backstage_names(runtime: Runtime) -> None:
    schema = runtime.actions.get("fetch:template").schema()
    assert schema["id"] == "fetch:template"
    assert schema["supportsDryRun"] is True
    assert {"url", "targetPath", "values", "copyWithoutTemplating"} <= set(
        schema["schema"]["input"]["properties"]
    )


def test_on_rollback_with_a_kind_needs_that_undo(tmp_path: Path) -> None:
    ctx = ActionContext(action=echo, step_id="s", workspace=tmp_path, task_id="t")
    with pytest.raises(ValueError, match="no undo kind"):
        ctx.on_rollback("x", kind="missing")
    with pytest.raises(ValueError, match="undo callable or an undo kind"):
        ctx.on_rollback("x")


def test_undo_record_round_trips() -> None:
    record = UndoRecord("a:b", "s", "undo it", "k", {"x": [1, 2]})
    assert UndoRecord.from_dict(record.as_dict()) == record
    assert record.persistable and not UndoRecord("a:b", "s", "d").persistable
