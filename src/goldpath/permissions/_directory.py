"""Who is in which group, read from the catalog's own relations."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol

from goldpath.catalog import CatalogService

__all__ = ["CatalogDirectory", "Directory", "MappingDirectory", "groups_with_ancestors"]

# A group tree deeper than this is a cycle or a mistake; the walk stops there.
MAX_DEPTH = 32
# How long a user's groups read from the catalog may be reused at most: the bound on how
# late a catalog change this process did not hear of is seen here.
GROUPS_MAX_AGE_SECONDS = 5.0
GROUPS_MAX_USERS = 10_000


class Directory(Protocol):
    """The organisation as the policy needs it."""

    def groups_of(self, user_ref: str) -> frozenset[str]:
        """The groups the user is a member of, and (transitively) their parent groups."""
        ...

    def known_groups_of(self, user_ref: str) -> frozenset[str] | None:
        """What ``groups_of`` answers, when that is at hand without any IO (else None)."""
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


@dataclass(frozen=True, slots=True)
class _Known:
    groups: frozenset[str]
    generation: int
    read_at: float


class CatalogDirectory:
    """Group membership from the catalog: a User's ``memberOf`` relations, then each group's
    ``childOf`` relations up the tree (``spec.parent`` and the parent's ``spec.children``
    both produce them, as do ``spec.memberOf`` and a group's ``spec.members``), in one
    recursive read of the relations; no entity is loaded.

    Every request asks for its caller's groups, so answers are kept: one is reused until
    the catalog changes (``CatalogService.generation`` moves: after this process's own
    changes, and on PostgreSQL after other replicas' through ``CatalogChangeListener``),
    and never once it is ``max_age_seconds`` old (a change no one heard of: a lost
    listener, another process on SQLite).
    """

    def __init__(
        self,
        catalog: CatalogService,
        *,
        max_age_seconds: float = GROUPS_MAX_AGE_SECONDS,
        max_users: int = GROUPS_MAX_USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._catalog = catalog
        self._max_age = max_age_seconds
        self._max_users = max_users
        self._clock = clock
        self._known: dict[str, _Known] = {}
        self._lock = threading.Lock()

    def known_groups_of(self, user_ref: str) -> frozenset[str] | None:
        """The user's groups as last read, while still current; None when they must be read."""
        known = self._known.get(user_ref)
        if (
            known is None
            or known.generation != self._catalog.generation
            or self._clock() - known.read_at >= self._max_age
        ):
            return None
        return known.groups

    def groups_of(self, user_ref: str) -> frozenset[str]:
        """The user's groups and their ancestors; none for a user the catalog does not know."""
        groups = self.known_groups_of(user_ref)
        if groups is not None:
            return groups
        # the generation and time from before the read: a change committed while it ran
        # leaves this answer already out of date, so it is read again next time
        generation, read_at = self._catalog.generation, self._clock()
        groups = self._catalog.reachable(user_ref, "memberOf", "childOf")
        with self._lock:
            if len(self._known) >= self._max_users and user_ref not in self._known:
                del self._known[next(iter(self._known))]  # the first kept goes first
            self._known[user_ref] = _Known(groups, generation, read_at)
        return groups


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

    def known_groups_of(self, user_ref: str) -> frozenset[str] | None:
        """Always at hand: the mappings are in memory."""
        return self.groups_of(user_ref)
