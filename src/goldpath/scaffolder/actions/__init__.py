"""Built-in actions, registered exactly like plugins through ``BUILTIN_ACTIONS``."""

from goldpath.scaffolder._actions import Action

__all__ = ["BUILTIN_ACTIONS"]

BUILTIN_ACTIONS: tuple[Action, ...] = ()
