"""Built-in actions: factories handed their dependencies, registered exactly like plugins.

``builtin_actions`` is the provider the composition root loads (see ``ACTION_PROVIDERS``);
a plugin module offers the same kind of function.
"""

from goldpath.scaffolder._actions import Action, ActionDeps
from goldpath.scaffolder.actions._catalog import CatalogLocations, catalog_register, catalog_write
from goldpath.scaffolder.actions._debug import debug_log
from goldpath.scaffolder.actions._fetch import fetch_plain, fetch_template
from goldpath.scaffolder.actions._fs import fs_delete, fs_rename

__all__ = [
    "CatalogLocations",
    "builtin_actions",
    "catalog_register",
    "catalog_write",
    "debug_log",
    "fetch_plain",
    "fetch_template",
    "fs_delete",
    "fs_rename",
]


def builtin_actions(deps: ActionDeps) -> tuple[Action, ...]:
    """The built-in actions, each made from the dependencies it uses."""
    return (
        fetch_template(deps.git_hosts),
        fetch_plain(deps.git_hosts),
        fs_rename(),
        fs_delete(),
        debug_log(),
        catalog_register(deps.catalog),
        catalog_write(),
    )
