"""The ref rules as invariants: no push deletes a default branch, rewrites history, or
touches a GitOps repository's default branch; anything else on a branch goes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from goldpath.gitserver import ZERO_SHA, RefRules, RefUpdate, ref_refusal

_shas = st.one_of(st.just(ZERO_SHA), st.from_regex(r"[0-9a-f]{40}", fullmatch=True))
_branches = st.sampled_from(["main", "trunk", "feature/x", "release-1"])
_refs = st.one_of(
    _branches.map(lambda b: f"refs/heads/{b}"), st.sampled_from(["refs/tags/v1", "refs/notes/x"])
)
_rules = st.builds(
    RefRules,
    repo=st.just("apps/svc"),
    default_branch=_branches,
    protect_default_branch=st.booleans(),
)
_updates = st.builds(RefUpdate, ref=_refs, old=_shas, new=_shas).filter(lambda u: u.old != u.new)


@given(_rules, _updates, st.booleans())
def test_the_default_branch_is_never_deleted(
    rules: RefRules, update: RefUpdate, fast_forward: bool
) -> None:
    if update.ref == rules.default_ref and update.is_delete:
        refusal = ref_refusal(rules, update, fast_forward=fast_forward)
        assert refusal is not None and refusal.rule == "default-branch-delete"


@given(_rules, _updates)
def test_a_force_push_is_always_refused(rules: RefRules, update: RefUpdate) -> None:
    if not update.is_create and not update.is_delete:
        assert ref_refusal(rules, update, fast_forward=False) is not None


@given(_rules, _updates, st.booleans())
def test_a_protected_default_branch_takes_no_push_at_all(
    rules: RefRules, update: RefUpdate, fast_forward: bool
) -> None:
    if rules.protect_default_branch and update.ref == rules.default_ref:
        assert ref_refusal(rules, update, fast_forward=fast_forward) is not None


@given(_rules, _updates)
def test_creates_fast_forwards_and_other_deletes_go_through(
    rules: RefRules, update: RefUpdate
) -> None:
    touches_default = update.ref == rules.default_ref
    if touches_default and (rules.protect_default_branch or update.is_delete):
        return
    assert ref_refusal(rules, update, fast_forward=True) is None


@given(_rules)
def test_the_rules_survive_the_trip_to_the_hook(rules: RefRules) -> None:
    assert RefRules.from_env(rules.to_env()) == rules
