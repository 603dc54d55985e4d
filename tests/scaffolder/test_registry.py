"""The action registry refuses loudly; actions describe themselves; undo records persist."""

from __future__ import annotations

from pathlib import Path

import pytest

from goldpath.scaffolder import (
    Action,
    ActionContext,
    ActionInput,
    ActionRegistry,
    UndoRecord,
)
from goldpath.scaffolder.actions import BUILTIN_ACTIONS
from goldpath.scaffolder.errors import ActionExistsError, ActionInputError, ActionNotFoundError


class EchoInput(ActionInput):
    """Input with a camelCase alias."""

    target_path: str = "x"


def _echo(ctx: ActionContext, params: EchoInput) -> None:
    ctx.output("targetPath", params.target_path)


echo = Action(id="test:echo", description="echo", input=EchoInput, handler=_echo)


def test_default_registry_holds_builtins_and_publish_actions() -> None:
    ids = {action.id for action in ActionRegistry.default()}
    assert {a.id for a in BUILTIN_ACTIONS} <= ids
    assert {"publish:github", "publish:gitlab", "gitops:publish"} <= ids


def test_duplicate_id_is_refused() -> None:
    registry = ActionRegistry([echo])
    with pytest.raises(ActionExistsError, match="test:echo"):
        registry.register(echo)


def test_unknown_id_is_refused() -> None:
    with pytest.raises(ActionNotFoundError, match="nope:x"):
        ActionRegistry().get("nope:x")


def test_missing_provider_module_adds_nothing() -> None:
    assert ActionRegistry().load("goldpath.scaffolder.actions._not_there:ACTIONS") == 0


def test_action_ids_must_be_namespaced() -> None:
    with pytest.raises(ValueError, match="namespaced"):
        Action(id="plain", description="", input=EchoInput, handler=_echo)


def test_bad_input_names_the_field_and_rule() -> None:
    with pytest.raises(ActionInputError) as info:
        BUILTIN_ACTIONS[0].parse_input({"url": 3})
    assert [(e.field, e.rule) for e in info.value.errors] == [("input.url", "string_type")]


def test_schema_uses_backstage_names() -> None:
    schema = ActionRegistry.default().get("fetch:template").schema()
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
