"""Built-in actions, registered exactly like plugins through ``BUILTIN_ACTIONS``."""

from goldpath.scaffolder._actions import Action
from goldpath.scaffolder.actions._catalog import catalog_register, catalog_write
from goldpath.scaffolder.actions._debug import debug_log
from goldpath.scaffolder.actions._fetch import fetch_plain, fetch_template
from goldpath.scaffolder.actions._fs import fs_delete, fs_rename

__all__ = [
    "BUILTIN_ACTIONS",
    "catalog_register",
    "catalog_write",
    "debug_log",
    "fetch_plain",
    "fetch_template",
    "fs_delete",
    "fs_rename",
]

BUILTIN_ACTIONS: tuple[Action, ...] = (
    fetch_template,
    fetch_plain,
    fs_rename,
    fs_delete,
    debug_log,
    catalog_register,
    catalog_write,
)
