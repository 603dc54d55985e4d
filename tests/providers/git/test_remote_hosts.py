"""GitLabHost and GitHubHost against fakes of their REST APIs, pushing over real HTTP."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from goldpath.config import GitIntegration
from goldpath.providers.git import (
    GitAuthor,
    GitHost,
    GitHostError,
    GitHostUnavailableError,
    GitHubHost,
    GitLabHost,
    GitPathNotFoundError,
    LocalGitHost,
    NewRepo,
    RepoExistsError,
    RepoInfo,
    RepoNotFoundError,
    staged_repo,
)
from tests.providers.git._fakes import FakeHostState, fake_github, fake_gitlab
from tests.providers.git._server import serve
from tests.providers.git.conftest import git

TOKEN = "glpat-S3cr3tT0kenValue"


@pytest.fixture
def gitlab_state(tmp_path: Path) -> FakeHostState:
    state = FakeHostState(root=tmp_path / "gitlab-repos", token=TOKEN)
    state.namespaces.update({"platform": 7, "platform/team": 8})
    return state


@pytest.fixture
def gitlab_url(gitlab_state: FakeHostState) -> Iterator[str]:
    with serve(lambda _base: fake_gitlab(gitlab_state)) as base_url:
        yield base_url


def _gitlab(base_url: str, token: str = TOKEN) -> GitLabHost:
    return GitLabHost(
        GitIntegration(
            host="gitlab.example.com", token=SecretStr(token), api_base_url=f"{base_url}/api/v4"
        )
    )


@pytest.fixture
def github_state(tmp_path: Path) -> FakeHostState:
    state = FakeHostState(root=tmp_path / "github-repos", token=TOKEN)
    state.namespaces.update({"acme": 1})
    return state


@pytest.fixture
def github_url(github_state: FakeHostState) -> Iterator[str]:
    with serve(lambda _base: fake_github(github_state, login="ada")) as base_url:
        yield base_url


def _github(base_url: str, token: str = TOKEN) -> GitHubHost:
    return GitHubHost(
        GitIntegration(
            host="github.example.com", token=SecretStr(token), api_base_url=f"{base_url}/api/v3"
        )
    )


def _hosts(request: pytest.FixtureRequest) -> tuple[GitHost, FakeHostState, str]:
    if request.param == "gitlab":
        base = request.getfixturevalue("gitlab_url")
        return _gitlab(base), request.getfixturevalue("gitlab_state"), "platform/team"
    base = request.getfixturevalue("github_url")
    return _github(base), request.getfixturevalue("github_state"), "acme"


@pytest.fixture(params=["gitlab", "github"])
def remote(request: pytest.FixtureRequest) -> tuple[GitHost, FakeHostState, str]:
    """(host, its fake's state, an owner it has) for GitLab and for GitHub."""
    return _hosts(request)


def test_remote_hosts_satisfy_the_protocol(remote: tuple[GitHost, FakeHostState, str]) -> None:
    host, _, _ = remote
    assert isinstance(host, GitHost)


def test_create_push_and_read_back(
    remote: tuple[GitHost, FakeHostState, str], source_dir: Path
) -> None:
    host, state, owner = remote
    info = host.create_repo(owner, "svc", description="A service")
    assert info.clone_url.endswith(f"/{owner}/svc.git")
    sha = host.push(
        source_dir, info, branch="main", message="init", author_name="Ada", author_email="a@x"
    )
    bare = state.root / f"{owner}/svc.git"
    assert git("--git-dir", str(bare), "rev-parse", "main").strip() == sha
    files = git("--git-dir", str(bare), "ls-tree", "-r", "--name-only", "main").split()
    assert sorted(files) == [".gitignore", "catalog-info.yaml", "run.sh", "src/index.js"]


def test_token_travels_only_in_an_authorization_header(
    remote: tuple[GitHost, FakeHostState, str], source_dir: Path
) -> None:
    host, state, owner = remote
    info = host.create_repo(owner, "svc")
    host.push(source_dir, info, branch="main", message="m", author_name="A", author_email="a@x")
    assert TOKEN not in info.clone_url
    assert any(h.startswith("Basic ") for h in state.auth_headers_seen)


def test_second_push_builds_on_the_remote_branch(
    remote: tuple[GitHost, FakeHostState, str], source_dir: Path
) -> None:
    host, state, owner = remote
    info = host.create_repo(owner, "svc")
    host.push(source_dir, info, branch="main", message="one", author_name="A", author_email="a@x")
    (source_dir / "two.txt").write_text("2\n")
    host.push(source_dir, info, branch="main", message="two", author_name="A", author_email="a@x")
    bare = state.root / f"{owner}/svc.git"
    assert git("--git-dir", str(bare), "log", "--format=%s", "main").split() == ["two", "one"]


def test_existing_repo_is_a_conflict_and_survives(
    remote: tuple[GitHost, FakeHostState, str],
) -> None:
    host, state, owner = remote
    first = host.create_repo(owner, "svc")
    with pytest.raises(RepoExistsError):
        host.create_repo(owner, "svc")
    assert host.get_repo(owner, "svc").id == first.id
    assert (state.root / f"{owner}/svc.git").is_dir()


def test_parallel_creates_exactly_one_wins(remote: tuple[GitHost, FakeHostState, str]) -> None:
    host, _, owner = remote

    def attempt(_: int) -> str:
        try:
            return host.create_repo(owner, "race").id
        except RepoExistsError:
            return "exists"

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(attempt, range(10)))
    assert len([o for o in outcomes if o != "exists"]) == 1


