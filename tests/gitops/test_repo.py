"""set-image, promote and re-render on real git repositories (bare origin + clones)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from goldpath.errors import InvalidInputError
from goldpath.gitops import (
    GitopsRepoNotFoundError,
    GitopsValidationError,
    ImageNotFoundError,
    PlatformSpec,
    image_tag,
    promote,
    render_app,
    rerender,
    set_image,
    validate_repo,
)
from tests.gitops.helpers import spec, write

pytestmark = pytest.mark.slow  # every commit runs promtool and kustomize first


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    ).stdout


def _bare_repo(tmp_path: Path, **overrides: object) -> Path:
    """A bare GitOps repo holding a freshly rendered app, like gitops:publish leaves it."""
    work = write(render_app(spec(**overrides)), tmp_path / "seed")
    git("init", "-q", "-b", "main", cwd=work)
    git("add", ".", cwd=work)
    git("commit", "-q", "-m", "initial", cwd=work)
    bare = tmp_path / "git" / "gitops" / "payments.git"
    bare.parent.mkdir(parents=True)
    git("clone", "-q", "--bare", str(work), str(bare), cwd=tmp_path)
    return bare


def _log(bare: Path) -> list[str]:
    return git("log", "--format=%s", cwd=bare).splitlines()


def _show(bare: Path, path: str) -> dict[str, Any]:
    shown: dict[str, Any] = yaml.safe_load(git("show", f"HEAD:{path}", cwd=bare))
    return shown


def test_set_image_commits_the_new_tag_with_skip_ci(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path)
    sha = set_image(str(bare), "payments", "abc1234")
    assert sha is not None
    assert _log(bare)[0] == "chore(payments): deploy image abc1234 to base [skip ci]"
    images = _show(bare, "base/kustomization.yaml")["images"]
    assert images == [{"name": "111122223333.dkr.ecr.us-east-2.amazonaws.com/apps/payments",
                       "newTag": "abc1234"}]


def test_set_image_is_idempotent(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path)
    set_image(str(bare), "payments", "abc1234")
    before = _log(bare)
    assert set_image(str(bare), "payments", "abc1234") is None
    assert _log(bare) == before


def test_set_image_keeps_the_rest_of_the_kustomization(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path)
    before = _show(bare, "base/kustomization.yaml")
    set_image(str(bare), "payments", "v2")
    after = _show(bare, "base/kustomization.yaml")
    assert {k: v for k, v in after.items() if k != "images"} == {
        k: v for k, v in before.items() if k != "images"}


def test_set_image_targets_the_first_overlay_when_there_are_environments(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path, environments=("dev", "prod"))
    set_image(str(bare), "payments", "v7")
    assert _show(bare, "overlays/dev/kustomization.yaml")["images"][0]["newTag"] == "v7"
    assert _show(bare, "overlays/prod/kustomization.yaml")["images"][0]["newTag"] == "initial"


def test_set_image_in_a_working_tree_commits_without_pushing(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path)
    clone = tmp_path / "clone"
    git("clone", "-q", str(bare), str(clone), cwd=tmp_path)
    set_image(clone, "payments", "w1")
    assert git("log", "-1", "--format=%s", cwd=clone).startswith("chore(payments): deploy image w1")
    assert "w1" not in git("show", "HEAD:base/kustomization.yaml", cwd=bare)


def test_set_image_refuses_a_bad_tag(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path)
    with pytest.raises(InvalidInputError) as exc:
        set_image(str(bare), "payments", "bad tag;rm")
    assert exc.value.errors[0].field == "tag"


def test_set_image_for_an_unknown_app_is_not_found(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path)
    with pytest.raises(ImageNotFoundError):
        set_image(str(bare), "other-app", "v1")


def test_set_image_on_a_missing_repo_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(GitopsRepoNotFoundError):
        set_image(str(tmp_path / "nope.git"), "payments", "v1")


def test_promote_copies_the_tag_as_one_commit(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path, environments=("dev", "staging", "prod"))
    set_image(str(bare), "payments", "rc1", environment="dev")
    count = len(_log(bare))
    tag, sha = promote(str(bare), "payments", source="dev", target="staging")
    assert (tag, sha is not None) == ("rc1", True)
    assert len(_log(bare)) == count + 1
    assert _log(bare)[0] == "chore(payments): promote rc1 from dev to staging [skip ci]"
    changed = git("show", "--name-only", "--format=", "HEAD", cwd=bare).split()
    assert changed == ["overlays/staging/kustomization.yaml"]


def test_promote_twice_commits_once(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path, environments=("dev", "staging"))
    set_image(str(bare), "payments", "rc2", environment="dev")
    promote(str(bare), "payments", source="dev", target="staging")
    assert promote(str(bare), "payments", source="dev", target="staging") == ("rc2", None)


def test_promote_to_a_missing_overlay_is_not_found(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path, environments=("dev",))
    with pytest.raises(GitopsRepoNotFoundError, match="no overlay 'prod'"):
        promote(str(bare), "payments", source="dev", target="prod")


def test_a_change_that_breaks_validation_is_never_committed(tmp_path: Path) -> None:
    seed = write(render_app(spec()), tmp_path / "work")
    git("init", "-q", "-b", "main", cwd=seed)
    deployment = yaml.safe_load((seed / "base/deployment.yaml").read_text())
    deployment["spec"]["template"]["spec"]["hostNetwork"] = True
    (seed / "base/deployment.yaml").write_text(yaml.safe_dump(deployment))
    git("add", ".", cwd=seed)
    git("commit", "-q", "-m", "hand edit", cwd=seed)
    with pytest.raises(GitopsValidationError, match="WS001"):
        set_image(seed, "payments", "v9")
    assert git("log", "--format=%s", cwd=seed).splitlines() == ["hand edit"]


def test_rerender_applies_new_platform_facts_and_keeps_deployed_tags(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path, environments=("dev", "prod"))
    set_image(str(bare), "payments", "live1", environment="prod")
    name, report, changed = rerender(str(bare), PlatformSpec(domain="apps.acme.io"))
    assert (name, report.ok, changed) == ("payments", True, True)
    ingress = yaml.safe_load(git("show", "HEAD:base/ingress.yaml", cwd=bare))
    assert ingress["spec"]["rules"][0]["host"] == "payments.apps.acme.io"
    assert _show(bare, "overlays/prod/kustomization.yaml")["images"][0]["newTag"] == "live1"


def test_rerender_with_the_same_platform_changes_nothing(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path)
    before = _log(bare)
    assert rerender(str(bare), PlatformSpec())[2] is False
    assert _log(bare) == before


def test_image_tag_reads_the_deployed_tag(tmp_path: Path) -> None:
    root = write(render_app(spec(environments=("dev",), image_tag="t1")), tmp_path / "r")
    assert image_tag(root, "payments", "dev") == "t1"


def test_validate_repo_reports_what_is_committed(tmp_path: Path) -> None:
    bare = _bare_repo(tmp_path)
    report = validate_repo(str(bare))
    assert report.ok, report.failures
    assert report.objects > 10
