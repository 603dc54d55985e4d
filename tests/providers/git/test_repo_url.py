"""Backstage's repoUrl parsing and the owner/repo name rules."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goldpath.providers.git import InvalidRepoUrlError, RepoUrl, parse_repo_url

_segment = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,20}", fullmatch=True)
_owners = st.lists(_segment, min_size=1, max_size=3).map("/".join)
_hosts = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z]{2,6}){1,2}", fullmatch=True)


def test_parses_backstage_repo_url() -> None:
    assert parse_repo_url("github.com?owner=acme&repo=payments") == RepoUrl(
        host="github.com", owner="acme", repo="payments"
    )


def test_nested_gitlab_group_is_one_owner() -> None:
    parsed = parse_repo_url("gitlab.example.com?owner=platform%2Fteam&repo=svc")
    assert parsed.owner == "platform/team"


def test_repo_name_loses_git_suffix() -> None:
    assert parse_repo_url("gitlab.example.com?owner=a&repo=svc.git").repo == "svc"


def test_organization_stands_in_for_missing_owner() -> None:
    assert parse_repo_url("github.com?organization=acme&repo=x").owner == "acme"


def test_missing_owner_and_repo_are_both_reported() -> None:
    with pytest.raises(InvalidRepoUrlError) as caught:
        parse_repo_url("github.com?foo=bar")
    rules = {e.rule for e in caught.value.errors}
    assert rules == {"required"}
    assert len(caught.value.errors) == 2
    assert all(e.field == "repoUrl" for e in caught.value.errors)


def test_repo_url_without_query_is_refused_with_the_expected_shape() -> None:
    with pytest.raises(InvalidRepoUrlError, match=r"host\?owner=o&repo=r"):
        parse_repo_url("github.com/acme/payments")


@given(host=_hosts, owner=_owners, repo=_segment)
def test_format_then_parse_round_trips(host: str, owner: str, repo: str) -> None:
    url = RepoUrl(host=host, owner=owner, repo=repo)
    assert parse_repo_url(str(url)) == url


_traversal = st.sampled_from(["..", ".", "../x", "x/..", "/abs", "x//y", ".hidden", "-opt", "a\\b"])


@given(bad=_traversal, where=st.sampled_from(["owner", "repo"]))
def test_path_escapes_are_refused(bad: str, where: str) -> None:
    owner, repo = ("acme", "svc")
    if where == "owner":
        owner = bad
    else:
        repo = bad
    with pytest.raises(InvalidRepoUrlError):
        parse_repo_url(f"github.com?owner={owner}&repo={repo}")


@given(text=st.text(max_size=40))
def test_any_accepted_name_is_a_plain_relative_path(text: str) -> None:
    try:
        parsed = parse_repo_url(f"h.example?owner={text}&repo={text}")
    except InvalidRepoUrlError:
        return
    for segment in [*parsed.owner.split("/"), parsed.repo]:
        assert segment not in ("", ".", "..")
        assert not segment.startswith((".", "-"))
        assert "\\" not in segment and "\0" not in segment