def test_delete_by_id_spares_a_newer_namesake(remote: tuple[GitHost, FakeHostState, str]) -> None:
    host, _, owner = remote
    first = host.create_repo(owner, "svc")
    host.delete_repo(owner, "svc", repo_id=first.id)
    assert not host.repo_exists(owner, "svc")
    second = host.create_repo(owner, "svc")
    with pytest.raises(RepoNotFoundError, match="left untouched"):
        host.delete_repo(owner, "svc", repo_id=first.id)
    assert host.get_repo(owner, "svc").id == second.id


def test_missing_repo_is_not_found(remote: tuple[GitHost, FakeHostState, str]) -> None:
    host, _, owner = remote
    assert not host.repo_exists(owner, "ghost")
    with pytest.raises(RepoNotFoundError):
        host.get_repo(owner, "ghost")


def test_unknown_owner_is_not_found(remote: tuple[GitHost, FakeHostState, str]) -> None:
    host, _, _ = remote
    with pytest.raises(RepoNotFoundError):
        host.create_repo("nobody", "svc")


@pytest.mark.parametrize("kind", ["gitlab", "github"])
def test_bad_token_is_a_provider_error_without_the_token(
    kind: str, request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-" + TOKEN
    if kind == "gitlab":
        host: GitHost = _gitlab(request.getfixturevalue("gitlab_url"), token=wrong)
        owner = "platform"
    else:
        host = _github(request.getfixturevalue("github_url"), token=wrong)
        owner = "acme"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(GitHostError) as caught:
        host.create_repo(owner, "svc")
    assert "refused the token" in str(caught.value)
    assert wrong not in str(caught.value)
    assert wrong not in repr(caught.value.context)
    assert wrong not in caplog.text


@pytest.mark.parametrize("kind", ["gitlab", "github"])
def test_rejected_push_names_no_token(
    kind: str, request: pytest.FixtureRequest, source_dir: Path
) -> None:
    state: FakeHostState = request.getfixturevalue(f"{kind}_state")
    base = request.getfixturevalue(f"{kind}_url")
    host: GitHost = _gitlab(base) if kind == "gitlab" else _github(base)
    owner = "platform" if kind == "gitlab" else "acme"
    info = host.create_repo(owner, "svc")
    state.token = "rotated-token-value"  # the host now refuses the token we hold
    with pytest.raises(GitHostError) as caught:
        host.push(source_dir, info, branch="main", message="m", author_name="A", author_email="a@x")
    assert TOKEN not in str(caught.value)
    assert TOKEN not in repr(caught.value.context)


@pytest.mark.parametrize("factory", [_gitlab, _github])
def test_unreachable_host_is_unavailable(factory: object) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    host = factory(f"http://127.0.0.1:{port}")  # type: ignore[operator]
    with pytest.raises(GitHostUnavailableError) as caught:
        host.get_repo("acme", "svc")
    assert TOKEN not in str(caught.value)


def test_gitlab_urls_follow_gitlab_shapes() -> None:
    host = GitLabHost(GitIntegration(host="gitlab.example.com", token=SecretStr(TOKEN)))
    assert host.clone_url("g/sub", "svc") == "https://gitlab.example.com/g/sub/svc.git"
    assert host.contents_url("g", "svc", "main") == "https://gitlab.example.com/g/svc/-/blob/main"


def test_github_urls_follow_backstage_shapes() -> None:
    host = GitHubHost(GitIntegration(host="github.com", token=SecretStr(TOKEN)))
    assert host.clone_url("acme", "svc.git") == "https://github.com/acme/svc.git"
    assert host.contents_url("acme", "svc", "main") == "https://github.com/acme/svc/blob/main"


def test_github_refuses_nested_owners() -> None:
    from goldpath.providers.git import InvalidRepoUrlError

    host = GitHubHost(GitIntegration(host="github.com", token=SecretStr(TOKEN)))
    with pytest.raises(InvalidRepoUrlError, match="nested"):
        host.clone_url("a/b", "svc")


def test_github_creates_user_repos_for_the_tokens_own_login(
    github_url: str, github_state: FakeHostState
) -> None:
    host = _github(github_url)
    info = host.create_repo("ada", "mine")
    assert info.full_name == "ada/mine"
    assert ("POST", "/api/v3/user/repos") in github_state.requests


def test_contents_url_reads_back_through_the_api(
    remote: tuple[GitHost, FakeHostState, str], source_dir: Path
) -> None:
    host, _, owner = remote
    info = host.create_repo(owner, "svc")
    host.push(
        source_dir, info, branch="release/1", message="m", author_name="A", author_email="a@x"
    )
    url = host.contents_url(owner, "svc", "release/1") + "/src/index.js"
    assert host.can_read(url)
    assert host.read(url) == b"console.log('hi')\n"


def _tree_url(host: GitHost, owner: str, ref: str, folder: str) -> str:
    marker = "/-/tree/" if host.kind == "gitlab" else "/tree/"
    return f"{host.web_url(owner, 'svc')}{marker}{ref}/{folder}".rstrip("/")


def test_folders_read_back_with_modes_from_tree_and_blob_urls(
    remote: tuple[GitHost, FakeHostState, str], source_dir: Path
) -> None:
    host, state, owner = remote
    info = host.create_repo(owner, "svc")
    host.push(
        source_dir, info, branch="release/1", message="m", author_name="A", author_email="a@x"
    )
    root = _tree_url(host, owner, "release/1", "")
    assert host.can_read_folder(root)
    files = host.read_folder(root)
    assert sorted(files) == [".gitignore", "catalog-info.yaml", "run.sh", "src/index.js"]
    assert files["run.sh"][1] == 0o100755 and files["src/index.js"][1] == 0o100644
    blob_style = host.contents_url(owner, "svc", "release/1") + "/src"
    assert host.read_folder(blob_style) == {"index.js": (b"console.log('hi')\n", 0o100644)}
    with pytest.raises(GitPathNotFoundError, match="does not exist"):
        host.read_folder(_tree_url(host, owner, "release/1", "nope"))
    with pytest.raises(GitPathNotFoundError, match="no branch or tag") as missing:
        host.read_folder(_tree_url(host, owner, "gone", "src"))
    assert TOKEN not in str(missing.value)
    assert any(h.startswith("Basic ") for h in state.auth_headers_seen)


def test_missing_file_reads_as_not_found(
    remote: tuple[GitHost, FakeHostState, str], source_dir: Path
) -> None:
    host, _, owner = remote
    info = host.create_repo(owner, "svc")
    host.push(source_dir, info, branch="main", message="m", author_name="A", author_email="a@x")
    with pytest.raises(GitPathNotFoundError):
        host.read(host.contents_url(owner, "svc", "main") + "/nope.yaml")


def test_remote_hosts_do_not_claim_other_hosts_urls(
    remote: tuple[GitHost, FakeHostState, str],
) -> None:
    host, _, _ = remote
    assert not host.can_read("https://elsewhere.example/team/svc/-/blob/main/catalog-info.yaml")


_segments = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_-]{0,15}", fullmatch=True)


