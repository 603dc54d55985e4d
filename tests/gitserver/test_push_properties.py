"""The refusal rules hold for any sequence of pushes, with real git doing the pushing.

* Through the goldpath hook and git configuration, a force push never moves the default
  branch, nothing deletes it, and a GitOps repository's default branch never moves.
* Through the portal, no sequence of pushes by a non-member changes any ref.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.gitserver import RefRules, install_hooks, push_git_config
from goldpath.gitserver._rules import RULES_ENV
from goldpath.providers.git import LocalGitHost, Repository, clean_git_env
from tests.gitserver.conftest import APP, GITOPS, MARGARET, GitPortal, basic, receive_pack_body

BRANCHES = ("main", "feature")
# ("push", branch, rewrite history first, --force) commits on the branch, then pushes it
_ops = st.one_of(
    st.tuples(st.just("push"), st.sampled_from(BRANCHES), st.booleans(), st.booleans()),
    st.tuples(st.just("delete"), st.sampled_from(BRANCHES)),
)


def _git(work: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=work, env=env, capture_output=True, text=True, check=False
    )


def _is_ancestor(bare: Path, old: str, new: str) -> bool:
    done = subprocess.run(
        ["git", "--git-dir", str(bare), "merge-base", "--is-ancestor", old, new],
        env=clean_git_env(),
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@settings(max_examples=15, deadline=None)
@given(protect=st.booleans(), ops=st.lists(_ops, min_size=1, max_size=6))
def test_no_push_sequence_rewrites_or_deletes_the_default_branch(
    protect: bool, ops: list[tuple[object, ...]]
) -> None:
    with tempfile.TemporaryDirectory(prefix="gp-push-") as scratch:
        root = Path(scratch)
        host = LocalGitHost(root / "git", "http://localhost:7007", tmp_root=root / "tmp")
        seed = root / "seed"
        seed.mkdir()
        (seed / "a.txt").write_text("a\n", encoding="utf-8")
        info = host.create_repo("apps", "svc")
        host.push(seed, info, branch="main", message="init", author_name="A", author_email="a@x")
        bare = host.repo_path("apps", "svc")
        rules = RefRules(repo="apps/svc", default_branch="main", protect_default_branch=protect)
        # git's local transport drops GIT_CONFIG_* for receive-pack (the portal hands them to
        # git http-backend), so the same configuration goes into the repository here
        for key, value in push_git_config(install_hooks(root / "hooks")).items():
            done = subprocess.run(
                ["git", "--git-dir", str(bare), "config", key, value],
                env=clean_git_env(),
                check=False,
            )
            assert done.returncode == 0
        env = {
            **clean_git_env(),
            RULES_ENV: rules.to_env(),
            "GIT_AUTHOR_NAME": "T",
            "GIT_AUTHOR_EMAIL": "t@x",
            "GIT_COMMITTER_NAME": "T",
            "GIT_COMMITTER_EMAIL": "t@x",
        }
        work = root / "work"
        assert _git(root, env, "clone", "-q", str(bare), str(work)).returncode == 0
        counter = 0
        for op in ops:
            kind, branch = str(op[0]), str(op[1])
            before = Repository(bare).refs().get("refs/heads/main")
            assert before is not None
            if kind == "push":
                _git(work, env, "checkout", "-q", "-B", branch)
                if op[2]:
                    _git(work, env, "reset", "-q", "--hard", "HEAD~1")
                counter += 1
                (work / f"f{counter}.txt").write_text(f"{counter}\n", encoding="utf-8")
                _git(work, env, "add", ".")
                _git(work, env, "commit", "-q", "-m", f"change {counter}")
                force = ["--force"] if op[3] else []
                _git(work, env, "push", "-q", *force, "origin", f"{branch}:{branch}")
            else:
                _git(work, env, "push", "-q", "origin", f":{branch}")
            after = Repository(bare).refs().get("refs/heads/main")
            assert after is not None, "the default branch was deleted"
            assert _is_ancestor(bare, before, after), "the default branch lost commits"
            if protect:
                assert after == before, "a protected default branch moved"


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_no_sequence_of_pushes_by_a_non_member_changes_any_ref(
    git_portal: GitPortal, data: st.DataObject
) -> None:
    # margaret is in storefront-team; apps/ledger is payments-team's, gitops/* the platform's
    token = git_portal.token(MARGARET)
    before = {repo: git_portal.refs(*repo) for repo in (APP, GITOPS)}
    shas = sorted({sha for refs in before.values() for sha in refs.values()})
    # every commit of both repositories: pushes that would need no new objects
    for repo in (APP, GITOPS):
        for sha, *_ in Repository(git_portal.host.repo_path(*repo)).log("refs/heads/main"):
            shas.append(sha)
    sha = st.sampled_from([*shas, "0" * 40])
    ref = st.sampled_from(["refs/heads/main", "refs/heads/evil", "refs/tags/v1"])
    pushes = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from([APP, GITOPS]),
                st.lists(st.tuples(sha, sha, ref), min_size=1, max_size=3),
            ),
            min_size=1,
            max_size=4,
        )
    )
    for repo, commands in pushes:
        answer = git_portal.client.post(
            f"/git/{repo[0]}/{repo[1]}.git/git-receive-pack",
            content=receive_pack_body(commands),
            headers={**basic(token), "content-type": "application/x-git-receive-pack-request"},
        )
        assert answer.status_code == 403
    assert {repo: git_portal.refs(*repo) for repo in (APP, GITOPS)} == before
    assert git_portal.runtime.git_server.log.for_repos([APP, GITOPS]) == []
    assert not os.environ.get(RULES_ENV)  # nothing leaked into the test process
