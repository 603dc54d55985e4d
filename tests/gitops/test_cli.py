"""``goldpath gitops ...`` and ``goldpath validate``, through the real CLI app."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from goldpath.cli import app
from goldpath.gitops import PlatformSpec, render_app
from tests.gitops.helpers import spec, write

runner = CliRunner()
pytestmark = pytest.mark.slow  # validation runs promtool and kustomize


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@localhost", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    ).stdout


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A GOLDPATH_HOME whose local git host holds one app's GitOps repo."""
    home = tmp_path / "home"
    monkeypatch.setenv("GOLDPATH_HOME", str(home))
    work = write(render_app(spec(environments=("dev", "staging"))), tmp_path / "seed")
    git("init", "-q", "-b", "main", cwd=work)
    git("add", ".", cwd=work)
    git("commit", "-q", "-m", "initial", cwd=work)
    bare = home / "git" / "gitops" / "payments.git"
    bare.parent.mkdir(parents=True)
    git("clone", "-q", "--bare", str(work), str(bare), cwd=tmp_path)
    return home


def _bare(home: Path) -> Path:
    return home / "git" / "gitops" / "payments.git"


def test_platform_writes_validated_manifests(tmp_path: Path) -> None:
    result = runner.invoke(app, ["gitops", "platform", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out/platform/cluster-secret-store.yaml").is_file()
    assert (tmp_path / "out/platform/kustomization.yaml").is_file()


def test_platform_repo_url_renders_the_whole_platform_repo(tmp_path: Path) -> None:
    url = "https://gitlab.example.com/gitops/platform.git"
    result = runner.invoke(
        app, ["gitops", "platform", "--out", str(tmp_path / "out"), "--repo-url", url]
    )
    assert result.exit_code == 0, result.output
    roots = list(yaml.safe_load_all((tmp_path / "out/bootstrap/applications.yaml").read_text()))
    assert {a["spec"]["source"]["repoURL"] for a in roots} == {url}
    assert (tmp_path / "out/bootstrap/repo-creds.yaml").is_file()
    assert (tmp_path / "out/monitoring/platform-rules.yaml").is_file()


def test_platform_uses_the_configured_platform(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLDPATH_PLATFORM__AWS_REGION", "eu-west-1")
    result = runner.invoke(app, ["gitops", "platform", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    store = yaml.safe_load((tmp_path / "out/platform/cluster-secret-store.yaml").read_text())
    assert store["spec"]["provider"]["aws"]["region"] == "eu-west-1"


def test_set_image_defaults_to_the_local_gitops_repo(home: Path) -> None:
    result = runner.invoke(app, ["gitops", "set-image", "payments", "sha123"])
    assert result.exit_code == 0, result.output
    assert "committed" in result.output
    log = git("log", "-1", "--format=%s", cwd=_bare(home))
    assert "[skip ci]" in log and "sha123" in log
    again = runner.invoke(app, ["gitops", "set-image", "payments", "sha123"])
    assert again.exit_code == 0 and "nothing to commit" in again.output


def test_set_image_for_a_missing_repo_is_one_line_and_exit_3(home: Path) -> None:
    result = runner.invoke(app, ["gitops", "set-image", "ghost", "v1"])
    assert result.exit_code == 3
    assert "Traceback" not in result.output and "ghost" in result.output


def test_gitops_promote_is_gone_in_favour_of_goldpath_promote(home: Path) -> None:
    result = runner.invoke(app, ["gitops", "promote", "payments", "--to", "staging"])
    assert result.exit_code != 0
    assert "promote" not in runner.invoke(app, ["gitops", "--help"]).output.split("Commands")[-1]


def test_validate_all_reports_every_repo(home: Path) -> None:
    result = runner.invoke(app, ["gitops", "validate-all"])
    assert result.exit_code == 0, result.output
    assert "ok payments" in result.output and "1 repo(s), 0 failing" in result.output


def test_render_all_rerenders_with_the_configured_platform(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GOLDPATH_PLATFORM__DOMAIN", "apps.acme.io")
    result = runner.invoke(app, ["gitops", "render-all"])
    assert result.exit_code == 0, result.output
    assert "updated payments" in result.output
    ingress = yaml.safe_load(git("show", "HEAD:base/ingress.yaml", cwd=_bare(home)))
    assert ingress["spec"]["rules"][0]["host"] == "payments.apps.acme.io"
    assert PlatformSpec().domain != "apps.acme.io"


def test_render_all_check_commits_nothing(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOLDPATH_PLATFORM__DOMAIN", "apps.acme.io")
    before = git("rev-parse", "HEAD", cwd=_bare(home))
    assert runner.invoke(app, ["gitops", "render-all", "--check"]).exit_code == 0
    assert git("rev-parse", "HEAD", cwd=_bare(home)) == before


def test_validate_passes_a_rendered_tree(tmp_path: Path) -> None:
    root = write(render_app(spec()), tmp_path / "repo")
    result = runner.invoke(app, ["validate", str(root)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("ok ")


def test_validate_fails_with_every_finding(tmp_path: Path) -> None:
    root = write(render_app(spec()), tmp_path / "repo")
    role = list(yaml.safe_load_all((root / "base/rbac.yaml").read_text()))
    role[0]["rules"][0]["verbs"].append("delete")
    role[0]["rules"][0]["resources"].append("secrets")
    (root / "base/rbac.yaml").write_text(yaml.safe_dump_all(role))
    result = runner.invoke(app, ["validate", str(root), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    messages = [f["message"] for f in report["findings"] if f["rule"] == "SD001"]
    assert len(messages) == 2
    assert report["findings"][0]["file"] == "base/rbac.yaml"


def test_validate_a_single_file(tmp_path: Path) -> None:
    files = render_app(spec())
    target = tmp_path / "deployment.yaml"
    target.write_text(next(t for p, t in files.items() if p.name == "deployment.yaml"))
    result = runner.invoke(app, ["validate", str(target)])
    # alone, the Deployment lacks its ServiceAccount and NetworkPolicies: policies say so
    assert result.exit_code == 1
    assert "WS006" in result.output