@given(owner=_segments, repo=_segments, suffix=st.sampled_from(["", ".git"]))
def test_clone_urls_always_end_in_one_git_suffix(owner: str, repo: str, suffix: str) -> None:
    hosts: list[GitHost] = [
        GitLabHost(GitIntegration(host="gitlab.example.com", token=SecretStr(TOKEN))),
        GitHubHost(GitIntegration(host="github.com", token=SecretStr(TOKEN))),
        LocalGitHost(Path("/srv/git"), "http://portal.example:7007"),
    ]
    for host in hosts:
        url = host.clone_url(owner, repo + suffix)
        assert url.endswith(f"/{owner}/{repo}.git")
        assert not url.endswith(".git.git")


def test_a_remote_repository_is_created_and_pushed_only_when_published(
    remote: tuple[GitHost, FakeHostState, str],
    tmp_path: Path,
) -> None:
    host, _state, owner = remote
    order: list[str] = []
    new = NewRepo(owner=owner, name="svc", files={"base/a.yaml": b"a: 1\n"}, message="m",
                  author=GitAuthor("Ada", "ada@example.com"))
    with staged_repo(host, new, tmp_root=tmp_path) as staged:
        assert not host.repo_exists(owner, "svc")

        def created(info: RepoInfo) -> None:
            order.append("created")
            assert host.repo_exists(owner, info.name)

        info, sha = staged.publish(created)
    assert order == ["created"]
    listed = sorted(host.read_folder(host.contents_url(owner, "svc", "main")))
    assert listed == ["base/a.yaml"]
    assert len(sha) == 40 and info.name == "svc"
