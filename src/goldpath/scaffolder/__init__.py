"""Scaffolder: v1beta3 templates, expressions, actions with undo, durable tasks, dry run."""

from goldpath.scaffolder._actions import (
    Action,
    ActionContext,
    ActionInput,
    ActionRegistry,
    TaskIdentity,
    UndoEnv,
    UndoRecord,
)

__all__ = [
    "Action",
    "ActionContext",
    "ActionInput",
    "ActionRegistry",
    "TaskIdentity",
    "UndoEnv",
    "UndoRecord",
]
