"""Hypothesis strategies: organisations (groups, parents, members), resources and policy rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from goldpath.permissions import PERMISSIONS, Resource

GROUPS = tuple(f"g{i}" for i in range(5))
USERS = tuple(f"u{i}" for i in range(5))
TAGS = ("prod", "internal", "web")
KINDS = ("component", "api", "template", "system")
PATTERNS = (
    *(p.name for p in PERMISSIONS),
    "catalog.*",
    "catalog.entity.*",
    "scaffolder.*",
    "*.read",
    "*",
)


@dataclass(frozen=True)
class Org:
    """Who is in which group and which group is whose parent (cycles allowed: data is data)."""

    members: dict[str, frozenset[str]]  # user name -> group names
    parents: dict[str, frozenset[str]]  # group name -> parent group names

    def group_ref(self, name: str) -> str:
        """The canonical ref of a group name."""
        return f"group:default/{name}"

    def user_ref(self, name: str) -> str:
        """The canonical ref of a user name."""
        return f"user:default/{name}"


@st.composite
def orgs(draw: st.DrawFn) -> Org:
    """Any organisation over GROUPS and USERS: memberships and parent edges, cycles included."""
    groups = st.frozensets(st.sampled_from(GROUPS), max_size=3)
    return Org(
        members={u: draw(groups) for u in USERS},
        parents={g: draw(st.frozensets(st.sampled_from(GROUPS), max_size=2)) for g in GROUPS},
    )


@st.composite
def trees(draw: st.DrawFn) -> Org:
    """An organisation the catalog can hold: at most one ``spec.parent`` per group."""
    parents = {g: draw(st.sampled_from((None, *GROUPS))) for g in GROUPS}
    groups = st.frozensets(st.sampled_from(GROUPS), max_size=3)
    return Org(
        members={u: draw(groups) for u in USERS},
        parents={g: frozenset({p} if p is not None and p != g else ()) for g, p in parents.items()},
    )


def _ref(kind: str, names: tuple[str, ...]) -> st.SearchStrategy[str]:
    # Written both ways, as policy authors do: a bare name or a full ref.
    return st.sampled_from(names).flatmap(
        lambda n: st.sampled_from((n, f"{kind}:default/{n}", f"{kind.title()}:default/{n}"))
    )


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    """A ``when:`` mapping with any subset of the condition keys."""
    options: dict[str, st.SearchStrategy[Any]] = {
        "users": st.lists(_ref("user", USERS), min_size=1, max_size=2),
        "groups": st.lists(_ref("group", GROUPS), min_size=1, max_size=2),
        "owners": st.lists(
            st.one_of(_ref("group", GROUPS), st.sampled_from(USERS).map(lambda u: f"user:{u}")),
            min_size=1,
            max_size=2,
        ),
        "kinds": st.lists(st.sampled_from(KINDS), min_size=1, max_size=2),
        "tags": st.lists(st.sampled_from(TAGS), min_size=1, max_size=2),
        "resources": st.lists(
            st.sampled_from(("thing:default/a", "thing:*", "*/b", "task-?", "*")),
            min_size=1,
            max_size=2,
        ),
        "admin": st.booleans(),
        "owner": st.booleans(),
        "in_allowed_groups": st.booleans(),
    }
    chosen = draw(st.lists(st.sampled_from(sorted(options)), max_size=2, unique=True))
    return {key: draw(options[key]) for key in chosen}


@st.composite
def policy_rules(draw: st.DrawFn, *, effects: tuple[str, ...] = ("allow", "deny")) -> list[Any]:
    """A policy file's ``rules`` list."""
    count = draw(st.integers(min_value=0, max_value=5))
    rules = []
    for index in range(count):
        rule: dict[str, Any] = {
            "name": f"r{index}",
            "permission": draw(
                st.one_of(
                    st.sampled_from(PATTERNS),
                    st.lists(st.sampled_from(PATTERNS), min_size=1, max_size=3),
                )
            ),
            "decision": draw(st.sampled_from(effects)),
        }
        when = draw(conditions())
        if when:
            rule["when"] = when
        rules.append(rule)
    return rules


@st.composite
def resources(draw: st.DrawFn, resource_type: str | None) -> Resource | None:
    """None, or a resource of the type with any owners, kind, tags and restriction."""
    if resource_type is None or draw(st.integers(min_value=0, max_value=3)) == 0:
        return None
    owner_refs = [f"group:default/{g}" for g in GROUPS] + [f"user:default/{u}" for u in USERS]
    allowed = draw(
        st.one_of(
            st.none(),
            st.frozensets(st.sampled_from([f"group:default/{g}" for g in GROUPS]), max_size=2),
        )
    )
    return Resource(
        type=resource_type,
        ref=draw(st.sampled_from(("thing:default/a", "thing:default/b", "task-1"))),
        kind=draw(st.one_of(st.none(), st.sampled_from(KINDS))),
        owners=draw(st.frozensets(st.sampled_from(owner_refs), max_size=2)),
        tags=draw(st.frozensets(st.sampled_from(TAGS), max_size=2)),
        allowed_groups=allowed,
    )
