"""split: real git history rewritten to the kept folders."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from goldpath.platform import SplitTargetNotEmptyError
from goldpath.platform._split import SPLITS, split_repository


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def _commit(repo: Path, files: dict[str, str], message: str) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    _git("add", ".", cwd=repo)
    _git("commit", "-qm", message, cwd=repo)


@pytest.fixture
def monorepo(tmp_path: Path) -> Path:
    repo = tmp_path / "mono"
    repo.mkdir()
    _git("init", "-q", "-b", "main", cwd=repo)
    _commit(repo, {"README.md": "hi\n", "pyproject.toml": "[project]\n"}, "start")
    _commit(repo, {"infra/terraform/modules/vpc/main.tf": "# vpc\n"}, "terraform: vpc")
    _commit(repo, {"src/goldpath/catalog/x.py": "x = 1\n"}, "catalog")
    _commit(repo, {"src/goldpath/platform/_cost.py": "c = 1\n"}, "platform: cost")
    _commit(repo, {"infra/terraform/envs/poc/main.tf": "# poc\n"}, "terraform: poc")
    _commit(repo, {"deploy/portal/Dockerfile": "FROM x\n"}, "portal image")
    return repo


def _files_in_history(repo: Path) -> set[str]:
    out = _git("log", "--name-only", "--format=", "--all", cwd=repo)
    return {line for line in out.splitlines() if line}


def test_iac_split_keeps_only_terraform_with_its_history(monorepo: Path, tmp_path: Path) -> None:
    target = tmp_path / "iac"
    result = split_repository("iac", source=monorepo, target=target)
    assert result.commits == 2
    assert _files_in_history(target) == {
        "infra/terraform/modules/vpc/main.tf",
        "infra/terraform/envs/poc/main.tf",
    }
    subjects = _git("log", "--format=%s", cwd=target).splitlines()
    assert subjects == ["terraform: poc", "terraform: vpc"]
    assert _git("remote", cwd=target).strip() == ""
    assert (target / "infra/terraform/envs/poc/main.tf").read_text() == "# poc\n"


def test_platform_split_keeps_platform_ops_folders(monorepo: Path, tmp_path: Path) -> None:
    target = tmp_path / "ops"
    result = split_repository("platform", source=monorepo, target=target)
    assert _files_in_history(target) == {
        "src/goldpath/platform/_cost.py",
        "deploy/portal/Dockerfile",
    }
    assert result.commits == 2


def test_app_split_leaves_terraform_out(monorepo: Path, tmp_path: Path) -> None:
    target = tmp_path / "app"
    split_repository("app", source=monorepo, target=target)
    files = _files_in_history(target)
    assert "src/goldpath/catalog/x.py" in files and "README.md" in files
    assert not any(f.startswith("infra/") for f in files)


def test_source_repository_is_left_untouched(monorepo: Path, tmp_path: Path) -> None:
    before = _git("rev-parse", "HEAD", cwd=monorepo)
    split_repository("iac", source=monorepo, target=tmp_path / "iac")
    assert _git("rev-parse", "HEAD", cwd=monorepo) == before
    assert _git("status", "--porcelain", cwd=monorepo) == ""


_names = st.from_regex(r"[a-z]{1,8}(\.[a-z]{1,3})?", fullmatch=True)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=20)
@given(
    st.dictionaries(_names, st.text(max_size=20), min_size=1, max_size=4),
    st.sampled_from(sorted(SPLITS)),
)
def test_a_non_empty_target_is_refused_and_left_as_it_was(
    monorepo: Path, tmp_path_factory: pytest.TempPathFactory, files: dict[str, str], kind: str
) -> None:
    target = tmp_path_factory.mktemp("target")
    for name, text in files.items():
        (target / name).write_text(text)
    before = {p.name: p.read_text() for p in target.iterdir()}
    with pytest.raises(SplitTargetNotEmptyError, match="not an empty directory"):
        split_repository(kind, source=monorepo, target=target)  # type: ignore[arg-type]
    assert {p.name: p.read_text() for p in target.iterdir()} == before


def test_an_existing_empty_target_is_accepted(monorepo: Path, tmp_path: Path) -> None:
    target = tmp_path / "empty"
    target.mkdir()
    assert (
        split_repository("iac", source=monorepo, target=target).commits
        == 2
    )
