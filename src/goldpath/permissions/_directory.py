"""Who is in which group, read from the catalog's own relations."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Protocol

from goldpath.catalog import CatalogService

__all__ = ["CatalogDirectory", "Directory", "MappingDirectory", "groups_with_ancestors"]

# A group tree deeper than this is a cycle or a mistake; the walk stops there.
MAX_DEPTH = 32


class Directory(Protocol):
    """The organisation as the policy needs it."""

    def groups_of(self, user_ref: str) -> frozenset[str]:
        """The groups the user is a member of, and (transitively) their parent groups."""
        ...


def groups_with_ancestors(
    direct: Iterable[str],
    parents_of: Callable[[list[str]], Mapping[str, Iterable[str]]],
    *,
    max_depth: int = MAX_DEPTH,
) -> frozenset[str]:
    """``direct`` and every ancestor, following ``parents_of(refs) -> {ref: parents}`` level by
    level (one lookup per level of the tree, cycles and repeats visited once)."""
    seen = set(direct)
    frontier = set(seen)
    for _ in range(max_depth):
        if not frontier:
            break
        found = parents_of(sorted(frontier))
        frontier = {p for parents in found.values() for p in parents} - seen
        seen |= frontier
    return frozenset(seen)


class CatalogDirectory:
    """Group membership from the catalog: a User's ``memberOf`` relations, then each group's
    ``childOf`` relations up the tree (``spec.parent`` and the parent's ``spec.children``
    both produce them, as do ``spec.memberOf`` and a group's ``spec.members``), in one
    recursive read of the relations; no entity is loaded."""

    def __init__(self, catalog: CatalogService) -> None:
        self._catalog = catalog

    def groups_of(self, user_ref: str) -> frozenset[str]:
        """The user's groups and their ancestors; none for a user the catalog does not know."""
        return self._catalog.reachable(user_ref, "memberOf", "childOf")


class MappingDirectory:
    """An organisation given as plain mappings (user -> groups, group -> parents)."""

    def __init__(
        self, members: Mapping[str, Iterable[str]], parents: Mapping[str, Iterable[str]]
    ) -> None:
        self._members = {u: frozenset(g) for u, g in members.items()}
        self._parents = {g: frozenset(p) for g, p in parents.items()}

    def groups_of(self, user_ref: str) -> frozenset[str]:
        """The user's groups and their ancestors."""
        return groups_with_ancestors(
            self._members.get(user_ref, frozenset()),
            lambda refs: {ref: self._parents.get(ref, frozenset()) for ref in refs},
        )
